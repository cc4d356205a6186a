// Ejemplo 03: cuántos trabajos esperan en las colas default, low y high.
// Una cola que nadie ha usado todavía simplemente tiene cero trabajos.
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

	for _, nombre := range []string{"default", "low", "high"} {
		n, err := rqlite.NewQueue(nombre, rdb, nil).Count(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d\n", nombre, n)
	}
}
