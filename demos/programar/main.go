// Trabajos programados. EnqueueIn y EnqueueAt (enqueue_in y enqueue_at de
// RQ) dejan el trabajo en el registro de programados hasta su hora; un
// planificador lo pasa entonces a la cola. Es lo que hacen
// «rq scheduler» y «rq worker --with-scheduler».
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
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

	q := rqlite.NewQueue("programados", rdb, nil)

	// Uno dentro de dos segundos, y otro a una hora dada: dentro de uno.
	// La hora se toma antes de encolar el primero, así el segundo toca
	// siempre un segundo entero antes (RQ guarda la hora en segundos).
	hora := time.Now().Add(time.Second)
	luego, err := q.EnqueueIn(ctx, 2*time.Second, tareas.ContarHasta, 2)
	if err != nil {
		log.Fatal(err)
	}
	antes, err := q.EnqueueAt(ctx, hora, tareas.TareaPesadaYFalible, 3)
	if err != nil {
		log.Fatal(err)
	}
	trabajos := []*rqlite.Job{luego, antes}
	mostrar(ctx, q, trabajos)

	// Ni el planificador ni el worker escriben su registro: lo que cuenta
	// es cómo cambian los trabajos, y eso lo escribe mostrar.
	sinRegistro := &rqlite.Logger{Out: io.Discard, Err: io.Discard}

	// Un planificador en segundo plano, como «rq scheduler programados»,
	// hasta que los dos trabajos estén en la cola (como mucho, 10 s).
	s, err := rqlite.NewScheduler(rdb, []string{"programados"},
		&rqlite.SchedulerOptions{Logger: sinRegistro})
	if err != nil {
		log.Fatal(err)
	}
	ctxPlan, parar := context.WithCancel(ctx)
	terminado := make(chan error)
	go func() { terminado <- s.Run(ctxPlan) }()
	limite := time.Now().Add(10 * time.Second)
	for time.Now().Before(limite) {
		if n, err := q.Count(ctx); err != nil || n == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	parar()
	// Al pararse, el planificador suelta su cerrojo de la cola.
	if err := <-terminado; err != nil {
		log.Fatal(err)
	}
	mostrar(ctx, q, trabajos)

	// Ya están en la cola: un worker en modo burst los hace.
	w, err := rqlite.NewWorker(rdb, []string{"programados"},
		&rqlite.WorkerOptions{Burst: true, Logger: sinRegistro})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Work(ctx); err != nil {
		log.Fatal(err)
	}
	mostrar(ctx, q, trabajos)
}

// mostrar escribe cuántos trabajos hay en el registro de programados y en
// la cola, y el estado de cada trabajo; si ha fallado, también su error.
func mostrar(ctx context.Context, q *rqlite.Queue, trabajos []*rqlite.Job) {
	programados, err := q.Registry(rqlite.Scheduled).Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	enCola, err := q.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Programados: %d; en la cola: %d\n", programados, enCola)
	for _, job := range trabajos {
		estado, err := job.GetStatus(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %-32s %s\n", job.Description, estado)
		if estado == rqlite.StatusFailed {
			// El texto del error, el exc_info de RQ: una o más líneas.
			motivo, err := job.ExcInfo(ctx)
			if err != nil {
				log.Fatal(err)
			}
			sangrado := strings.ReplaceAll(motivo, "\n", "\n    ")
			fmt.Println("    " + sangrado)
		}
	}
}
