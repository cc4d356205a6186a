// Ejercicio del capítulo 05: el worker de 05-burst y, cuando termina, un
// resumen de cuántos trabajos han ido bien y cuántos mal. Como Run vuelve
// cuando las colas están vacías, el programa puede seguir después.
package main

import (
	"context"
	"fmt"
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

	// Cuántos trabajos han acabado en cada estado: finished, failed...
	cuantos := map[rqlite.Status]int{}

	colas := []string{"high", "default", "low"}
	w, err := rqlite.NewWorker(rdb, colas, &rqlite.WorkerOptions{
		Burst: true,
		// El worker llama a JobDone al acabar cada trabajo.
		JobDone: func(id string, estado rqlite.Status) {
			cuantos[estado]++
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Bien: %d. Mal: %d.\n",
		cuantos[rqlite.StatusFinished], cuantos[rqlite.StatusFailed])
}
