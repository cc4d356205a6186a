// Encolar una tarea cualquiera: contar las palabras de una página web, el
// ejemplo de la documentación de RQ (count_words_at_url).
//
// El programa encola el trabajo en la cola low y espera su resultado. Hace
// falta un worker que atienda esa cola, por ejemplo en otra terminal:
//
//	go run ./cmd/rq worker --burst low
//
// Sin -url, cuenta las palabras de una página de ejemplo que sirve él mismo
// mientras espera, así que no hace falta conexión a internet.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

// ejemplo es la página de ejemplo: un texto corto, fácil de contar a mano.
const ejemplo = `Una cola guarda los trabajos que hay que hacer,
y los workers los hacen cuando pueden.
`

func main() {
	url := flag.String("url", "", "la página (sin -url, una de ejemplo)")
	addr := flag.String("addr", "127.0.0.1:8082", "dónde servir la de ejemplo")
	espera := flag.Duration("espera", time.Minute, "cuánto esperar")
	flag.Parse()
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	if *url == "" {
		*url = servirEjemplo(*addr)
	}

	// Una cola distinta de default: low.
	q := rqlite.NewQueue("low", rdb, nil)
	job, err := q.Enqueue(ctx, tareas.CountWordsAtURL, *url)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Encolado:", job.Description)

	// Recién encolado, todavía no hay resultado.
	resultado, err := job.ReturnValue(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Resultado al encolar:", resultado)

	// En vez de dormir un rato y mirar otra vez, esperamos a que llegue.
	r, err := job.WaitResult(ctx, *espera)
	if err != nil {
		log.Fatal(err)
	}
	switch {
	case r == nil:
		fmt.Println("Ningún worker ha hecho el trabajo: " +
			"¿hay alguno atendiendo la cola low?")
	case r.Type == rqlite.ResultSuccessful:
		fmt.Println("Resultado:", r.ReturnValue, "palabras")
	default:
		fmt.Println("El trabajo ha fallado:", r.ExcString)
	}
}

// servirEjemplo sirve la página de ejemplo en addr, hasta que el programa
// termine, y devuelve su URL.
func servirEjemplo(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("%v: elige otra dirección con -addr, como -addr "+
			"127.0.0.1:8090, o cuenta otra página con -url", err)
	}
	go http.Serve(ln, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, ejemplo)
		}))
	return "http://" + ln.Addr().String() + "/"
}
