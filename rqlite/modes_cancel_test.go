package rqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	"github.com/redis/go-redis/v9"
)

func init() {
	// modes.wait_file waits for a file, then succeeds or fails: the test
	// cancels or deletes the job meanwhile. A file, as the task may run in
	// a work horse.
	rqlite.Register("modes.wait_file", func(ctx context.Context, path string, fail bool) (string, error) {
		for {
			if _, err := os.Stat(path); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
		if fail {
			return "", errors.New("falla al final")
		}
		return "hecho", nil
	}, "path", "fail")
}

// Finding 6: a job canceled or deleted while it runs is finished all the
// same, as RQ's worker of the layout does: its status becomes finished or
// failed, a canceled job stays in the canceled registry too, a deleted one
// is written again (without its meta), and the dependents of a canceled
// job that succeeds are queued in RQ 1.13's layout but not in RQ 2.x's.
func TestModesCancelOrDeleteWhileRunning(t *testing.T) {
	type want struct {
		status     rqlite.Status
		registries []string // besides the canceled one
		canceled   bool     // still in the canceled registry
		dependent  rqlite.Status
	}
	cases := []struct {
		action string
		fail   bool
		rq2    bool
		want   want
	}{
		{"cancel", false, false, want{rqlite.StatusFinished, []string{"finished"}, true, rqlite.StatusFinished}},
		{"cancel", false, true, want{rqlite.StatusFinished, []string{"finished"}, true, rqlite.StatusDeferred}},
		{"cancel", true, false, want{rqlite.StatusFailed, []string{"failed"}, true, rqlite.StatusDeferred}},
		{"cancel", true, true, want{rqlite.StatusFailed, []string{"failed"}, true, rqlite.StatusDeferred}},
		{"delete", false, false, want{rqlite.StatusFinished, []string{"finished"}, false, rqlite.StatusDeferred}},
		{"delete", false, true, want{rqlite.StatusFinished, []string{"finished"}, false, rqlite.StatusDeferred}},
		{"delete", true, false, want{rqlite.StatusFailed, []string{"failed"}, false, rqlite.StatusDeferred}},
		{"delete", true, true, want{rqlite.StatusFailed, []string{"failed"}, false, rqlite.StatusDeferred}},
	}
	for _, m := range modes {
		for _, c := range cases {
			layout := map[bool]string{false: "rq1.13", true: "rq2"}[c.rq2]
			t.Run(fmt.Sprintf("%s/%s/%s-then-%s", m.name, layout, c.action, map[bool]string{false: "succeed", true: "fail"}[c.fail]), func(t *testing.T) {
				b := setup(t)
				release := filepath.Join(t.TempDir(), "release")
				q := rqlite.NewQueue("default", b.rdb, nil)
				job, err := q.EnqueueCall(b.ctx, "modes.wait_file", &rqlite.EnqueueOptions{Args: []any{release, c.fail},
					Meta: map[string]any{"n": int64(1)}})
				must(t, err)
				dep, err := q.EnqueueCall(b.ctx, "modes.echo", &rqlite.EnqueueOptions{Args: []any{"después"}, DependsOn: []string{job.ID}})
				must(t, err)
				wait := workWhileRunning(t, b, job, &rqlite.WorkerOptions{Isolated: m.isolated, RQ2: c.rq2, Name: "cancel-" + m.name})
				if c.action == "cancel" {
					must(t, job.Cancel(b.ctx, false))
				} else {
					must(t, job.Delete(b.ctx))
				}
				// Out of the started registry, whatever the layout.
				if n := b.rdb.ZCard(b.ctx, keys.Started("default")).Val(); n != 0 {
					t.Errorf("%d entries in the started registry after the %s, want none", n, c.action)
				}
				must(t, os.WriteFile(release, nil, 0o644))
				wait()
				checkEndState(t, b, job.ID, dep, c.want.status, c.want.registries, c.want.canceled, c.want.dependent)
				if c.action == "delete" {
					if meta := b.rdb.HGet(b.ctx, keys.Job(job.ID), "meta").Val(); meta != "" {
						t.Errorf("the job written again has meta %q, want none (as RQ's save without meta)", meta)
					}
				}
			})
		}
	}
}

func checkEndState(t *testing.T, b *bundle, id string, dep *rqlite.Job, status rqlite.Status, registries []string,
	canceled bool, depStatus rqlite.Status) {
	t.Helper()
	if st := rqlite.Status(b.rdb.HGet(b.ctx, keys.Job(id), "status").Val()); st != status {
		t.Errorf("status %q, want %q", st, status)
	}
	for _, r := range []string{"finished", "failed", "canceled", "wip"} {
		_, err := b.rdb.ZScore(b.ctx, "rq:"+r+":default", id).Result()
		in := err == nil
		want := r == "canceled" && canceled
		for _, w := range registries {
			want = want || w == r
		}
		if in != want {
			t.Errorf("in rq:%s:default: %v, want %v", r, in, want)
		}
	}
	if n := b.rdb.XLen(b.ctx, keys.Results(id)).Val(); n != 1 {
		t.Errorf("%d result entries, want 1", n)
	}
	if st, err := dep.GetStatus(b.ctx); err != nil || st != depStatus {
		t.Errorf("dependent: status %q, %v; want %q", st, err, depStatus)
	}
}

// A job stopped by a command counts as done for its dependents, which are
// queued, as RQ's enqueue_dependents does (its parent is neither canceled
// nor failed).
func TestModesStoppedJobQueuesDependents(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			b := setup(t)
			q := rqlite.NewQueue("default", b.rdb, nil)
			job, err := q.Enqueue(b.ctx, "modes.wait_file", filepath.Join(t.TempDir(), "never"), false)
			must(t, err)
			dep, err := q.EnqueueCall(b.ctx, "modes.echo", &rqlite.EnqueueOptions{Args: []any{"después"}, DependsOn: []string{job.ID}})
			must(t, err)
			wait := workWhileRunning(t, b, job, &rqlite.WorkerOptions{Isolated: m.isolated, Name: "stop-" + m.name})
			must(t, rqlite.StopJob(b.ctx, b.rdb, job.ID))
			wait()
			checkEndState(t, b, job.ID, dep, rqlite.StatusStopped, []string{"failed"}, false, rqlite.StatusFinished)
		})
	}
}

