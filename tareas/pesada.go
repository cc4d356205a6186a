package tareas

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/fatih/color"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	// El nombre con el que se guarda en Redis, como lo guardaría RQ, y el
	// nombre del parámetro, para poder pasarlo como tarea(n=3).
	rqlite.Register("tareas.tarea_pesada_y_falible", TareaPesadaYFalible, "n")
}

// ErrNoMePuedoLevantar es el fallo que simula la tarea pesada, con el
// mensaje de las notas originales.
var ErrNoMePuedoLevantar error = fallo("Hoy no me puedo levantar ♪♫")

// fallo es un error que es solo su mensaje.
type fallo string

func (f fallo) Error() string { return string(f) }

// Salida es donde escriben las tareas; por defecto, la salida estándar.
var Salida io.Writer = os.Stdout

// ok escribe en verde, si la salida es un terminal.
var ok = color.New(color.FgGreen).SprintFunc()

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
