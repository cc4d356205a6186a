// Reintentos y avisos. Un trabajo que falla puede volver a intentarse
// (Retry, el retry= de RQ), y el worker puede llamar a una tarea cuando un
// trabajo termina bien o mal (on_success, on_failure).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

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

	q := rqlite.NewQueue("reintentos", rdb, nil)
	encolar := func(f any, o rqlite.EnqueueOptions) *rqlite.Job {
		job, err := q.EnqueueCall(ctx, f, &o)
		if err != nil {
			log.Fatal(err)
		}
		return job
	}

	// Cuatro trabajos de la tarea pesada, con hasta tres reintentos cada
	// uno y los dos avisos: uno dado como función y otro por su nombre.
	var trabajos []*rqlite.Job
	for _, n := range []int{2, 3, 2, 4} {
		trabajos = append(trabajos, encolar(tareas.TareaPesadaYFalible,
			rqlite.EnqueueOptions{
				Args:      []any{n},
				Retry:     &rqlite.Retry{Max: 3},
				OnSuccess: tareas.AvisarExito,
				OnFailure: "tareas.avisar_fallo",
			}))
	}

	// Uno que falla siempre: un intento y dos reintentos, y se rinde.
	terco := encolar(tareas.Fallar, rqlite.EnqueueOptions{
		Args:      []any{"sin papel"},
		Retry:     &rqlite.Retry{Max: 2},
		OnFailure: tareas.AvisarFallo,
	})
	// Y otro que, tras cada fallo, espera antes de reintentarse: primero
	// 30 segundos y después 5 minutos.
	esperas := []time.Duration{30 * time.Second, 5 * time.Minute}
	paciente := encolar(tareas.Fallar, rqlite.EnqueueOptions{
		Args:      []any{"sin tinta"},
		Retry:     &rqlite.Retry{Max: 2, Intervals: esperas},
		OnFailure: tareas.AvisarFallo,
	})
	trabajos = append(trabajos, terco, paciente)

	// Un worker en modo burst, con su registro descartado: aquí hablan las
	// tareas y los avisos.
	w, err := rqlite.NewWorker(rdb, []string{"reintentos"},
		&rqlite.WorkerOptions{
			Burst:  true,
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Work(ctx); err != nil {
		log.Fatal(err)
	}

	fmt.Println()
	for _, job := range trabajos {
		if err := job.Refresh(ctx); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-34s %-9s reintentos restantes: %d\n",
			job.Description, job.Status, job.RetriesLeft)
	}

	// El que espera está en el registro de programados de la cola.
	ids, err := q.Registry(rqlite.Scheduled).JobIDs(ctx, 0, -1)
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range ids {
		job, err := q.FetchJob(ctx, id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("Programado:", id, job.Description)
	}
}
