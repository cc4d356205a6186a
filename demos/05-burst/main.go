// Ejemplo 05: un worker en modo burst. Hace todo el trabajo que encuentra
// en las colas high, default y low, por ese orden, y termina cuando están
// vacías. Es lo mismo que
//
//	rq worker --burst high default low
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
	w, err := rqlite.NewWorker(rdb, colas, &rqlite.WorkerOptions{
		Burst: true, // terminar cuando no quede trabajo
	})
	if err != nil {
		log.Fatal(err)
	}

	// Run atiende las señales como RQ: Ctrl-C (SIGINT) o SIGTERM.
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
