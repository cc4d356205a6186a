// Dependencias y cancelación. Un trabajo puede esperar a que terminen otros
// (DependsOn, el depends_on de RQ), incluso si fallan
// (AllowDependencyFailure), y un trabajo que aún no ha empezado se puede
// cancelar (Cancel).
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)
	q := rqlite.NewQueue("dependencias", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})
	encolar := func(f any, o rqlite.EnqueueOptions) *rqlite.Job {
		job, err := q.EnqueueCall(ctx, f, &o)
		demo.Comprobar(err)
		return job
	}

	// B espera a que A termine bien.
	a := encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{Args: []any{2}})
	b := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{Args: []any{3}, DependsOn: []string{a.ID}})
	// C falla siempre. D espera a C, pero se hace aunque C falle; E, no.
	c := encolar(tareas.Fallar, rqlite.EnqueueOptions{Args: []any{"no hay red"}})
	d := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{Args: []any{2}, DependsOn: []string{c.ID},
		AllowDependencyFailure: true})
	e := encolar(tareas.ContarHasta, rqlite.EnqueueOptions{Args: []any{1}, DependsOn: []string{c.ID}})
	// F se cancela antes de que un worker lo empiece: no se hará.
	f := encolar(tareas.TareaPesadaYFalible, rqlite.EnqueueOptions{Args: []any{5}})
	demo.Comprobar(f.Cancel(ctx, false))

	trabajos := []*rqlite.Job{a, b, c, d, e, f}
	mostrar := func(titulo string) {
		fmt.Println(titulo)
		for i, job := range trabajos {
			estado, err := job.GetStatus(ctx)
			demo.Comprobar(err)
			fmt.Printf("  %c  %-34s %s\n", 'A'+i, job.Description, estado)
		}
	}
	mostrar("Antes del worker:")

	w, err := rqlite.NewWorker(rdb, []string{"dependencias"}, &rqlite.WorkerOptions{
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}, // sin registro
	})
	demo.Comprobar(err)
	demo.Comprobar(w.Work(ctx))

	mostrar("Después del worker:")
}
