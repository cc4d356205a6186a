// Ejercicio de «El orden de las colas»: los mismos seis trabajos que en
// demos/orden, pero con un worker que atiende "low default high". Ahora
// los primeros en hacerse son los de low.
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

	// Dos trabajos en cada cola, por orden de llegada: low, default, high.
	colaDe := map[string]string{} // la cola de cada trabajo, por su ID
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

	// El único cambio: el orden en que el worker mira las colas.
	colas := []string{"low", "default", "high"}
	orden := 0
	w, err := rqlite.NewWorker(rdb, colas, &rqlite.WorkerOptions{
		Burst: true,
		// Sin el registro del worker, salvo avisos y errores.
		Logger: &rqlite.Logger{Level: rqlite.LevelWarning},
		JobDone: func(id string, estado rqlite.Status) {
			orden++
			fmt.Printf("%d.º hecho: un trabajo de %s (%s)\n",
				orden, colaDe[id], estado)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
