// Ejercicio del capítulo 04: el worker de 04-worker, pero sin sus mensajes
// de todos los días. Solo escribe avisos y errores, como
//
//	rq worker --quiet high default low
//
// Lo que escriben las propias tareas se sigue viendo.
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
		// Nada por debajo de WARNING.
		Logger: &rqlite.Logger{Level: rqlite.LevelWarning},
	})
	if err != nil {
		log.Fatal(err)
	}

	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
