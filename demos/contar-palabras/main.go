// Encolar una tarea cualquiera: contar las palabras de una página web, el
// ejemplo de la documentación de RQ (count_words_at_url).
//
// El programa encola el trabajo en la cola low y espera su resultado. Hace
// falta un worker que atienda esa cola, por ejemplo en otra terminal:
//
//	go run ./cmd/rq worker low
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	url := flag.String("url", "https://python-rq.org/", "la página cuyas palabras se cuentan")
	espera := flag.Duration("espera", time.Minute, "cuánto esperar al resultado")
	flag.Parse()
	ctx := context.Background()
	rdb := demo.Conectar(ctx)

	// Una cola distinta de default: low.
	q := rqlite.NewQueue("low", rdb, &rqlite.QueueOptions{NewID: tareas.NuevoID})
	job, err := q.Enqueue(ctx, tareas.CountWordsAtURL, *url)
	demo.Comprobar(err)
	fmt.Println("Encolado:", job.Description)

	// Recién encolado, todavía no hay resultado.
	resultado, err := job.ReturnValue(ctx)
	demo.Comprobar(err)
	fmt.Println("Resultado al encolar:", resultado)

	// En vez de dormir un rato y mirar otra vez, esperamos a que llegue.
	r, err := job.WaitResult(ctx, *espera)
	demo.Comprobar(err)
	switch {
	case r == nil:
		fmt.Println("Ningún worker ha hecho el trabajo todavía: ¿hay alguno atendiendo la cola low?")
	case r.Type == rqlite.ResultSuccessful:
		fmt.Println("Resultado:", r.ReturnValue, "palabras")
	default:
		fmt.Println("El trabajo ha fallado:", r.ExcString)
	}
}
