// Ejemplo 01: la tarea pesada, ejecutada diez veces, una detrás de otra.
//
// Cada llamada tarda de 2 a 7 segundos y una de cada cinco falla. El
// programa no termina hasta que han acabado todas: ese es el problema que
// resuelven las colas de trabajos.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()

	inicio := time.Now()
	for range 10 {
		n := tareas.Duracion() // de 2 a 7 segundos
		if _, err := tareas.TareaPesadaYFalible(ctx, n); err != nil {
			fmt.Println(err)
		}
	}
	segundos := time.Since(inicio).Seconds()
	fmt.Printf("He tardado %.0f segundos en total\n", segundos)
}
