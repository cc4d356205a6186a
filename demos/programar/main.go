// Trabajos programados. EnqueueIn y EnqueueAt (enqueue_in y enqueue_at de
// RQ) dejan el trabajo en el registro de programados hasta su hora; un
// planificador lo pasa entonces a la cola. Es lo que hacen
// «rq scheduler» y «rq worker --with-scheduler».
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
	q := rqlite.NewQueue("programados", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})
	sinRegistro := &rqlite.Logger{Out: io.Discard, Err: io.Discard}

	// Uno dentro de dos segundos, y otro a una hora dada: dentro de uno.
	luego, err := q.EnqueueIn(ctx, 2*time.Second, tareas.ContarHasta, 2)
	demo.Comprobar(err)
	antes, err := q.EnqueueAt(ctx, time.Now().Add(time.Second), tareas.TareaPesadaYFalible, 3)
	demo.Comprobar(err)
	mostrar := func() {
		ids, err := q.Registry(rqlite.Scheduled).JobIDs(ctx, 0, -1)
		demo.Comprobar(err)
		n, err := q.Count(ctx)
		demo.Comprobar(err)
		fmt.Printf("Programados: %v; en la cola: %d\n", ids, n)
		for _, job := range []*rqlite.Job{luego, antes} {
			estado, err := job.GetStatus(ctx)
			demo.Comprobar(err)
			fmt.Printf("  %s %-32s %s\n", job.ID, job.Description, estado)
		}
	}
	mostrar()

	// Un planificador en segundo plano, como «rq scheduler programados»,
	// hasta que los dos trabajos estén en la cola (como mucho, 10 s).
	s, err := rqlite.NewScheduler(rdb, []string{"programados"}, &rqlite.SchedulerOptions{Logger: sinRegistro})
	demo.Comprobar(err)
	ctxPlan, parar := context.WithCancel(ctx)
	terminado := make(chan error)
	go func() { terminado <- s.Run(ctxPlan) }()
	for limite := time.Now().Add(10 * time.Second); time.Now().Before(limite); time.Sleep(100 * time.Millisecond) {
		if n, err := q.Count(ctx); err != nil || n == 2 {
			break
		}
	}
	parar()
	demo.Comprobar(<-terminado) // al pararse, suelta su cerrojo de la cola
	mostrar()

	// Ya están en la cola: un worker en modo burst los hace.
	w, err := rqlite.NewWorker(rdb, []string{"programados"}, &rqlite.WorkerOptions{Burst: true, Logger: sinRegistro})
	demo.Comprobar(err)
	demo.Comprobar(w.Work(ctx))
	mostrar()
}
