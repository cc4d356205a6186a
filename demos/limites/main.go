// Límites de concurrencia. La cola «lenta» admite como mucho dos trabajos
// en marcha a la vez, entre todos los workers que la atienden: aquí, cuatro
// workers en el mismo proceso. Mientras trabajan, el programa cuenta cada
// poco los trabajos que hay en marcha (el registro de empezados) y apunta
// el máximo que ha visto.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

const (
	nombreCol = "lenta"
	limite    = 2
	trabajos  = 8
	nWorkers  = 4
	segundos  = 30 // lo que dura cada trabajo, en segundos simulados
)

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// El límite se guarda en Redis, así que lo respetan todos los workers
	// de rqlite que usen este Redis, en este proceso o en cualquier otro.
	// Es lo mismo que `rq limit set --queue lenta 2`.
	err = rqlite.SetConcurrencyLimit(ctx, rdb,
		rqlite.LimitQueue, nombreCol, limite)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Límite de la cola %s: %d trabajos a la vez\n",
		nombreCol, limite)

	q := rqlite.NewQueue(nombreCol, rdb, nil)
	for range trabajos {
		_, err := q.Enqueue(ctx, tareas.DormirSinEscuchar, segundos)
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("Encolados %d trabajos; %d workers los atienden\n",
		trabajos, nWorkers)

	// Cuatro workers, con el registro descartado. JobDone cuenta los
	// trabajos terminados; al llegar a ocho, se cancela el contexto y
	// los workers se despiden.
	trabajoCtx, terminar := context.WithCancel(ctx)
	var hechos atomic.Int64
	var wg sync.WaitGroup
	for range nWorkers {
		opciones := &rqlite.WorkerOptions{
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
			JobDone: func(string, rqlite.Status) {
				if hechos.Add(1) == trabajos {
					terminar()
				}
			},
		}
		w, err := rqlite.NewWorker(rdb, []string{nombreCol}, opciones)
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Work(trabajoCtx); err != nil {
				log.Fatal(err)
			}
		}()
	}

	// Mientras tanto, se mira cada milisegundo cuántos hay en marcha.
	empezados := q.Registry(rqlite.Started)
	maximo := int64(0)
	for trabajoCtx.Err() == nil {
		n, err := empezados.Count(ctx)
		if err != nil {
			log.Fatal(err)
		}
		maximo = max(maximo, n)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()

	fmt.Printf("Terminados: %d de %d\n", hechos.Load(), trabajos)
	if maximo <= limite {
		fmt.Printf("Nunca hubo más de %d en marcha a la vez\n", limite)
	} else {
		fmt.Printf("¡Hubo %d en marcha a la vez!\n", maximo)
	}

	// Con todo terminado, la cola no tiene ninguna plaza ocupada.
	limites, err := rqlite.ConcurrencyLimits(ctx, rdb)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range limites {
		if l.Kind == rqlite.LimitQueue && l.Name == nombreCol {
			fmt.Printf("Plazas ocupadas en la cola %s: %d de %d\n",
				l.Name, l.InUse, l.Max)
		}
	}
}
