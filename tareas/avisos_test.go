package tareas

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// capturar makes the tasks write to a buffer for the rest of the test.
func capturar(t *testing.T) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	Salida = &out
	t.Cleanup(func() { Salida = os.Stdout })
	return &out
}

func TestAvisos(t *testing.T) {
	out := capturar(t)
	ctx := context.Background()
	job := &rqlite.Job{Description: "tareas.contar_hasta(3)"}
	for _, err := range []error{
		AvisarExito(ctx, job, 3),
		AvisarFallo(ctx, job, errors.New("sin papel")),
		AvisarParada(ctx, job, errors.New("stopped by user")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := "✔ tareas.contar_hasta(3) ha terminado: 3\n" +
		"✘ tareas.contar_hasta(3) ha fallado: sin papel\n" +
		"■ tareas.contar_hasta(3) se ha parado: stopped by user\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

func TestNuevasTareasRegistradas(t *testing.T) {
	for _, name := range []string{
		"tareas.avisar_exito", "tareas.avisar_fallo", "tareas.avisar_parada",
		"tareas.fallar", "tareas.contar_hasta", "tareas.dormir_sin_escuchar", "tareas.terminar_proceso",
	} {
		if _, ok := rqlite.DefaultTasks.Lookup(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
}

// The callbacks are accepted as such and run by a worker: here the one of
// a synchronous queue, which also gives ContarHasta a job to save its
// progress in.
func TestAvisosEnUnaColaSincrona(t *testing.T) {
	out := capturar(t)
	ctx := context.Background()
	q := rqlite.NewQueue("avisos", rqtest.New(t), &rqlite.QueueOptions{Synchronous: true})

	job, err := q.EnqueueCall(ctx, ContarHasta, &rqlite.EnqueueOptions{
		Args: []any{2}, OnSuccess: AvisarExito, OnFailure: AvisarFallo, OnStopped: AvisarParada,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "contar_hasta (2) 1 2 [OK]\n✔ tareas.contar_hasta(2) ha terminado: 2\n"
	if job.Status != rqlite.StatusFinished || out.String() != want {
		t.Errorf("status %s, printed %q; want finished, %q", job.Status, out.String(), want)
	}
	if p := job.Meta["progreso"]; p != int64(2) {
		t.Errorf("meta progreso = %v (%T), want 2", p, p)
	}

	out.Reset()
	job, err = q.EnqueueCall(ctx, "tareas.fallar", &rqlite.EnqueueOptions{
		Args: []any{"sin papel"}, OnSuccess: "tareas.avisar_exito", OnFailure: "tareas.avisar_fallo",
	})
	if err != nil {
		t.Fatal(err)
	}
	want = "✘ tareas.fallar('sin papel') ha fallado: sin papel\n"
	if job.Status != rqlite.StatusFailed || out.String() != want {
		t.Errorf("status %s, printed %q; want failed, %q", job.Status, out.String(), want)
	}
	if exc, _ := job.ExcInfo(ctx); exc != "tareas.fallar('sin papel') failed:\nError: sin papel" {
		t.Errorf("exc_info = %q", exc)
	}

	// A success callback must take the result, not an error, and the other
	// way round.
	if _, err := q.EnqueueCall(ctx, Fallar, &rqlite.EnqueueOptions{Args: []any{"x"}, OnSuccess: AvisarFallo}); err == nil {
		t.Error("AvisarFallo accepted as on_success")
	}
	if _, err := q.EnqueueCall(ctx, Fallar, &rqlite.EnqueueOptions{Args: []any{"x"}, OnFailure: AvisarExito}); err == nil {
		t.Error("AvisarExito accepted as on_failure")
	}
}

func TestContarHastaFueraDeUnTrabajo(t *testing.T) {
	out := capturar(t)
	antes := SegundosSimulados()
	n, err := ContarHasta(context.Background(), 3)
	if n != 3 || err != nil || out.String() != "contar_hasta (3) 1 2 3 [OK]\n" || SegundosSimulados()-antes != 3 {
		t.Errorf("ContarHasta = %d, %v; printed %q; slept %d s", n, err, out.String(), SegundosSimulados()-antes)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out.Reset()
	if _, err := ContarHasta(ctx, 3); !errors.Is(err, context.Canceled) || out.String() != "contar_hasta (3)\n" {
		t.Errorf("cancelled: err = %v, printed %q", err, out.String())
	}
}

func TestFallar(t *testing.T) {
	if err := Fallar("sin tinta"); err == nil || err.Error() != "sin tinta" {
		t.Errorf("Fallar = %v", err)
	}
}

func TestDormirSinEscuchar(t *testing.T) {
	antes, inicio := SegundosSimulados(), time.Now()
	DormirSinEscuchar(20) // 20 ms with TAREAS_SEGUNDO=1ms
	if d := time.Since(inicio); d < 20*time.Millisecond {
		t.Errorf("slept %v, want 20 simulated seconds (20ms)", d)
	}
	if s := SegundosSimulados() - antes; s != 20 {
		t.Errorf("counted %d simulated seconds, want 20", s)
	}
}

func TestTerminarProceso(t *testing.T) {
	if os.Getenv("TAREAS_TERMINAR_PROCESO") == "1" {
		TerminarProceso(3)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTerminarProceso$")
	cmd.Env = append(os.Environ(), "TAREAS_TERMINAR_PROCESO=1")
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("the process ended with %v, want exit status 3", err)
	}
}
