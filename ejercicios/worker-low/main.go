// Ejercicio del capítulo 04: un worker que atiende solo la cola low. Los
// trabajos de las demás colas no los toca. Es lo mismo que
//
//	rq worker low
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

	w, err := rqlite.NewWorker(rdb, []string{"low"}, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Como el de 04-worker: se para con Ctrl-C.
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
