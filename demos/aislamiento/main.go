// Aislamiento de procesos. Un worker aislado (Isolated, como
// «rq worker --isolated») hace cada trabajo en un proceso hijo, el «caballo
// de trabajo» (work horse) de RQ. Si un trabajo no atiende a su tiempo
// máximo o termina su propio proceso, muere el hijo y el worker sigue.
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
	// Lo primero de todo. El caballo de trabajo es este mismo programa,
	// arrancado otra vez por el worker: en él, esta llamada se queda
	// haciendo los trabajos que le mande el worker y no vuelve. En el
	// programa original no hace nada.
	rqlite.ServeHorseIfChild(nil)

	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	q := rqlite.NewQueue("aislados", rdb, nil)
	encolar := func(f any, o rqlite.EnqueueOptions) *rqlite.Job {
		job, err := q.EnqueueCall(ctx, f, &o)
		if err != nil {
			log.Fatal(err)
		}
		return job
	}

	trabajos := []*rqlite.Job{
		encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{
			Args: []any{3},
		}),
		// Quiere dormir una hora sin mirar su contexto, pero tiene un
		// segundo como máximo.
		encolar(tareas.DormirSinEscuchar, rqlite.EnqueueOptions{
			Args:       []any{3600},
			JobTimeout: time.Second,
		}),
		// Termina su proceso con el código 3.
		encolar(tareas.TerminarProceso, rqlite.EnqueueOptions{
			Args: []any{3},
		}),
		// Y el worker sigue con el siguiente.
		encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{
			Args: []any{2},
		}),
	}

	w, err := rqlite.NewWorker(rdb, []string{"aislados"},
		&rqlite.WorkerOptions{
			Burst:    true,
			Isolated: true, // cada trabajo, en un proceso hijo
			Logger:   &rqlite.Logger{Out: io.Discard, Err: io.Discard},
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
		fmt.Printf("%s: %s\n", job.Description, job.Status)
		// El texto del error, como el exc_info de RQ.
		motivo, err := job.ExcInfo(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if motivo != "" {
			fmt.Printf("    «%s»\n", motivo)
		}
	}
}
