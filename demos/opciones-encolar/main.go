// Las opciones al encolar un trabajo: las mismas que acepta enqueue en RQ,
// como campos de rqlite.EnqueueOptions.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)
	q := rqlite.NewQueue("informes", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})

	// Un primer trabajo, con los valores por defecto.
	previo, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, 2)
	demo.Comprobar(err)

	// job_timeout acepta las mismas cadenas que en RQ: "1h", "30m", "15s"...
	unaHora, err := rqlite.ParseTimeout("1h")
	demo.Comprobar(err)

	job, err := q.EnqueueCall(ctx, tareas.TareaPesadaYFalible, &rqlite.EnqueueOptions{
		Kwargs:      rqlite.Kwargs{"n": 5}, // los argumentos, por nombre
		JobTimeout:  unaHora,               // como mucho, una hora de ejecución
		ResultTTL:   10 * time.Minute,      // el resultado se guarda 10 minutos
		FailureTTL:  24 * time.Hour,        // un fallo se guarda un día
		TTL:         30 * time.Minute,      // si nadie lo empieza en 30 minutos, se descarta
		JobID:       "informe-mensual",     // identificador elegido por nosotros
		Description: "Informe mensual",     // en vez de la llamada
		DependsOn:   []string{previo.ID},   // espera a que termine el primero
		AtFront:     true,                  // y entonces se pone el primero de la cola
		Meta:        map[string]any{"autor": "ana"},
	})
	demo.Comprobar(err)
	fmt.Println("ID:", job.ID)
	fmt.Println("Descripción:", job.Description)
	fmt.Println("Estado:", job.Status) // deferred: espera a su dependencia
	fmt.Println("Timeout:", job.Timeout, "ResultTTL:", job.ResultTTL, "FailureTTL:", job.FailureTTL, "TTL:", job.TTL)
	fmt.Println("Depende de:", job.DependencyIDs)

	// Los valores que no tienen sentido se rechazan con un error que los
	// nombra, y no se encola nada.
	_, err = rqlite.ParseTimeout("10x")
	fmt.Println(err)
	_, err = q.EnqueueCall(ctx, tareas.TareaPesadaYFalible, &rqlite.EnqueueOptions{
		Args: []any{3}, JobID: "informe:marzo",
	})
	fmt.Println(err)
	_, err = q.Enqueue(ctx, "tareas.tarea_pesada_y_falibel", 3)
	fmt.Println(err)
	_, err = q.Enqueue(ctx, tareas.TareaPesadaYFalible, "tres")
	fmt.Println(err)
}
