// Ejemplo 04: un worker que atiende las colas high, default y low, por ese
// orden, y se queda esperando trabajo hasta que lo paras con Ctrl-C. Es lo
// mismo que
//
//	rq worker high default low
//
// Con un Ctrl-C termina el trabajo que tenga entre manos y se despide; con
// un segundo Ctrl-C lo interrumpe y lo marca como fallido.
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
		// Como en 05-burst: nombre y reloj fijos con TAREAS_SEMILLA, y los
		// errores en la salida estándar.
		Name:   tareas.NuevoNombre(),
		Logger: &rqlite.Logger{Now: tareas.Reloj, Err: os.Stdout},
	})
	demo.Comprobar(err)

	// Run atiende las señales como RQ: Ctrl-C (SIGINT) o SIGTERM.
	demo.Comprobar(w.Run(ctx))
}
