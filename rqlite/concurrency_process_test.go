package rqlite_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

var dormir = rqlite.External("tareas.dormir_sin_escuchar")

// TestConcurrencyLimitProcesses runs rq worker processes, one of them
// isolated (each job in a work horse), on a queue limited to 2: the
// started registry, sampled all along, never holds more than 2 jobs, and
// every job ends. Then a worker holding the only slot of another queue is
// killed with SIGKILL: its job keeps the slot until the started registry's
// cleanup takes it for abandoned and fails it, and a waiting worker then
// runs the next job.
func TestConcurrencyLimitProcesses(t *testing.T) {
	bin := rqtest.BuildRQ(t)
	srv, rdb := faultProcSetup(t)
	ctx := context.Background()
	env := []string{"TAREAS_SEGUNDO=100ms"}
	must(t, rqlite.SetConcurrencyLimit(ctx, rdb, rqlite.LimitQueue, "default", 2))
	q := rqlite.NewQueue("default", rdb, nil)
	var ids []string
	for range 10 {
		j, err := q.EnqueueCall(ctx, dormir, &rqlite.EnqueueOptions{Args: []any{2}})
		must(t, err)
		ids = append(ids, j.ID)
	}
	var procs []*faultProc
	for _, extra := range [][]string{nil, nil, {"--isolated"}, nil} {
		procs = append(procs, startRQ(t, bin, srv, env, append([]string{"worker", "default"}, extra...)...))
	}
	peak := 0
	rqtest.WaitFor(t, 60*time.Second, "every job to end", func() bool {
		peak = max(peak, int(rdb.ZCard(ctx, keys.Started("default")).Val()))
		n, _ := q.Count(ctx)
		return n == 0 && rdb.ZCard(ctx, keys.Started("default")).Val() == 0
	})
	for _, id := range ids {
		if s := status(rdb, id); s != "finished" {
			t.Errorf("job %s is %q, want finished", id, s)
		}
	}
	if peak > 2 || peak == 0 {
		t.Errorf("the started registry held up to %d jobs, want 1 or 2", peak)
	}
	for _, p := range procs {
		p.signal(t, syscall.SIGTERM)
		p.wait(t, 20*time.Second)
	}

	must(t, rqlite.SetConcurrencyLimit(ctx, rdb, rqlite.LimitQueue, "lenta", 1))
	lenta := rqlite.NewQueue("lenta", rdb, nil)
	victimJob, err := lenta.EnqueueCall(ctx, dormir, &rqlite.EnqueueOptions{Args: []any{1000}})
	must(t, err)
	next, err := lenta.EnqueueCall(ctx, dormir, &rqlite.EnqueueOptions{Args: []any{1}})
	must(t, err)
	victim := startRQ(t, bin, srv, env, "worker", "lenta", "--name", "victim")
	rqtest.WaitFor(t, 20*time.Second, "the long job to start", func() bool { return status(rdb, victimJob.ID) == "started" })
	victim.signal(t, syscall.SIGKILL)
	victim.wait(t, 10*time.Second)
	waiting := startRQ(t, bin, srv, env, "worker", "lenta", "--name", "waiting")
	rqtest.WaitFor(t, 20*time.Second, "the waiting worker to be idle", func() bool {
		return rdb.HGet(ctx, keys.Worker("waiting"), "state").Val() == "idle"
	})
	if s := status(rdb, next.ID); s != "queued" {
		t.Fatalf("the next job is %q while a dead worker's job holds the slot, want queued", s)
	}
	score := rdb.ZScore(ctx, keys.QueueSlots("lenta"), victimJob.ID).Val()
	late := time.Unix(int64(score)+1, 0)
	must(t, rqlite.NewQueue("lenta", rdb, &rqlite.QueueOptions{Now: func() time.Time { return late }}).Registry(rqlite.Started).Cleanup(ctx))
	if s := status(rdb, victimJob.ID); s != "failed" {
		t.Errorf("the dead worker's job is %q after the cleanup, want failed", s)
	}
	rqtest.WaitFor(t, 20*time.Second, "the next job to run", func() bool { return status(rdb, next.ID) == "finished" })
	if n := rdb.ZCard(ctx, keys.QueueSlots("lenta")).Val(); n != 0 {
		t.Errorf("%d slots held once every job ended", n)
	}
	waiting.signal(t, syscall.SIGTERM)
	waiting.wait(t, 20*time.Second)
}
