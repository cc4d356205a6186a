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
	"log"
	"os"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	_ "github.com/colasrq/rqlite-tutorial/tareas" // las tareas que conoce
)

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	colas := []string{"high", "default", "low"}
	w, err := rqlite.NewWorker(rdb, colas, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Run atiende las señales como RQ: Ctrl-C (SIGINT) o SIGTERM.
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
