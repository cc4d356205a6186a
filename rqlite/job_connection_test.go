package rqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	// Registered in DefaultTasks: a work horse knows only what init does.
	rqlite.Register("conn.status", func(ctx context.Context) (string, error) {
		s, err := rqlite.JobFromContext(ctx).GetStatus(ctx)
		return string(s), err
	})
}

// A task that asks Redis for its own job's status gets "started" in
// process, and in a work horse a typed error that says why it cannot ask:
// never a panic that takes the horse down (issue 14, finding 2).
func TestJobOfATaskWithoutConnection(t *testing.T) {
	for _, isolated := range []bool{false, true} {
		b, _ := workerSetup(t)
		q := rqlite.NewQueue("default", b.rdb, nil)
		job, err := q.Enqueue(b.ctx, "conn.status")
		must(t, err)
		var log strings.Builder
		w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: isolated,
			Logger: &rqlite.Logger{Out: &log, Err: &log}})
		must(t, err)
		must(t, w.Work(b.ctx))
		must(t, job.Refresh(b.ctx))
		if !isolated {
			if v, err := job.ReturnValue(b.ctx); job.Status != rqlite.StatusFinished || v != "started" || err != nil {
				t.Errorf("in process: status %s, result %v, %v; want finished, started", job.Status, v, err)
			}
			continue
		}
		exc, _ := job.ExcInfo(b.ctx)
		if job.Status != rqlite.StatusFailed || !strings.Contains(exc, "no Redis connection: job "+job.ID+" runs in a work horse") {
			t.Errorf("isolated: status %s, exc_info %q; want failed with ErrNoConnection's reason", job.Status, exc)
		}
		if strings.Contains(log.String(), "panic") || strings.Contains(log.String(), "terminated unexpectedly") {
			t.Errorf("isolated: the horse died:\n%s", log.String())
		}
	}
}

// A Job made by hand has no client either.
func TestJobMadeByHandHasNoConnection(t *testing.T) {
	j := &rqlite.Job{ID: "hand-made"}
	ctx := context.Background()
	for name, err := range map[string]error{
		"GetStatus": func() error { _, err := j.GetStatus(ctx); return err }(),
		"Refresh":   j.Refresh(ctx),
		"Delete":    j.Delete(ctx),
		"Cancel":    j.Cancel(ctx, false),
		"SaveMeta":  j.SaveMeta(ctx),
		"ExcInfo":   func() error { _, err := j.ExcInfo(ctx); return err }(),
		"Results":   func() error { _, err := j.Results(ctx); return err }(),
		"WaitResult": func() error {
			_, err := j.WaitResult(ctx, time.Millisecond)
			return err
		}(),
	} {
		if !errors.Is(err, rqlite.ErrNoConnection) {
			t.Errorf("%s: %v, want ErrNoConnection", name, err)
		}
	}
}
