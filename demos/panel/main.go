// El panel de rq dentro de tu propio programa web. Igual que un proyecto
// Django incluye las URL de django-rq para tener sus vistas en el admin,
// aquí el http.Handler de rqlite/dashboard se monta bajo /rq/ en el
// http.ServeMux del programa, junto a su propia página.
//
// Con -comprobar, el programa se pide a sí mismo su página, la del panel y
// las métricas, dice qué le han respondido y termina: así lo prueban los
// tests sin navegador.
package main

import (
	"context"
	"flag"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"time"

	"github.com/colasrq/rqlite-tutorial/demos/internal/demo"
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
<form method="post" action="/encolar"><button>Encolar tareas.sumar(2, 3)</button></form>
<p><a href="/rq/">Ver el panel de rq</a></p>
</body>
</html>
`))

func main() {
	dir := flag.String("dir", "127.0.0.1:8000", "dirección en la que escuchar, host:puerto (puerto 0: uno libre)")
	comprobar := flag.Bool("comprobar", false, "pedir una vez las páginas, decir qué responden y terminar")
	flag.Parse()

	ctx := context.Background()
	rdb := demo.Conectar(ctx)
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
	mux.Handle("POST /encolar", http.NewCrossOriginProtection().Handler(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			if _, err := q.Enqueue(r.Context(), tareas.Sumar, 2, 3); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			http.Redirect(w, r, "/rq/queues/panel", http.StatusSeeOther)
		})))
	// El panel, bajo /rq/. Prefix es para sus enlaces; StripPrefix le quita
	// /rq a las rutas que le llegan. Sirve también /rq/metrics para
	// Prometheus.
	panel := dashboard.New(rdb, &dashboard.Options{Prefix: "/rq/"})
	mux.Handle("/rq/", http.StripPrefix("/rq", panel))
	// Escucha solo en 127.0.0.1: el panel deja borrar y reencolar
	// trabajos. Para abrirlo a otras máquinas, pon Username y Password en
	// las opciones (o protégelo con el inicio de sesión de tu programa) y
	// sírvelo por HTTPS.

	ln, err := net.Listen("tcp", *dir)
	demo.Comprobar(err)
	url := "http://" + ln.Addr().String()
	fmt.Printf("Tu programa en %s/ y el panel de rq en %s/rq/ (Ctrl-C para terminar)\n", url, url)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if !*comprobar {
		demo.Comprobar(srv.Serve(ln))
		return
	}

	go srv.Serve(ln)
	cliente := &http.Client{Timeout: 10 * time.Second}
	estado := func(ruta string) string {
		resp, err := cliente.Get(url + ruta)
		demo.Comprobar(err)
		resp.Body.Close()
		return resp.Status
	}
	fmt.Printf("Comprobado: tu página responde %s, el panel %s y sus métricas %s\n",
		estado("/"), estado("/rq/"), estado("/rq/metrics"))
}
