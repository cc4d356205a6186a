// Reintentos y avisos. Un trabajo que falla puede volver a intentarse
// (Retry, el retry= de RQ), y el worker puede llamar a una tarea cuando un
// trabajo termina bien o mal (on_success, on_failure).
package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)
	q := rqlite.NewQueue("reintentos", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})

	// Cuatro trabajos de la tarea pesada, con hasta tres reintentos cada
	// uno y los dos avisos: como función o por su nombre registrado.
	var trabajos []*rqlite.Job
	for _, n := range []int{2, 3, 2, 4} {
		job, err := q.EnqueueCall(ctx, tareas.TareaPesadaYFalible, &rqlite.EnqueueOptions{
			Args:      []any{n},
			Retry:     &rqlite.Retry{Max: 3},
			OnSuccess: tareas.AvisarExito,
			OnFailure: "tareas.avisar_fallo",
		})
		demo.Comprobar(err)
		trabajos = append(trabajos, job)
	}

	// Uno que falla siempre: un intento y dos reintentos, y se rinde.
	terco, err := q.EnqueueCall(ctx, tareas.Fallar, &rqlite.EnqueueOptions{
		Args: []any{"sin papel"}, Retry: &rqlite.Retry{Max: 2}, OnFailure: tareas.AvisarFallo,
	})
	demo.Comprobar(err)
	// Y otro que, tras cada fallo, espera antes de reintentarse: primero
	// 30 segundos y después 5 minutos.
	paciente, err := q.EnqueueCall(ctx, tareas.Fallar, &rqlite.EnqueueOptions{
		Args:      []any{"sin tinta"},
		Retry:     &rqlite.Retry{Max: 2, Intervals: []time.Duration{30 * time.Second, 5 * time.Minute}},
		OnFailure: tareas.AvisarFallo,
	})
	demo.Comprobar(err)
	trabajos = append(trabajos, terco, paciente)

	// Un worker en modo burst, con su registro descartado: aquí hablan las
	// tareas y los avisos.
	w, err := rqlite.NewWorker(rdb, []string{"reintentos"}, &rqlite.WorkerOptions{
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	demo.Comprobar(err)
	demo.Comprobar(w.Work(ctx))

	fmt.Println()
	for _, job := range trabajos {
		demo.Comprobar(job.Refresh(ctx))
		fmt.Printf("%-34s %-9s reintentos restantes: %d\n", job.Description, job.Status, job.RetriesLeft)
	}

	// El que espera está en el registro de programados de la cola.
	ids, err := q.Registry(rqlite.Scheduled).JobIDs(ctx, 0, -1)
	demo.Comprobar(err)
	for _, id := range ids {
		job, err := q.FetchJob(ctx, id)
		demo.Comprobar(err)
		fmt.Println("Programado:", id, job.Description)
	}
}
