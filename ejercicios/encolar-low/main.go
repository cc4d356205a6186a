// Ejercicio del capítulo 02: tres llamadas encoladas en la cola "low" en vez
// de en "default". Basta con cambiar el nombre que se da a NewQueue.
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

	q := rqlite.NewQueue("low", rdb, nil)

	for range 3 {
		n := tareas.Duracion()
		job, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, n)
		if err != nil {
			log.Fatal(err)
		}
		// Origin es la cola en la que ha quedado el trabajo.
		fmt.Printf("En %s: %s\n", job.Origin, job.Description)
	}
}
