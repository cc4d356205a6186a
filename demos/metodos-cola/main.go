// Métodos de una cola: cuántos trabajos tiene, sus identificadores, los
// trabajos en sí, buscar uno, borrar uno y vaciarla.
package main

import (
	"context"
	"errors"
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

	q := rqlite.NewQueue("ejemplo", rdb, nil)
	for _, n := range []int{3, 5, 2} {
		if _, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, n); err != nil {
			log.Fatal(err)
		}
	}

	// Count: el número de trabajos en la cola (len(q) en Python).
	n, err := q.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Count:", n)

	// JobIDs: los identificadores, del primero al último (q.job_ids).
	ids, err := q.JobIDs(ctx, 0, -1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("JobIDs:")
	for _, id := range ids {
		fmt.Println("  ", id)
	}

	// Jobs: los trabajos en sí (q.jobs).
	jobs, err := q.Jobs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Jobs:")
	for _, j := range jobs {
		fmt.Println("  ", j.Description, j.Status)
	}

	// FetchJob: un trabajo a partir de su identificador (q.fetch_job).
	job, err := q.FetchJob(ctx, ids[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("FetchJob:", job.FuncName, job.Args, job.Origin)

	// DeleteJob: borra un trabajo conocido su identificador.
	if err := q.DeleteJob(ctx, ids[1]); err != nil {
		log.Fatal(err)
	}
	n, _ = q.Count(ctx)
	fmt.Println("Tras DeleteJob, Count:", n)

	// Un trabajo que ya no existe da el error rqlite.ErrNoSuchJob.
	_, err = q.FetchJob(ctx, ids[1])
	fmt.Println("¿Ya no existe?", errors.Is(err, rqlite.ErrNoSuchJob))

	// Empty: borra todos los trabajos de la cola (q.empty()).
	borrados, err := q.Empty(ctx)
	if err != nil {
		log.Fatal(err)
	}
	n, _ = q.Count(ctx)
	fmt.Println("Empty ha borrado", borrados, "trabajos; Count:", n)
}
