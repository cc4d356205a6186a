// Ejemplo 05: un worker en modo burst. Hace todo el trabajo que encuentra
// en las colas high, default y low, por ese orden, y termina cuando están
// vacías. Es lo mismo que
//
//	rq worker --burst high default low
package main

import (
	"context"
	"os"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)

	w, err := rqlite.NewWorker(rdb, []string{"high", "default", "low"}, &rqlite.WorkerOptions{
		Burst: true, // terminar cuando no quede trabajo
		// Lo siguiente solo hace que la salida sea siempre igual con
		// TAREAS_SEMILLA: el nombre del worker y el reloj de su registro.
		// Los errores van a la salida estándar, para verlos en orden.
		Name:   tareas.NuevoNombre(),
		Logger: &rqlite.Logger{Now: tareas.Reloj, Err: os.Stdout},
	})
	demo.Comprobar(err)
	demo.Comprobar(w.Work(ctx))
}
