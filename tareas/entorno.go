package tareas

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
// TAREAS_SEMILLA, la primera vez que se usa. Hay tres, cada uno con su
// propia serie: las duraciones que eligen los ejemplos, los fallos de las
// tareas y los identificadores de los trabajos. Así las tareas fallan igual
// tanto si se ejecutan en el mismo proceso (01-sync) como en un worker
// (05-burst), y encolar no cambia las duraciones. (Los números de serie son
// arbitrarios: estos hacen que, con la semilla 7, la ejecución se parezca a
// la de las notas originales.)
type azar struct {
	flujo uint64
	once  sync.Once
	mu    sync.Mutex
	r     *rand.Rand
}

var (
	azarEjemplos = &azar{flujo: 40}
	azarTareas   = &azar{flujo: 39}
	azarIDs      = &azar{flujo: 3}
	azarNombres  = &azar{flujo: 4}
)

func (a *azar) rand() *rand.Rand {
	a.once.Do(func() {
		if c := config(); c.conSemilla {
			a.r = rand.New(rand.NewPCG(c.semilla, a.flujo))
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
			c.err = fmt.Errorf("TAREAS_SEGUNDO=%q no es una duración positiva como 1s o 10ms", s)
			return c
		}
		c.segundo = d
	}
	return c
})

// Comprobar devuelve un error si TAREAS_SEMILLA o TAREAS_SEGUNDO tienen un
// valor que no se entiende. Los ejemplos lo llaman al empezar.
func Comprobar() error { return config().err }

// NuevoID devuelve un identificador de trabajo con la forma de un UUID
// versión 4, como los de RQ. Con TAREAS_SEMILLA sale siempre la misma
// serie, y así las pruebas pueden comparar la salida de los workers.
func NuevoID() string { return uuid4(azarIDs) }

// NuevoNombre devuelve un nombre de worker como los de RQ: 32 cifras
// hexadecimales al azar, siempre los mismos con TAREAS_SEMILLA.
func NuevoNombre() string { return strings.ReplaceAll(uuid4(azarNombres), "-", "") }

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
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// inicioSimulado es la hora a la que empieza el reloj simulado.
var inicioSimulado = time.Date(2026, 11, 27, 15, 9, 0, 0, time.Local)

// Reloj es la hora que muestran en su registro los workers de los
// ejemplos. Sin TAREAS_SEMILLA es la hora de verdad; con ella, un reloj
// simulado que empieza a las 15:09:00 y avanza con los segundos simulados,
// para que la salida sea siempre la misma.
func Reloj() time.Time {
	if !config().conSemilla {
		return time.Now()
	}
	return inicioSimulado.Add(time.Duration(SegundosSimulados()) * time.Second)
}
