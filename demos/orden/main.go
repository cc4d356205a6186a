// Por qué importa el orden de las colas: encolamos primero en low, luego en
// default y por último en high, y un worker que atiende "high default low"
// los hace justo al revés de como llegaron.
package main

import (
	"context"
	"fmt"
	"io"
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

	// Dos trabajos en cada cola, por orden de llegada: low, default, high.
	colaDe := map[string]string{}
	for _, nombre := range []string{"low", "default", "high"} {
		q := rqlite.NewQueue(nombre, rdb, nil)
		for i := 1; i <= 2; i++ {
			job, err := q.Enqueue(ctx, tareas.Sumar, i, i)
			if err != nil {
				log.Fatal(err)
			}
			colaDe[job.ID] = nombre
			fmt.Printf("Encolado en %-8s %s\n", nombre+":", job.Description)
		}
	}

	// Un worker en modo burst que atiende high, default y low, en ese
	// orden. Su registro se descarta: lo que nos interesa es en qué orden
	// termina los trabajos, y eso lo cuenta JobDone.
	orden := 0
	colas := []string{"high", "default", "low"}
	w, err := rqlite.NewWorker(rdb, colas, &rqlite.WorkerOptions{
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		JobDone: func(id string, estado rqlite.Status) {
			orden++
			fmt.Printf("%d.º hecho: un trabajo de %s (%s)\n",
				orden, colaDe[id], estado)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Work(ctx); err != nil {
		log.Fatal(err)
	}
}
