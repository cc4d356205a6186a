// Ejemplo 03: cuántos trabajos esperan en las colas default, low y high.
// Una cola que nadie ha usado todavía simplemente tiene cero trabajos.
package main

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func main() {
	ctx := context.Background()
	rdb := demo.Conectar(ctx)

	for _, nombre := range []string{"default", "low", "high"} {
		n, err := rqlite.NewQueue(nombre, rdb, nil).Count(ctx)
		demo.Comprobar(err)
		fmt.Printf("%s: %d\n", nombre, n)
	}
}
