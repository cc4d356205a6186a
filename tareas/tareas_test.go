package tareas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestMain runs the tests with TAREAS_SEMILLA=7 and TAREAS_SEGUNDO=1ms. The
// package reads them when it is loaded, before TestMain, so the test
// binary runs itself again with them set.
func TestMain(m *testing.M) {
	if os.Getenv("TAREAS_SEMILLA") == "7" && os.Getenv("TAREAS_SEGUNDO") == "1ms" {
		os.Exit(m.Run())
	}
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), "TAREAS_SEMILLA=7", "TAREAS_SEGUNDO=1ms")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestTareaPesadaYFalible(t *testing.T) {
	var out bytes.Buffer
	Salida = &out
	defer func() { Salida = os.Stdout }()

	ok, failed := 0, 0
	for range 200 {
		out.Reset()
		n := Duracion()
		if n < 2 || n > 7 {
			t.Fatalf("Duracion() = %d, want 2..7", n)
		}
		antes := SegundosSimulados()
		got, err := TareaPesadaYFalible(context.Background(), n)
		switch {
		case errors.Is(err, ErrNoMePuedoLevantar):
			failed++
			if want := fmt.Sprintf("tarea_pesada_y_falible (%d) ", n); out.String() != want || SegundosSimulados() != antes {
				t.Fatalf("a failure printed %q and slept %d s", out.String(), SegundosSimulados()-antes)
			}
		case err == nil:
			ok++
			want := fmt.Sprintf("tarea_pesada_y_falible (%d) %s [OK]\n", n, bytes.Repeat([]byte("."), n))
			if got != n || out.String() != want || SegundosSimulados()-antes != n {
				t.Fatalf("got %d, printed %q, slept %d s", got, out.String(), SegundosSimulados()-antes)
			}
		default:
			t.Fatal(err)
		}
	}
	// One in five fails: with 200 runs, far from 0 and from 200.
	if failed < 20 || failed > 70 {
		t.Errorf("%d failures in %d runs, want about 20%%", failed, ok+failed)
	}
}

func TestTareaPesadaYFalibleStopsWhenCancelled(t *testing.T) {
	Salida = &bytes.Buffer{}
	defer func() { Salida = os.Stdout }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		_, err := TareaPesadaYFalible(ctx, 7)
		if errors.Is(err, ErrNoMePuedoLevantar) {
			continue // the failure comes before any sleep
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		return
	}
}

func TestCountWordsAtURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "<p>Hola,   mundo\nde las colas</p>\n")
	}))
	defer srv.Close()
	n, err := CountWordsAtURL(context.Background(), srv.URL)
	if err != nil || n != 5 { // split on white space, as Python's str.split()
		t.Errorf("CountWordsAtURL = %d, %v; want 5", n, err)
	}
	if _, err := CountWordsAtURL(context.Background(), srv.URL+"/nada"); err == nil {
		t.Error("a 404 counted as a page")
	}
}

func TestNuevoID(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := nuevoID()
		if !uuid4.MatchString(id) || seen[id] {
			t.Fatalf("nuevoID() = %q (repeated: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"tareas.tarea_pesada_y_falible", "tareas.count_words_at_url"} {
		if _, ok := rqlite.DefaultTasks.Lookup(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
	if Segundo() != time.Millisecond {
		t.Errorf("Segundo() = %v with TAREAS_SEGUNDO=1ms", Segundo())
	}
}

// With TAREAS_SEMILLA, rqlite takes its worker names and its log clock
// from here: the examples need no option for them.
func TestGanchosConSemilla(t *testing.T) {
	var out bytes.Buffer
	l := &rqlite.Logger{Out: &out}
	l.Infof("hola")
	if want := reloj().Format("15:04:05") + " hola\n"; out.String() != want {
		t.Errorf("the log says %q, want %q (the simulated clock)", out.String(), want)
	}
	empezarSerie := func() {
		azarNombres.mu.Lock()
		defer azarNombres.mu.Unlock()
		azarNombres.r, azarNombres.once = nil, sync.Once{}
	}
	empezarSerie()
	w, err := rqlite.NewWorker(rqtest.New(t), []string{"default"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(w.Name()) {
		t.Errorf("worker name %q is not RQ's form", w.Name())
	}
	empezarSerie()
	if again := nuevoNombre(); again != w.Name() {
		t.Errorf("the first name of the series is %q, but the worker got %q", again, w.Name())
	}
}
