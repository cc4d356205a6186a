package tareas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func TestMain(m *testing.M) {
	os.Setenv("TAREAS_SEMILLA", "7")
	os.Setenv("TAREAS_SEGUNDO", "1ms")
	os.Exit(m.Run())
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
