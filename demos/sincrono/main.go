// Colas síncronas, meta y espera de resultados. Con Synchronous (el
// is_async=False de RQ), Enqueue hace el trabajo en el momento, en el
// mismo programa, y lo devuelve terminado: útil en pruebas y scripts. Con
// una cola normal, WaitResult espera a que un worker dé el resultado.
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

	// Una cola síncrona: no hace falta ningún worker.
	sincrona := rqlite.NewQueue("sincrono", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID, Synchronous: true})
	job, err := sincrona.Enqueue(ctx, tareas.ContarHasta, 3)
	demo.Comprobar(err)
	fmt.Println("Estado al volver de Enqueue:", job.Status)
	valor, err := job.ReturnValue(ctx)
	demo.Comprobar(err)
	fmt.Println("Resultado:", valor)
	// La tarea guarda su progreso con JobFromContext y SaveMeta.
	fmt.Println("Meta:", job.Meta)

	// La misma cola, normal: Enqueue vuelve enseguida, con el trabajo en
	// la cola, y un worker lo hace en otra goroutine.
	q := rqlite.NewQueue("sincrono", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})
	job, err = q.Enqueue(ctx, tareas.ContarHasta, 4)
	demo.Comprobar(err)
	fmt.Println("Estado al volver de Enqueue:", job.Status)

	w, err := rqlite.NewWorker(rdb, []string{"sincrono"}, &rqlite.WorkerOptions{
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	demo.Comprobar(err)
	hecho := make(chan error)
	go func() { hecho <- w.Work(ctx) }()

	// WaitResult espera en Redis, sin consultar una y otra vez, a que el
	// trabajo tenga un resultado; como mucho, 10 segundos.
	r, err := job.WaitResult(ctx, 10*time.Second)
	demo.Comprobar(err)
	if r == nil {
		fmt.Println("Ningún resultado en 10 segundos")
	} else {
		fmt.Printf("Resultado: %v (éxito: %v)\n", r.ReturnValue, r.Type == rqlite.ResultSuccessful)
	}
	demo.Comprobar(<-hecho)
	demo.Comprobar(job.Refresh(ctx))
	fmt.Println("Estado:", job.Status, "Meta:", job.Meta)
}
