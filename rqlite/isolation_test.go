package rqlite_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The tasks of the isolation tests live in DefaultTasks, since a work horse
// (this test binary started again) knows only what its init registers.
func init() {
	rqlite.Register("isolated.sleep", func(seconds int) string { // ignores any context
		time.Sleep(time.Duration(seconds) * time.Second)
		return "awake"
	}, "seconds")
	rqlite.Register("isolated.exit", func(code int) { os.Exit(code) }, "code")
	rqlite.Register("isolated.panic", func() { panic("boom") })
	rqlite.Register("isolated.echo", func(ctx context.Context, s string) (map[string]any, error) {
		job := rqlite.JobFromContext(ctx)
		job.Meta["seen"] = s
		if err := job.SaveMeta(ctx); err != nil {
			return nil, err
		}
		return map[string]any{"echo": s, "pid": os.Getpid()}, nil
	}, "s")
}

func TestMain(m *testing.M) {
	rqlite.ServeHorseIfChild(nil) // when this binary is started as a work horse
	if url := os.Getenv(testWorkerEnv); url != "" {
		os.Exit(runTestWorker(url)) // when a test starts this binary as an isolated worker
	}
	os.Exit(m.Run())
}

// testWorkerEnv, set to a Redis URL, makes this test binary an isolated
// worker process on that database, named by RQLITE_TEST_WORKER_NAME: a
// process that a test can kill.
const testWorkerEnv = "RQLITE_TEST_WORKER_URL"

func runTestWorker(url string) int {
	opts, err := redis.ParseURL(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rdb := redis.NewClient(opts)
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{Isolated: true, Name: os.Getenv("RQLITE_TEST_WORKER_NAME")})
	if err == nil {
		err = w.Work(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestIsolatedWorker(t *testing.T) {
	b, _ := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, nil)
	sleeper, err := q.EnqueueCall(b.ctx, "isolated.sleep", &rqlite.EnqueueOptions{Args: []any{60}, JobTimeout: time.Second})
	must(t, err)
	exiter, err := q.Enqueue(b.ctx, "isolated.exit", 3)
	must(t, err)
	panicker, err := q.Enqueue(b.ctx, "isolated.panic")
	must(t, err)
	echo, err := q.Enqueue(b.ctx, "isolated.echo", "hola")
	must(t, err)

	var log strings.Builder
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "iso",
		Logger: &rqlite.Logger{Out: &log, Err: &log}})
	must(t, err)
	start := time.Now()
	must(t, w.Work(b.ctx))

	// The sleeper ignores its context: its horse is killed soon after the
	// timeout, far before the 60 s it asked for.
	exc, _ := sleeper.ExcInfo(b.ctx)
	if exc != "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)" {
		t.Errorf("sleeper exc_info = %q", exc)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the worker took %v: the sleeper was not killed", d)
	}
	// A job that ends its process fails with RQ's text; the worker goes on.
	if exc, _ := exiter.ExcInfo(b.ctx); exc != "Work-horse terminated unexpectedly; waitpid returned 768; " {
		t.Errorf("exiter exc_info = %q", exc)
	}
	if exc, _ := panicker.ExcInfo(b.ctx); !strings.HasPrefix(exc, "isolated.panic() failed:\npanic: boom\n\ngoroutine ") {
		t.Errorf("panicker exc_info = %q", exc)
	}
	v, err := echo.ReturnValue(b.ctx)
	m, _ := v.(map[string]any)
	if err != nil || m["echo"] != "hola" || m["pid"] == int64(os.Getpid()) {
		t.Errorf("echo returned %v, %v: want its value, from another process", v, err)
	}
	must(t, echo.Refresh(b.ctx))
	if echo.Meta["seen"] != "hola" {
		t.Errorf("meta saved in the horse = %v", echo.Meta)
	}
	for _, line := range []string{"Killed horse pid ", "Moving job to FailedJobRegistry (Work-horse terminated unexpectedly; waitpid returned 768; )"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}
}

func TestIsolatedKillHorseCommand(t *testing.T) {
	b, _ := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, nil)
	job, err := q.Enqueue(b.ctx, "isolated.sleep", 60)
	must(t, err)
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Isolated: true, Name: "iso2",
		Logger: &rqlite.Logger{Out: &strings.Builder{}, Err: &strings.Builder{}}})
	must(t, err)
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { s, _ := job.GetStatus(b.ctx); return s == rqlite.StatusStarted })
	must(t, rqlite.SendKillHorseCommand(b.ctx, b.rdb, "iso2"))
	waitFor(t, "the job to fail", func() bool { s, _ := job.GetStatus(b.ctx); return s == rqlite.StatusFailed })
	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, "iso2"))
	must(t, <-done)
}
