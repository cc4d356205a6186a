// Ejercicio del capítulo 02: encolar un trabajo, apuntar su identificador y
// leerlo de vuelta de Redis con ese identificador, como haría otro programa
// que solo lo conociera a él.
package main

import (
	"context"
	"fmt"
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

	q := rqlite.NewQueue("default", rdb, nil)
	job, err := q.Enqueue(ctx, tareas.TareaPesadaYFalible, 3)
	if err != nil {
		log.Fatal(err)
	}
	id := job.ID
	fmt.Println("Encolado:", id)

	// Lo que hay en Redis con ese identificador.
	leido, err := rqlite.FetchJob(ctx, rdb, id, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Estado:     ", leido.Status)
	fmt.Println("Cola:       ", leido.Origin)
	fmt.Println("Función:    ", leido.FuncName)
	fmt.Println("Argumentos: ", leido.Args)
	fmt.Println("Descripción:", leido.Description)
}
