package rqlite_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The middleware of the isolated test is on DefaultTasks, set in init, so
// that a work horse (this test binary started again) has it too. It wraps
// mw.* tasks only, leaving the other tests' jobs alone.
func init() {
	rqlite.Register("mw.echo", func(s string) string { return s }, "s")
	rqlite.DefaultTasks.Use(func(next rqlite.TaskCall) rqlite.TaskCall {
		return func(ctx context.Context, job *rqlite.Job) (any, error) {
			v, err := next(ctx, job)
			if !strings.HasPrefix(job.FuncName, "mw.") || err != nil {
				return v, err
			}
			return map[string]any{"wrapped": v, "pid": os.Getpid()}, nil
		}
	})
}

func TestMiddlewareInProcess(t *testing.T) {
	b, _ := workerSetup(t)
	var mu sync.Mutex
	var trace []string
	note := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	layer := func(name string) rqlite.Middleware {
		return func(next rqlite.TaskCall) rqlite.TaskCall {
			return func(ctx context.Context, job *rqlite.Job) (any, error) {
				if rqlite.JobFromContext(ctx) != job {
					t.Errorf("%s: the context does not give the job", name)
				}
				note(name + ">" + job.ID)
				v, err := next(ctx, job)
				note("<" + name)
				if s, ok := v.(string); ok {
					v = name + "(" + s + ")"
				}
				return v, err
			}
		}
	}
	b.reg.Use(layer("outer"), layer("inner"))
	b.reg.Use(func(next rqlite.TaskCall) rqlite.TaskCall {
		return func(ctx context.Context, job *rqlite.Job) (any, error) {
			if job.FuncName == "test.nothing" {
				panic("the middleware breaks")
			}
			return next(ctx, job)
		}
	})
	q := b.queue("default")
	ok, err := q.Enqueue(b.ctx, "test.note", "x")
	must(t, err)
	broken, err := q.Enqueue(b.ctx, "test.nothing")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))

	if v, err := ok.ReturnValue(b.ctx); err != nil || v != "outer(inner(X))" {
		t.Errorf("return value = %v, %v; want the middleware's", v, err)
	}
	mu.Lock()
	got := strings.Join(trace, " ")
	mu.Unlock()
	// The panic goes up through the outer layers, as through any Go call.
	if want := "outer>job-1 inner>job-1 <inner <outer outer>job-2 inner>job-2"; got != want {
		t.Errorf("trace %s, want %s", got, want)
	}
	if exc, _ := broken.ExcInfo(b.ctx); !strings.HasPrefix(exc, "test.nothing() failed:\npanic: the middleware breaks\n") {
		t.Errorf("exc_info of a job whose middleware panicked = %q", exc)
	}
}

func TestMiddlewareInTheHorse(t *testing.T) {
	b, _ := workerSetup(t)
	job, err := rqlite.NewQueue("default", b.rdb, nil).Enqueue(b.ctx, "mw.echo", "hola")
	must(t, err)
	var log strings.Builder
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "iso-mw",
		Logger: &rqlite.Logger{Out: &log, Err: &log}})
	must(t, err)
	must(t, w.Work(b.ctx))
	v, err := job.ReturnValue(b.ctx)
	m, _ := v.(map[string]any)
	if err != nil || m["wrapped"] != "hola" || m["pid"] == nil || m["pid"] == int64(os.Getpid()) {
		t.Errorf("return value = %v, %v; want the middleware's, from the horse\n%s", v, err, log.String())
	}
}
