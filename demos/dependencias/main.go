// Dependencias y cancelación. Un trabajo puede esperar a que terminen otros
// (DependsOn, el depends_on de RQ), incluso si fallan
// (AllowDependencyFailure), y un trabajo que aún no ha empezado se puede
// cancelar (Cancel).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

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

	q := rqlite.NewQueue("dependencias", rdb, nil)
	encolar := func(f any, o rqlite.EnqueueOptions) *rqlite.Job {
		job, err := q.EnqueueCall(ctx, f, &o)
		if err != nil {
			log.Fatal(err)
		}
		return job
	}

	// B espera a que A termine bien.
	a := encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{
		Args: []any{2},
	})
	b := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{
		Args:      []any{3},
		DependsOn: []string{a.ID},
	})
	// C falla siempre. D espera a C, pero se hace aunque C falle; E, no.
	c := encolar(tareas.Fallar, rqlite.EnqueueOptions{
		Args: []any{"no hay red"},
	})
	d := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{
		Args:                   []any{2},
		DependsOn:              []string{c.ID},
		AllowDependencyFailure: true,
	})
	e := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{
		Args:      []any{1},
		DependsOn: []string{c.ID},
	})
	// F se cancela antes de que un worker lo empiece: no se hará.
	f := encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{
		Args: []any{5},
	})
	if err := f.Cancel(ctx, false); err != nil {
		log.Fatal(err)
	}

	trabajos := []*rqlite.Job{a, b, c, d, e, f}
	mostrar := func(titulo string) {
		fmt.Println(titulo)
		for i, job := range trabajos {
			estado, err := job.GetStatus(ctx)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("  %c  %-34s %s\n", 'A'+i, job.Description, estado)
			if estado == rqlite.StatusFailed {
				// Por qué ha fallado: el exc_info de RQ, en una o más
				// líneas.
				motivo, err := job.ExcInfo(ctx)
				if err != nil {
					log.Fatal(err)
				}
				sangrado := strings.ReplaceAll(motivo, "\n", "\n     ")
				fmt.Println("     " + sangrado)
			}
		}
	}
	mostrar("Antes del worker:")

	// Un worker en modo burst, sin registro: hablan las tareas.
	w, err := rqlite.NewWorker(rdb, []string{"dependencias"},
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

	mostrar("Después del worker:")
}
