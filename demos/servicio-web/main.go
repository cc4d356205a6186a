// rqlite dentro de un servicio web en Go: lo que en Python sería usar RQ
// desde Django con django-rq. Las colas salen de colas.yaml (el RQ_QUEUES
// de este tutorial) y cada petición POST /informes encola un trabajo en vez
// de hacerlo: la respuesta llega al momento, y un worker hará el trabajo.
//
//	go run ./demos/servicio-web
//	curl -s -X POST '127.0.0.1:8080/informes?n=3&cola=high&id=informe-1'
//	curl -s 127.0.0.1:8080/informes/informe-1
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "dirección, host:puerto")
	config := flag.String("config", "colas.yaml", "el fichero de las colas")
	flag.Parse()
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// Una cola por cada una del fichero, con su tiempo máximo por defecto.
	// Todas en el Redis de REDIS_URL, como las de colas.yaml.
	cfg, err := rqlite.LoadConfig(*config)
	if err != nil {
		log.Fatal(err)
	}
	colas := map[string]*rqlite.Queue{}
	for _, qc := range cfg.Queues {
		propio := qc.URL != "" || qc.Host != "" || qc.Port != 0 ||
			qc.DB != 0 || len(qc.Sentinels) > 0
		if propio {
			log.Fatalf("la cola %s tiene su propio Redis: "+
				"este servicio usa solo el de REDIS_URL", qc.Name)
		}
		colas[qc.Name] = rqlite.NewQueue(qc.Name, rdb, &rqlite.QueueOptions{
			DefaultTimeout: qc.DefaultTimeout,
		})
	}

	// Encolar: responde enseguida con el identificador del trabajo, el que
	// venga en ?id= o, si no viene, uno al azar.
	encolar := func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.FormValue("n"))
		cola, existe := colas[cmp.Or(r.FormValue("cola"), "default")]
		if err != nil || !existe {
			http.Error(w, "usa ?n=<segundos> y, si quieres, "+
				"&cola=<nombre>&id=<identificador>", http.StatusBadRequest)
			return
		}
		job, err := cola.EnqueueCall(r.Context(), tareas.TareaPesadaYFalible,
			&rqlite.EnqueueOptions{Args: []any{n}, JobID: r.FormValue("id")})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "Encolado %s en %s: %s\n",
			job.Description, cola.Name, job.ID)
	}

	// Consultar: el estado del trabajo y, si ha terminado, su resultado.
	consultar := func(w http.ResponseWriter, r *http.Request) {
		job, err := rqlite.FetchJob(r.Context(), rdb, r.PathValue("id"), nil)
		if errors.Is(err, rqlite.ErrNoSuchJob) {
			http.Error(w, "no hay ningún trabajo con ese identificador",
				http.StatusNotFound)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resultado, err := job.ReturnValue(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s: %s, resultado %v\n", job.ID, job.Status, resultado)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /informes", encolar)
	mux.HandleFunc("GET /informes/{id}", consultar)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		// Lo más probable: otro programa ya usa esa dirección.
		log.Fatalf("%v: elige otra dirección con -addr, como -addr "+
			"127.0.0.1:8090 (mkdocs serve usa 127.0.0.1:8000)", err)
	}
	fmt.Printf("Escuchando en http://%s (Ctrl-C para terminar)\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
