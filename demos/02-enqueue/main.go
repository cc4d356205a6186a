// Ejemplo 02: las mismas diez llamadas, pero encoladas en Redis en vez de
// ejecutadas. El programa termina enseguida; el trabajo lo harán los
// workers (ejemplos 04 y 05).
package main

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)

	// La cola "default". NuevoID solo sirve para que, con TAREAS_SEMILLA,
	// los trabajos tengan siempre los mismos identificadores; sin ella son
	// UUID al azar, como en RQ.
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})

	inicio := tareas.SegundosSimulados()
	for range 10 {
		n := tareas.Duracion()
		// En vez de tareas.TareaPesadaYFalible(ctx, n):
		_, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, n)
		demo.Comprobar(err)
	}
	fmt.Printf("He tardado %d segundos en total\n", tareas.SegundosSimulados()-inicio)
}
