// Ejercicio del capítulo 05: un worker en modo burst que hace como mucho
// tres trabajos y termina, aunque quede más en las colas. Es lo mismo que
//
//	rq worker --burst --max-jobs 3 high default low
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
		Burst:   true,
		MaxJobs: 3, // y no más de tres trabajos
	})
	if err != nil {
		log.Fatal(err)
	}

	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
