package tareas

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// segundosSimulados cuenta los segundos que han dormido las tareas de este
// proceso.
var segundosSimulados atomic.Int64

// Duracion elige, al azar, cuántos segundos tardará una tarea: de 2 a 7.
func Duracion() int { return 2 + azarEjemplos.IntN(6) }

// SegundosSimulados devuelve cuántos segundos simulados han dormido, en
// total, las tareas de este proceso. Con TAREAS_SEGUNDO=1s (lo normal)
// coincide con los segundos de reloj que han tardado.
func SegundosSimulados() int { return int(segundosSimulados.Load()) }

// Segundo es la duración de un segundo simulado (TAREAS_SEGUNDO).
func Segundo() time.Duration { return config().segundo }

func dormir(ctx context.Context) error {
	t := time.NewTimer(Segundo())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		segundosSimulados.Add(1)
		return nil
	}
}

// azar es un generador de números al azar que se crea, con la semilla de
// TAREAS_SEMILLA, la primera vez que se usa. Hay cuatro, cada uno con su
// propia serie: las duraciones que eligen los ejemplos, los fallos de las
// tareas, los identificadores de los trabajos y los nombres de los workers.
// Las dos últimas series dependen además del nombre del programa, para que
// dos ejemplos distintos no den a sus trabajos los mismos identificadores.
// Así las tareas fallan igual
// tanto si se ejecutan en el mismo proceso (01-sync) como en un worker
// (05-burst), y encolar no cambia las duraciones. (Los números de serie son
// arbitrarios: estos hacen que, con la semilla 7, la ejecución se parezca a
// la de las notas originales.)
type azar struct {
	flujo       uint64
	porPrograma bool
	once        sync.Once
	mu          sync.Mutex
	r           *rand.Rand
}

var (
	azarEjemplos = &azar{flujo: 40}
	azarTareas   = &azar{flujo: 39}
	azarIDs      = &azar{flujo: 3, porPrograma: true}
	azarNombres  = &azar{flujo: 4, porPrograma: true}
)

// programa es el nombre del programa en marcha, sin directorio ni «.exe»:
// «02-enqueue» tanto con go run ./demos/02-enqueue como con el binario.
func programa() string {
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
}

func (a *azar) rand() *rand.Rand {
	a.once.Do(func() {
		if c := config(); c.conSemilla {
			flujo := a.flujo
			if a.porPrograma {
				h := fnv.New64a()
				h.Write([]byte(programa()))
				flujo ^= h.Sum64()
			}
			a.r = rand.New(rand.NewPCG(c.semilla, flujo))
		} else {
			a.r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
	})
	return a.r
}

func (a *azar) Float64() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rand().Float64()
}

func (a *azar) IntN(n int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rand().IntN(n)
}

// configuracion son los valores de TAREAS_SEMILLA y TAREAS_SEGUNDO.
type configuracion struct {
	semilla    uint64
	conSemilla bool
	segundo    time.Duration
	err        error
}

var config = sync.OnceValue(func() configuracion {
	c := configuracion{segundo: time.Second}
	if s, ok := os.LookupEnv("TAREAS_SEMILLA"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			c.err = fmt.Errorf("TAREAS_SEMILLA=%q no es un número entero", s)
			return c
		}
		c.semilla, c.conSemilla = uint64(n), true
	}
	if s, ok := os.LookupEnv("TAREAS_SEGUNDO"); ok {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d <= 0 {
			c.err = fmt.Errorf(
				"TAREAS_SEGUNDO=%q no es una duración positiva como 1s o 10ms", s)
			return c
		}
		c.segundo = d
	}
	return c
})

// Al cargarse el paquete se comprueban TAREAS_SEMILLA y TAREAS_SEGUNDO: un
// valor que no se entiende termina el programa con una línea que lo dice.
// Con TAREAS_SEMILLA, además, rqlite toma de aquí los identificadores de los
// trabajos, los nombres de los workers y la hora de sus registros, para que
// los ejemplos escriban siempre lo mismo sin cambiar una línea de su código.
func init() {
	c := config()
	if c.err != nil {
		fmt.Fprintln(os.Stderr, c.err)
		os.Exit(2)
	}
	if c.conSemilla {
		h := rqlite.Hooks{
			NewJobID:      nuevoID,
			NewWorkerName: nuevoNombre,
			LogClock:      reloj,
		}
		if programa() == "rq" {
			// rq enqueue se puede llamar varias veces seguidas: con la misma
			// serie, cada llamada repetiría los identificadores de la
			// anterior. Sus trabajos tienen identificadores al azar (o el
			// que se le dé con --job-id).
			h.NewJobID = nil
		}
		rqlite.SetHooks(h)
	}
}

// nuevoID devuelve un identificador de trabajo con la forma de un UUID
// versión 4, como los de RQ, siempre la misma serie con la misma semilla.
func nuevoID() string { return uuid4(azarIDs) }

// nuevoNombre devuelve un nombre de worker como los de RQ: 32 cifras
// hexadecimales, siempre los mismos con la misma semilla.
func nuevoNombre() string {
	return strings.ReplaceAll(uuid4(azarNombres), "-", "")
}

func uuid4(a *azar) string {
	var b [16]byte
	a.mu.Lock()
	r := a.rand()
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	a.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40 // versión 4
	b[8] = b[8]&0x3f | 0x80 // variante RFC 4122
	return fmt.Sprintf("%x-%x-%x-%x-%x",
		b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// inicioSimulado es la hora a la que empieza el reloj simulado.
var inicioSimulado = time.Date(2026, 11, 27, 15, 9, 0, 0, time.Local)

// reloj es la hora que muestran en su registro los workers con
// TAREAS_SEMILLA: un reloj simulado que empieza a las 15:09:00 y avanza con
// los segundos simulados que han dormido las tareas de este proceso.
func reloj() time.Time {
	return inicioSimulado.Add(time.Duration(SegundosSimulados()) * time.Second)
}
