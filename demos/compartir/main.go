// Compartir una cola con Python RQ: este programa encola tres trabajos con
// pickle, el serializador que usa RQ si no se le dice otra cosa, y espera a
// que un worker de Python RQ los haga (ver docs/python.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

var espera = flag.Duration("espera", 30*time.Second,
	"cuánto esperar, en total, los resultados")

func main() {
	flag.Parse()
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// Pickle, como un RQ de Python con la configuración por defecto. Con
	// rqlite.JSON (o nil), el worker de Python tendría que arrancar con
	// -S rq.serializers.JSONSerializer.
	opciones := &rqlite.QueueOptions{Serializer: rqlite.Pickle}
	q := rqlite.NewQueue("default", rdb, opciones)

	// Una tarea que existe en los dos lenguajes: aquí se encola la función
	// registrada; el worker de Python importa tareas.sumar.
	suma, err := q.Enqueue(ctx, tareas.Sumar, 2, 3)
	if err != nil {
		log.Fatal(err)
	}
	// Un argumento por nombre viaja como el **kwargs de Python.
	kwargs := rqlite.Kwargs{"saludo": "buenas"}
	saludo, err := q.Enqueue(ctx, tareas.Saludar, "Ana", kwargs)
	if err != nil {
		log.Fatal(err)
	}
	// Una función que solo tiene Python: se encola por su nombre, sin
	// comprobar nada, porque este programa no la conoce.
	ajeno, err := q.Enqueue(ctx, rqlite.External("tareas.solo_python"))
	if err != nil {
		log.Fatal(err)
	}

	trabajos := []*rqlite.Job{suma, saludo, ajeno}
	for _, job := range trabajos {
		fmt.Printf("Encolado %s: %s\n", job.ID, job.Description)
	}

	// El plazo es para todos juntos: sin worker, el programa termina
	// pasado ese tiempo, no tres veces ese tiempo.
	fmt.Println("Esperando a que un worker haga los trabajos...")
	limite := time.Now().Add(*espera)
	for _, job := range trabajos {
		r, err := job.WaitResult(ctx, time.Until(limite))
		if err != nil {
			log.Fatal(err)
		}
		switch {
		case r == nil:
			log.Fatal(sinResultado(ctx, job))
		case r.Type == rqlite.ResultSuccessful:
			fmt.Printf("%s = %#v\n", job.Description, r.ReturnValue)
		default:
			// De un fallo basta con la última línea: el error, sin la
			// traza.
			lineas := strings.Split(strings.TrimSpace(r.ExcString), "\n")
			ultima := lineas[len(lineas)-1]
			fmt.Printf("%s falló: %s\n", job.Description, ultima)
		}
	}
}

// sinResultado explica, en una línea, por qué un trabajo no tiene
// resultado cuando se acaba el plazo.
func sinResultado(ctx context.Context, job *rqlite.Job) string {
	estado, err := job.GetStatus(ctx)
	if err != nil {
		return err.Error()
	}
	switch estado {
	case rqlite.StatusQueued:
		return fmt.Sprintf("%s sigue en la cola %s tras %s: ningún worker"+
			" la atiende (¿está en marcha el worker de Python RQ?)",
			job.Description, job.Origin, *espera)
	case rqlite.StatusStarted:
		return fmt.Sprintf("%s no ha terminado tras %s: un worker lo"+
			" empezó y aún no ha acabado", job.Description, *espera)
	}
	return fmt.Sprintf("%s no tiene resultado tras %s (está %s)",
		job.Description, *espera, estado)
}
