// rqlite dentro de un servicio web en Go: lo que en Python sería usar RQ
// desde Django con django-rq. Las colas salen de colas.yaml (el RQ_QUEUES
// de este tutorial) y cada petición POST /informes encola un trabajo en vez
// de hacerlo: la respuesta llega al momento, y un worker hará el trabajo.
//
//	go run ./demos/servicio-web
//	curl -X POST 'localhost:8000/informes?n=3&cola=high'
//	curl localhost:8000/informes/<id>
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "dirección en la que escucha")
	config := flag.String("config", "colas.yaml", "el fichero de las colas")
	comprobar := flag.Bool("comprobar", false, "hacer dos peticiones de prueba al propio servicio y terminar")
	flag.Parse()
	ctx := context.Background()
	rdb := demo.Conectar(ctx) // el Redis por defecto: REDIS_URL

	// Una rqlite.Queue por cada cola del fichero, con su Redis y su tiempo
	// máximo por defecto.
	cfg, err := rqlite.LoadConfig(*config)
	demo.Comprobar(err)
	colas := map[string]*rqlite.Queue{}
	for _, qc := range cfg.Queues {
		cliente := rdb // sin URL ni HOST en el fichero: el Redis por defecto
		if qc.URL != "" || qc.Host != "" || qc.Port != 0 {
			opts, err := qc.RedisOptions("")
			demo.Comprobar(err)
			cliente = redis.NewClient(opts)
		}
		colas[qc.Name] = rqlite.NewQueue(qc.Name, cliente, &rqlite.QueueOptions{
			DefaultTimeout: qc.DefaultTimeout,
			NewID:          tareas.NuevoID,
		})
	}

	mux := http.NewServeMux()
	// Encolar: responde enseguida con el identificador del trabajo.
	mux.HandleFunc("POST /informes", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.FormValue("n"))
		cola, existe := colas[cmp.Or(r.FormValue("cola"), "default")]
		if err != nil || !existe {
			http.Error(w, "usa ?n=<segundos>&cola=<una cola de colas.yaml>", http.StatusBadRequest)
			return
		}
		job, err := cola.Enqueue(r.Context(), tareas.TareaPesadaYFalible, n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "Encolado %s en %s: %s\n", job.Description, cola.Name, job.ID)
	})
	// Consultar: el estado del trabajo y, si ha terminado, su resultado.
	mux.HandleFunc("GET /informes/{id}", func(w http.ResponseWriter, r *http.Request) {
		job, err := rqlite.FetchJob(r.Context(), rdb, r.PathValue("id"), nil)
		if errors.Is(err, rqlite.ErrNoSuchJob) {
			http.NotFound(w, r)
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
	})

	if *comprobar {
		*addr = "127.0.0.1:0" // un puerto libre cualquiera
	}
	ln, err := net.Listen("tcp", *addr)
	demo.Comprobar(err)
	if !*comprobar {
		fmt.Println("Escuchando en http://" + ln.Addr().String())
		demo.Comprobar(http.Serve(ln, mux))
		return
	}
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	respuesta := peticion(http.MethodPost, base+"/informes?n=3&cola=high")
	fmt.Print(respuesta)
	id := respuesta[strings.LastIndex(respuesta, " ")+1 : len(respuesta)-1]
	fmt.Print(peticion(http.MethodGet, base+"/informes/"+id))
}

// peticion hace una petición HTTP y devuelve el cuerpo de la respuesta.
func peticion(metodo, url string) string {
	req, err := http.NewRequest(metodo, url, nil)
	demo.Comprobar(err)
	resp, err := http.DefaultClient.Do(req)
	demo.Comprobar(err)
	defer resp.Body.Close()
	cuerpo, err := io.ReadAll(resp.Body)
	demo.Comprobar(err)
	if resp.StatusCode >= 300 {
		fmt.Fprintln(os.Stderr, resp.Status, string(cuerpo))
		os.Exit(1)
	}
	return string(cuerpo)
}
