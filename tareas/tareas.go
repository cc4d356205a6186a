// Package tareas contiene las tareas de los ejemplos del tutorial: una tarea
// lenta que a veces falla y un contador de palabras de una página web.
//
// Cada tarea se registra con un nombre al estilo de Python
// ("tareas.tarea_pesada_y_falible"), que es el nombre que se guarda en
// Redis. Así un worker en otro proceso, en Go o en Python, sabe qué función
// ejecutar.
//
// Dos variables de entorno hacen que los ejemplos sean exactos y rápidos en
// las pruebas, sin cambiar lo que ve quien los ejecuta normalmente:
//
//   - TAREAS_SEMILLA: un entero que fija todas las decisiones al azar de los
//     ejemplos y de las tareas (cuánto dura cada tarea y cuáles fallan).
//     Sin ella, cada ejecución es distinta.
//   - TAREAS_SEGUNDO: cuánto dura un "segundo" simulado, como duración de
//     Go ("10ms", "1s"). Por defecto, un segundo de verdad.
package tareas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fatih/color"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	rqlite.Register("tareas.tarea_pesada_y_falible", TareaPesadaYFalible, "n")
	rqlite.Register("tareas.count_words_at_url", CountWordsAtURL, "url")
}

// ErrNoMePuedoLevantar es el fallo que simula la tarea pesada.
var ErrNoMePuedoLevantar = errors.New("Hoy no me puedo levantar ♪♫")

// Salida es donde escriben las tareas; por defecto, la salida estándar.
var Salida io.Writer = os.Stdout

var (
	ok = color.New(color.FgGreen).SprintFunc()

	// segundosSimulados cuenta los segundos que han dormido las tareas de
	// este proceso.
	segundosSimulados atomic.Int64
)

// TareaPesadaYFalible simula un trabajo que tarda n segundos y que falla,
// nada más empezar, una de cada cinco veces. Escribe una línea como
// "tarea_pesada_y_falible (3) ... [OK]" y devuelve n.
//
// Si ctx se cancela (por ejemplo, porque el trabajo supera su tiempo
// máximo), la tarea se detiene y devuelve el error del contexto.
func TareaPesadaYFalible(ctx context.Context, n int) (int, error) {
	fmt.Fprintf(Salida, "tarea_pesada_y_falible (%d) ", n)
	if azarTareas.Float64() < 0.2 {
		return 0, ErrNoMePuedoLevantar
	}
	for range n {
		if err := dormir(ctx); err != nil {
			fmt.Fprintln(Salida)
			return 0, err
		}
		fmt.Fprint(Salida, ".")
	}
	fmt.Fprintln(Salida, " "+ok("[OK]"))
	return n, nil
}

// CountWordsAtURL descarga la página en url y cuenta sus palabras: el
// ejemplo de la documentación de RQ, count_words_at_url.
func CountWordsAtURL(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return len(strings.Fields(string(body))), nil
}

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
func NuevoID() string {
	var b [16]byte
	azarIDs.mu.Lock()
	r := azarIDs.rand()
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	azarIDs.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40 // versión 4
	b[8] = b[8]&0x3f | 0x80 // variante RFC 4122
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
