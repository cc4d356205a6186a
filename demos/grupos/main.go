// Grupos de RQ 2. Un grupo da un nombre a varios trabajos encolados juntos
// (Group.EnqueueMany), para encontrarlos después juntos (Jobs). Un trabajo
// del lote puede esperar a otro del mismo lote (DependsOn).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

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

	// Los grupos son de RQ 2: la cola usa su disposición en Redis.
	q := rqlite.NewQueue("grupos", rdb, &rqlite.QueueOptions{RQ2: true})

	// Sin nombre, el grupo tendría uno al azar (32 cifras hexadecimales).
	g, err := rqlite.NewGroup(rdb, "informe-semanal", nil)
	if err != nil {
		log.Fatal(err)
	}

	// Dos sumas y un recuento que espera a las dos, en un solo lote.
	lunes, martes := "ventas-lunes", "ventas-martes"
	trabajos, err := g.EnqueueMany(ctx, q, []rqlite.Call{
		{Func: tareas.Sumar, EnqueueOptions: rqlite.EnqueueOptions{
			Args: []any{1, 2}, JobID: lunes}},
		{Func: tareas.Sumar, EnqueueOptions: rqlite.EnqueueOptions{
			Args: []any{3, 4}, JobID: martes}},
		{Func: tareas.ContarHasta, EnqueueOptions: rqlite.EnqueueOptions{
			Args: []any{3}, DependsOn: []string{lunes, martes}}},
	})
	if err != nil {
		log.Fatal(err)
	}

	mostrar := func(titulo string) {
		fmt.Println(titulo)
		for _, job := range trabajos {
			estado, err := job.GetStatus(ctx)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("  %-22s %-9s grupo %s\n",
				job.Description, estado, job.GroupID)
		}
	}
	mostrar("Recién encolados:")

	// Un worker en modo burst, sin registro: hablan las tareas.
	w, err := rqlite.NewWorker(rdb, []string{"grupos"}, &rqlite.WorkerOptions{
		Burst:  true,
		RQ2:    true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Work(ctx); err != nil {
		log.Fatal(err)
	}
	mostrar("Después del worker:")

	// Se borra un trabajo: el grupo lo olvida la próxima vez que se mira.
	if err := trabajos[0].Delete(ctx); err != nil {
		log.Fatal(err)
	}
	quedan, err := g.Jobs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Tras borrar %s, el grupo tiene %d trabajos.\n",
		trabajos[0].Description, len(quedan))

	// Cualquiera puede encontrar el grupo por su nombre, también RQ en
	// Python (Group.fetch).
	todos, err := rqlite.AllGroups(ctx, rdb, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, grupo := range todos {
		ids, err := grupo.JobIDs(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("Grupo %s: %d identificadores en %s\n",
			grupo.Name, len(ids), grupo.Key())
	}
}