// workWhileRunning starts a burst worker with opts and returns once job
// runs; the function it returns waits for the worker to finish.
func workWhileRunning(t *testing.T, b *bundle, job *rqlite.Job, opts *rqlite.WorkerOptions) (wait func()) {
	t.Helper()
	opts.Burst, opts.Logger = true, &rqlite.Logger{Out: io.Discard, Err: io.Discard}
	w, err := rqlite.NewWorker(b.rdb, nil, opts)
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Work(b.ctx) }()
	rqtest.WaitFor(t, 20*time.Second, "the job to start", func() bool {
		st, _ := job.GetStatus(b.ctx)
		return st == rqlite.StatusStarted
	})
	return func() {
		t.Helper()
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(30 * time.Second):
			t.Fatal("the worker did not finish")
		}
	}
}

// A worker that was frozen past its job's heartbeat, whose job the
// registry cleanup has meanwhile failed, records the outcome when it comes
// back, as RQ's worker does, instead of logging "Job OK" for an outcome it
// dropped (issue 15, finding 8).
func TestOutcomeRecordedAfterCleanupFailedTheJob(t *testing.T) {
	b := setup(t)
	release := filepath.Join(t.TempDir(), "release")
	q := rqlite.NewQueue("default", b.rdb, nil)
	job, err := q.Enqueue(b.ctx, "modes.wait_file", release, false)
	must(t, err)
	wait := workWhileRunning(t, b, job, &rqlite.WorkerOptions{Name: "frozen"})
	// What the cleanup of an abandoned job does (clean_started.lua).
	must(t, b.rdb.ZRem(b.ctx, keys.Started("default"), job.ID).Err())
	must(t, b.rdb.HSet(b.ctx, keys.Job(job.ID), "status", "failed").Err())
	must(t, b.rdb.ZAdd(b.ctx, keys.Failed("default"), redis.Z{Score: 1, Member: job.ID}).Err())
	must(t, os.WriteFile(release, nil, 0o644))
	wait()
	if st, _ := job.GetStatus(b.ctx); st != rqlite.StatusFinished {
		t.Errorf("status %q, want finished", st)
	}
	if n := b.rdb.XLen(b.ctx, keys.Results(job.ID)).Val(); n != 1 {
		t.Errorf("%d results, want 1", n)
	}
}
