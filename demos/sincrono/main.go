// Colas síncronas, meta y espera de resultados. Con Synchronous (el
// is_async=False de RQ), Enqueue hace el trabajo en el momento, en el
// mismo programa, y lo devuelve terminado: útil en pruebas y scripts. Con
// una cola normal, WaitResult espera a que un worker dé el resultado.
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

	// Una cola síncrona: no hace falta ningún worker.
	sincrona := rqlite.NewQueue("sincrono", rdb,
		&rqlite.QueueOptions{Synchronous: true})
	job, err := sincrona.Enqueue(ctx, tareas.ContarHasta, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Estado al volver de Enqueue:", job.Status)
	valor, err := job.ReturnValue(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Resultado:", valor)
	// La tarea guarda su progreso con JobFromContext y SaveMeta.
	fmt.Println("Meta:", job.Meta)

	// La misma cola, normal: Enqueue vuelve enseguida, con el trabajo en
	// la cola, y un worker lo hace en otra goroutine.
	q := rqlite.NewQueue("sincrono", rdb, nil)
	job, err = q.Enqueue(ctx, tareas.ContarHasta, 4)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Estado al volver de Enqueue:", job.Status)

	w, err := rqlite.NewWorker(rdb, []string{"sincrono"},
		&rqlite.WorkerOptions{
			Burst:  true,
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		})
	if err != nil {
		log.Fatal(err)
	}
	hecho := make(chan error)
	go func() { hecho <- w.Work(ctx) }()

	// WaitResult espera en Redis, sin consultar una y otra vez, a que el
	// trabajo tenga un resultado; como mucho, 10 segundos.
	r, err := job.WaitResult(ctx, 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	if r == nil {
		fmt.Println("Ningún resultado en 10 segundos")
	} else {
		exito := r.Type == rqlite.ResultSuccessful
		fmt.Printf("Resultado: %v (éxito: %v)\n", r.ReturnValue, exito)
	}
	if err := <-hecho; err != nil {
		log.Fatal(err)
	}
	if err := job.Refresh(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Estado:", job.Status, "Meta:", job.Meta)
}
