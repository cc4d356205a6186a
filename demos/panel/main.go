// El panel de rq dentro de tu propio programa web. Igual que un proyecto
// Django incluye las URL de django-rq para tener sus vistas en el admin,
// aquí el http.Handler de rqlite/dashboard se monta bajo /rq/ en el
// http.ServeMux del programa, junto a su propia página.
//
//	go run ./demos/panel
//	curl -s -X POST 127.0.0.1:8081/encolar
//	curl -s 127.0.0.1:8081/rq/metrics
package main

import (
	"context"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

// pagina es la página del propio programa: un botón que encola un trabajo
// y un enlace al panel.
var pagina = template.Must(template.New("pagina").Parse(`<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>Mi programa</title></head>
<body>
<h1>Mi programa</h1>
<p>La cola «panel» tiene {{.}} trabajos esperando.</p>
<form method="post" action="/encolar">
<button>Encolar tareas.sumar(2, 3)</button>
</form>
<p><a href="/rq/">Ver el panel de rq</a></p>
</body>
</html>
`))

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "dirección, host:puerto")
	flag.Parse()
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()
	q := rqlite.NewQueue("panel", rdb, nil)

	mux := http.NewServeMux()
	// Las rutas del programa.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		n, err := q.Count(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		pagina.Execute(w, n)
	})
	// CrossOriginProtection rechaza los POST que otra web haga desde el
	// navegador de quien visita esta.
	encolar := func(w http.ResponseWriter, r *http.Request) {
		if _, err := q.Enqueue(r.Context(), tareas.Sumar, 2, 3); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, "/rq/queues/panel", http.StatusSeeOther)
	}
	mux.Handle("POST /encolar", http.NewCrossOriginProtection().Handler(
		http.HandlerFunc(encolar)))
	// El panel, bajo /rq/. Prefix es para sus enlaces; StripPrefix le quita
	// /rq a las rutas que le llegan. Sirve también /rq/metrics para
	// Prometheus.
	panel := dashboard.New(rdb, &dashboard.Options{Prefix: "/rq/"})
	mux.Handle("/rq/", http.StripPrefix("/rq", panel))

	// Escucha solo en 127.0.0.1: el panel deja borrar y reencolar
	// trabajos. Para abrirlo a otras máquinas, pon Username y Password en
	// las opciones (o protégelo con el inicio de sesión de tu programa) y
	// sírvelo por HTTPS.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		// Lo más probable: otro programa ya usa esa dirección.
		log.Fatalf("%v: elige otra dirección con -addr, como -addr "+
			"127.0.0.1:8090 (mkdocs serve usa 127.0.0.1:8000)", err)
	}
	url := "http://" + ln.Addr().String()
	fmt.Printf("Tu programa en %s/ y el panel en %s/rq/"+
		" (Ctrl-C para terminar)\n", url, url)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
