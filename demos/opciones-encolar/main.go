// Las opciones al encolar un trabajo: las mismas que acepta enqueue en RQ,
// como campos de rqlite.EnqueueOptions.
package main

import (
	"context"
	"fmt"
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

	q := rqlite.NewQueue("informes", rdb, nil)

	// Un primer trabajo, con los valores por defecto.
	previo, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, 2)
	if err != nil {
		log.Fatal(err)
	}

	// job_timeout acepta las mismas cadenas que en RQ: "1h", "30m", "15s"...
	unaHora, err := rqlite.ParseTimeout("1h")
	if err != nil {
		log.Fatal(err)
	}

	opciones := &rqlite.EnqueueOptions{
		Kwargs:     rqlite.Kwargs{"n": 5}, // los argumentos, por nombre
		JobTimeout: unaHora,               // una hora de ejecución, como mucho
		ResultTTL:  10 * time.Minute,      // el resultado se guarda 10 minutos
		FailureTTL: 24 * time.Hour,        // un fallo se guarda un día
		TTL:        30 * time.Minute,      // sin empezar en 30 min, se descarta
		JobID:      "informe-mensual",     // un identificador elegido a mano
		// La descripción, en vez de la llamada.
		Description: "Informe mensual",
		// Espera a que termine el primero y entonces se pone el primero de
		// la cola.
		DependsOn: []string{previo.ID},
		AtFront:   true,
		Meta:      map[string]any{"autor": "ana"}, // datos propios
	}
	job, err := q.EnqueueCall(ctx, tareas.TareaPesadaYFalible, opciones)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ID:", job.ID)
	fmt.Println("Descripción:", job.Description)
	fmt.Println("Estado:", job.Status) // deferred: espera a su dependencia
	fmt.Println("Timeout:", job.Timeout, "ResultTTL:", job.ResultTTL)
	fmt.Println("FailureTTL:", job.FailureTTL, "TTL:", job.TTL)
	fmt.Println("Depende de:", job.DependencyIDs)

	// Los valores que no tienen sentido se rechazan con un error que los
	// nombra, y no se encola nada.
	_, err = rqlite.ParseTimeout("10x")
	fmt.Println(err)
	_, err = q.EnqueueCall(ctx, tareas.TareaPesadaYFalible,
		&rqlite.EnqueueOptions{Args: []any{3}, JobID: "informe:marzo"})
	fmt.Println(err)
	_, err = q.Enqueue(ctx, "tareas.tarea_pesada_y_falibel", 3)
	fmt.Println(err)
	_, err = q.Enqueue(ctx, tareas.TareaPesadaYFalible, "tres")
	fmt.Println(err)
}
