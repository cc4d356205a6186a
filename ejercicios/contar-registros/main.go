// Ejercicio del capítulo 03: además de los trabajos que esperan en la cola
// default, cuántos hay en sus registros: empezados, terminados y fallidos.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	q := rqlite.NewQueue("default", rdb, nil)

	n, err := q.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("en cola: %d\n", n)

	// Cada registro es un conjunto de trabajos que ya han salido de la cola.
	registros := []struct {
		nombre string
		tipo   rqlite.RegistryKind
	}{
		{"empezados", rqlite.Started},
		{"terminados", rqlite.Finished},
		{"fallidos", rqlite.Failed},
	}
	for _, r := range registros {
		n, err := q.Registry(r.tipo).Count(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d\n", r.nombre, n)
	}
}
