package rqlite_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// pauseAfterMove is a client hook that stops its worker right after BLMOVE
// has moved a job into an intermediate list, as a worker paused or killed
// there would stop: moved is closed then, and the call returns only when
// done is closed, with an error, the move forgotten.
type pauseAfterMove struct {
	once  sync.Once
	moved chan struct{}
	done  <-chan struct{}
}

var errPaused = errors.New("the worker was paused after BLMOVE")

func (*pauseAfterMove) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *pauseAfterMove) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() == "blmove" && err == nil {
			h.once.Do(func() { close(h.moved) })
			<-h.done
			return errPaused
		}
		return err
	}
}

func (*pauseAfterMove) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestIntermediateQueueRecovery stops a worker between the move of a job
// into its queue's intermediate list and the script that marks it started:
// the job is in no queue and no registry, only in the intermediate list,
// where maintenance notes it, then, a minute later, runs it again (it has a
// retry), as RQ 1.15+ does. In both layouts.
func TestIntermediateQueueRecovery(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "rq1", true: "rq2"}[rq2], func(t *testing.T) {
			b, r := workerSetup(t)
			done := make(chan struct{})
			hook := &pauseAfterMove{moved: make(chan struct{}), done: done}
			o := b.rdb.Options()
			paused := redis.NewClient(&redis.Options{Network: o.Network, Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
			paused.AddHook(hook)
			w, err := rqlite.NewWorker(paused, []string{"default"}, &rqlite.WorkerOptions{Name: "paused", Tasks: b.reg, RQ2: rq2,
				Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
			must(t, err)
			ctx, cancel := context.WithCancel(b.ctx)
			stopped := make(chan struct{})
			go func() {
				defer close(stopped)
				_ = w.Work(ctx)
			}()
			t.Cleanup(func() {
				cancel()
				close(done)
				select {
				case <-stopped:
				case <-time.After(30 * time.Second):
					t.Error("the paused worker did not stop")
				}
				paused.Close()
			})
			waitFor(t, "the worker to wait for jobs", func() bool {
				return b.rdb.HGet(b.ctx, "rq:worker:paused", "state").Val() == "idle"
			})

			job, err := b.queue("default").EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"again"}, Retry: &rqlite.Retry{Max: 1}})
			must(t, err)
			select {
			case <-hook.moved:
			case <-time.After(10 * time.Second):
				t.Fatal("the worker did not move the job into the intermediate list (BLMOVE)")
			}
			if got := b.rdb.LRange(b.ctx, "rq:queue:default:intermediate", 0, -1).Val(); len(got) != 1 || got[0] != job.ID {
				t.Fatalf("intermediate list = %v, want [%s]", got, job.ID)
			}
			if n := b.rdb.LLen(b.ctx, "rq:queue:default").Val() + b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
				t.Fatalf("the job is also in its queue or the started registry (%d)", n)
			}

			now := time.Now()
			maintain := func(at time.Time) {
				t.Helper()
				must(t, b.rdb.Del(b.ctx, "rq:clean_registries:default").Err())
				w, log := b.worker(t, []string{"default"}, &rqlite.WorkerOptions{Name: "rescuer", Burst: true, RQ2: rq2, Now: func() time.Time { return at }})
				if err := w.Work(b.ctx); err != nil {
					t.Fatalf("rescuer: %v\n%s", err, log)
				}
			}
			maintain(now) // first seen
			if got := b.rdb.LLen(b.ctx, "rq:queue:default:intermediate").Val(); got != 1 {
				t.Fatalf("after the first maintenance the intermediate list holds %d jobs, want the job still", got)
			}
			maintain(now.Add(61 * time.Second)) // stuck: retried, and run by the rescuer
			if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusFinished {
				t.Errorf("the job is %s, want finished", s)
			}
			if got := r.got(); len(got) != 1 || got[0] != "again" {
				t.Errorf("ran %v, want the job once", got)
			}
			if n := b.rdb.Exists(b.ctx, "rq:queue:default:intermediate", "rq:queue:default:intermediate:first_seen:"+job.ID).Val(); n != 0 {
				t.Errorf("%d keys of the intermediate list are left", n)
			}
		})
	}
}

// TestIntermediateQueueFailsWithoutRetries: a stuck job with no retries
// left ends failed, with RQ's text.
func TestIntermediateQueueFailsWithoutRetries(t *testing.T) {
	b, _ := workerSetup(t)
	job, err := b.queue("default").Enqueue(b.ctx, "test.note", "lost")
	must(t, err)
	// What a worker that died after BLMOVE leaves.
	must(t, b.rdb.LMove(b.ctx, "rq:queue:default", "rq:queue:default:intermediate", "LEFT", "RIGHT").Err())
	now := time.Now()
	for _, at := range []time.Time{now, now.Add(61 * time.Second)} {
		must(t, b.rdb.Del(b.ctx, "rq:clean_registries:default").Err())
		w, _ := b.worker(t, []string{"default"}, &rqlite.WorkerOptions{Burst: true, Now: func() time.Time { return at }})
		must(t, w.Work(b.ctx))
	}
	if exc, _ := job.ExcInfo(b.ctx); exc != "Job was stuck in intermediate queue." {
		t.Errorf("exc_info = %q", exc)
	}
	if s := b.rdb.ZScore(b.ctx, "rq:failed:default", job.ID).Val(); s == 0 {
		t.Errorf("the job is not in the failed registry")
	}
}
