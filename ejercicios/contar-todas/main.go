// Ejercicio del capítulo 03: contar los trabajos de todas las colas que
// Redis conoce, sin dar una lista de nombres.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"slices"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// Las colas que han tenido algún trabajo, en cualquier orden.
	nombres, err := rqlite.AllQueues(ctx, rdb)
	if err != nil {
		log.Fatal(err)
	}
	slices.Sort(nombres)

	for _, nombre := range nombres {
		n, err := rqlite.NewQueue(nombre, rdb, nil).Count(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d\n", nombre, n)
	}
}
