// Ejercicio de «El orden de las colas»: dentro de una cola manda el orden
// de llegada, salvo para un trabajo encolado con AtFront, que se pone el
// primero.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	q := rqlite.NewQueue("default", rdb, nil)

	// Tres trabajos que llegan en su turno...
	for i := 1; i <= 3; i++ {
		if _, err := q.Enqueue(ctx, tareas.Sumar, i, i); err != nil {
			log.Fatal(err)
		}
	}
	// ...y uno que llega el último pero se cuela.
	_, err = q.EnqueueCall(ctx, tareas.Sumar, &rqlite.EnqueueOptions{
		Args:    []any{10, 10},
		AtFront: true,
	})
	if err != nil {
		log.Fatal(err)
	}

	// La cola, desde el primero que sacará un worker.
	jobs, err := q.Jobs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for i, job := range jobs {
		fmt.Printf("%d. %s\n", i+1, job.Description)
	}
}
