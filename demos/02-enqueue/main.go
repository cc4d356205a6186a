// Ejemplo 02: las mismas diez llamadas, pero encoladas en Redis en vez de
// ejecutadas. El programa termina enseguida; el trabajo lo harán los
// workers (ejemplos 04 y 05).
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

	// El Redis de REDIS_URL o, si está vacía, redis://localhost:6379/0.
	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// La cola "default" de ese Redis.
	q := rqlite.NewQueue("default", rdb, nil)

	inicio := time.Now()
	for range 10 {
		n := tareas.Duracion()
		// En vez de tareas.TareaPesadaYFalible(ctx, n):
		if _, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, n); err != nil {
			log.Fatal(err)
		}
	}
	segundos := time.Since(inicio).Seconds()
	fmt.Printf("He tardado %.0f segundos en total\n", segundos)
}
