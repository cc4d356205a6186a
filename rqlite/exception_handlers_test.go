package rqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func TestExceptionHandlers(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	_, err := q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"x"}, OnFailure: "test.on_failure"})
	must(t, err)
	_, err = q.Enqueue(b.ctx, "test.note", "y") // succeeds: no handler
	must(t, err)
	_, err = q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"z"}, Retry: &rqlite.Retry{Max: 1}})
	must(t, err)
	var seen []string
	first := func(ctx context.Context, job *rqlite.Job, err error) bool {
		// Called before the failure is recorded, as in RQ.
		status, _ := job.GetStatus(ctx)
		seen = append(seen, fmt.Sprintf("first %s %s %s", job.ID, status, strings.SplitN(err.Error(), "\n", 2)[0]))
		return true
	}
	second := func(_ context.Context, job *rqlite.Job, _ error) bool {
		seen = append(seen, "second "+job.ID)
		return false // stops the chain
	}
	third := func(_ context.Context, job *rqlite.Job, _ error) bool {
		seen = append(seen, "third "+job.ID)
		return true
	}
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, ExceptionHandlers: []rqlite.ExceptionHandler{first, second, third}})
	must(t, w.Work(b.ctx))

	// The failure callback's panic replaces the job's error; a job to be
	// retried goes through the handlers each time it fails.
	want := "first job-1 started panic: the callback breaks too|second job-1|" +
		"first job-3 started Hoy no me puedo levantar ♪♫|second job-3|" +
		"first job-3 started Hoy no me puedo levantar ♪♫|second job-3"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("handlers saw\n%s\nwant\n%s", got, want)
	}
	if got := strings.Join(r.got(), " "); !strings.HasPrefix(got, "x failure job-1") {
		t.Errorf("ran %s", got)
	}
}

func TestPanickingExceptionHandler(t *testing.T) {
	b, _ := workerSetup(t)
	job, err := b.queue("default").Enqueue(b.ctx, "test.fail", "x")
	must(t, err)
	called := false
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, ExceptionHandlers: []rqlite.ExceptionHandler{
		func(context.Context, *rqlite.Job, error) bool { panic("the handler breaks") },
		func(context.Context, *rqlite.Job, error) bool { called = true; return true },
	}})
	must(t, w.Work(b.ctx))
	if called {
		t.Errorf("the handler after a panicking one was called")
	}
	if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("status = %s, want failed all the same", s)
	}
	if exc, _ := job.ExcInfo(b.ctx); !strings.Contains(exc, "Hoy no me puedo levantar") {
		t.Errorf("exc_info = %q: want the job's own error", exc)
	}
	if !strings.Contains(log.String(), "[Job job-1]: exception handler 1 panicked; the handlers after it are skipped\npanic: the handler breaks") {
		t.Errorf("log:\n%s", log)
	}
}

func TestExceptionHandlerRegistry(t *testing.T) {
	reg := rqlite.NewTaskRegistry()
	h := func(context.Context, *rqlite.Job, error) bool { return true }
	must(t, reg.RegisterExceptionHandler("sentry", h))
	var oe *rqlite.OptionError
	if err := reg.RegisterExceptionHandler("sentry", h); !errors.As(err, &oe) {
		t.Errorf("a second handler under one name: %v", err)
	}
	if err := reg.RegisterExceptionHandler("bad name", h); !errors.As(err, &oe) {
		t.Errorf("a name with a space: %v", err)
	}
	if hs, err := reg.ExceptionHandlers("sentry", "sentry"); err != nil || len(hs) != 2 {
		t.Errorf("ExceptionHandlers = %d handlers, %v", len(hs), err)
	}
	_, err := reg.ExceptionHandlers("sentry", "nope")
	if !errors.As(err, &oe) || err.Error() != `rqlite: invalid exception handler "nope": none is registered under that name; registered: sentry` {
		t.Errorf("unknown name: %v", err)
	}
}
