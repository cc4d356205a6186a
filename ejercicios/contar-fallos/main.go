// Ejercicio del capítulo 01: las diez llamadas de 01-sync, contando cuántas
// salen bien y cuántas fallan, y cuántos segundos de trabajo suman las que
// salen bien (cada una devuelve los segundos que ha durado).
package main

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()

	bien, mal, segundos := 0, 0, 0
	for range 10 {
		n := tareas.Duracion()
		trabajados, err := tareas.TareaPesadaYFalible(ctx, n)
		if err != nil {
			fmt.Println(err)
			mal++
			continue
		}
		bien++
		segundos += trabajados
	}
	fmt.Printf("%d bien y %d mal: %d segundos de trabajo útil\n",
		bien, mal, segundos)
}
