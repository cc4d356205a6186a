// Ejercicio del capítulo 01: las diez llamadas de 01-sync, pero el programa
// se rinde en cuanto una falla. Las que quedaban no se llegan a hacer.
package main

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	ctx := context.Background()

	for i := 1; i <= 10; i++ {
		n := tareas.Duracion()
		if _, err := tareas.TareaPesadaYFalible(ctx, n); err != nil {
			fmt.Println(err)
			fmt.Printf("Me rindo en la llamada %d de 10\n", i)
			return
		}
	}
	fmt.Println("Las diez llamadas han ido bien")
}
