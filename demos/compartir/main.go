// Compartir una cola con Python RQ: este programa encola tres trabajos con
// el serializador pickle, el que usa RQ si no se le dice otra cosa, y espera
// a que un worker de Python los haga. Mientras espera, arranca el worker en
// otra terminal, desde la raíz del repositorio:
//
//	cd python && python3 -m rq.cli worker --burst default
package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

var espera = flag.Duration("espera", 30*time.Second, "cuánto esperar, en total, los resultados")

func main() {
	flag.Parse()
	ctx := context.Background()
	rdb := demo.Conectar(ctx)

	// Pickle, como un RQ de Python con la configuración por defecto. Con
	// rqlite.JSON, el worker tendría que arrancar con
	// -S rq.serializers.JSONSerializer.
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{
		Serializer: rqlite.Pickle,
		NewID:      tareas.NuevoID, // identificadores fijos con TAREAS_SEMILLA
	})

	// Una tarea que existe en los dos lenguajes: en Go se encola con la
	// función registrada; en Python, el worker importa tareas.sumar.
	suma, err := q.Enqueue(ctx, tareas.Sumar, 2, 3)
	demo.Comprobar(err)
	// Un argumento por nombre viaja como el **kwargs de Python.
	saludo, err := q.Enqueue(ctx, tareas.Saludar, "Ana", rqlite.Kwargs{"saludo": "buenas"})
	demo.Comprobar(err)
	// Una función que solo tiene Python: se encola por su nombre, sin
	// comprobar nada, porque este programa no la conoce.
	ajeno, err := q.Enqueue(ctx, rqlite.External("tareas.solo_python"))
	demo.Comprobar(err)

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
		demo.Comprobar(err)
		switch {
		case r == nil:
			fmt.Printf("%s: sin resultado después de %s; ¿hay algún worker en marcha?\n", job.Description, *espera)
		case r.Type == rqlite.ResultSuccessful:
			fmt.Printf("%s = %#v\n", job.Description, r.ReturnValue)
		default:
			// De un fallo basta con la última línea: el error, sin la traza.
			lineas := strings.Split(strings.TrimSpace(r.ExcString), "\n")
			fmt.Printf("%s falló: %s\n", job.Description, lineas[len(lineas)-1])
		}
	}
}
