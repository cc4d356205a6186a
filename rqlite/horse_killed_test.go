package rqlite_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func TestHorseKilledHandler(t *testing.T) {
	b, _ := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, nil)
	exiter, err := q.Enqueue(b.ctx, "isolated.exit", 3)
	must(t, err)
	_, err = q.Enqueue(b.ctx, "isolated.panic") // fails, but its horse lives
	must(t, err)
	type call struct {
		id, status string
		pid        int
		st         rqlite.HorseStatus
	}
	var calls []call
	var log strings.Builder
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "iso-killed",
		Logger: &rqlite.Logger{Out: &log, Err: &log},
		HorseKilled: func(job *rqlite.Job, pid int, st rqlite.HorseStatus) {
			s, _ := job.GetStatus(b.ctx)
			calls = append(calls, call{job.ID, string(s), pid, st})
		}})
	must(t, err)
	must(t, w.Work(b.ctx))
	if len(calls) != 1 {
		t.Fatalf("HorseKilled called %d times, want once: %+v\n%s", len(calls), calls, log.String())
	}
	c := calls[0]
	// Called before the job is recorded failed, as in RQ.
	if c.id != exiter.ID || c.status != "started" || c.pid <= 0 || c.pid == os.Getpid() {
		t.Errorf("HorseKilled got %+v", c)
	}
	if c.st != (rqlite.HorseStatus{Raw: 768, ExitCode: 3}) {
		t.Errorf("status = %+v, want exit code 3 (waitpid's 768)", c.st)
	}
	if s, _ := exiter.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("status = %s", s)
	}
}

// A horse that ignores its job's timeout is killed by the worker, which
// tells HorseKilled, as RQ's worker does when it kills such a horse; the
// job fails with its timeout.
func TestHorseKilledAtTheTimeout(t *testing.T) {
	b, _ := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, nil)
	sleeper, err := q.EnqueueCall(b.ctx, "isolated.sleep", &rqlite.EnqueueOptions{Args: []any{60}, JobTimeout: time.Second})
	must(t, err)
	var got []rqlite.HorseStatus
	var log strings.Builder
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "iso-timeout",
		Logger:      &rqlite.Logger{Out: &log, Err: &log},
		HorseKilled: func(_ *rqlite.Job, _ int, st rqlite.HorseStatus) { got = append(got, st) }})
	must(t, err)
	must(t, w.Work(b.ctx))
	if len(got) != 1 || got[0].Signal == 0 || got[0].ExitCode != -1 {
		t.Errorf("HorseKilled got %+v, want one horse ended by a signal\n%s", got, log.String())
	}
	if exc, _ := sleeper.ExcInfo(b.ctx); !strings.HasPrefix(exc, "JobTimeoutException") {
		t.Errorf("exc_info = %q", exc)
	}
}
