package rqlite_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestConcurrencyLimitHeldJobStaysFirst holds the only slot of queue
// "default" with a running job, and queues jobs while other workers wait
// on the queue: one on that queue alone (BLMOVE into the intermediate
// list), one on two queues (BLPOP). The jobs they pop go back first in
// their queue, in their order, the intermediate list is left empty, a job
// of the other queue runs meanwhile, and the waiting workers send few
// commands while they wait. Once the slot is free, the jobs run in order.
func TestConcurrencyLimitHeldJobStaysFirst(t *testing.T) {
	b, r := workerSetup(t)
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "default", 1))
	q := b.queue("default")
	holder, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	w1, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w1"})
	done := make(chan error, 3)
	go func() { done <- w1.Work(b.ctx) }()
	waitFor(t, "the holder to start", func() bool { return len(r.got()) == 1 })

	counted := redis.NewClient(b.rdb.Options())
	defer counted.Close()
	counter := rqtest.WatchCommands(counted)
	for i, queues := range [][]string{{"default"}, {"default", "other"}} {
		name := []string{"single", "multi"}[i]
		w2, err := rqlite.NewWorker(counted, queues, &rqlite.WorkerOptions{Name: name, Tasks: b.reg,
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
		must(t, err)
		go func() { done <- w2.Work(b.ctx) }()
		waitFor(t, name+" to wait", func() bool { return b.rdb.HGet(b.ctx, keys.Worker(name), "state").Val() == "idle" })
	}
	var ids []string
	for _, s := range []string{"uno", "dos", "tres"} {
		j, err := q.Enqueue(b.ctx, "test.note", s)
		must(t, err)
		ids = append(ids, j.ID)
	}
	other, err := b.queue("other").Enqueue(b.ctx, "test.note", "otra")
	must(t, err)
	waitFor(t, "the other queue's job to run", func() bool { s, _ := other.GetStatus(b.ctx); return s == rqlite.StatusFinished })

	// Held back for a while: the jobs stay queued, in order.
	start, before := time.Now(), counter.Total()
	deadline := start.Add(3 * time.Second)
	for time.Now().Before(deadline) {
		got := b.rdb.LRange(b.ctx, keys.Queue("default"), 0, -1).Val()
		if strings.Join(got, " ") != strings.Join(ids, " ") {
			// The list may be empty for an instant, between a pop and the
			// script that puts the job back; nothing else is allowed.
			if len(got) != 2 || got[0] != ids[1] {
				t.Fatalf("queue holds %v while its slot is held, want %v", got, ids)
			}
		}
		time.Sleep(10 * time.Millisecond) // sampling the queue
	}
	perSecond := float64(counter.Total()-before) / time.Since(start).Seconds()
	t.Logf("two held workers sent %.1f commands a second", perSecond)
	if perSecond > 40 {
		t.Errorf("two held workers sent %.1f commands a second, want at most 40", perSecond)
	}
	if n := b.rdb.LLen(b.ctx, keys.Intermediate("default")).Val(); n != 0 {
		t.Errorf("%d jobs left in the intermediate list", n)
	}
	close(r.release)
	waitFor(t, "the held jobs to run", func() bool { s, _ := q.Count(b.ctx); return s == 0 && len(r.got()) == 5 })
	got := r.got()
	if strings.Join(got[1:], " ") != "otra uno dos tres" {
		t.Errorf("ran %v, want block, otra, then uno dos tres in order", got)
	}
	for _, n := range []string{"w1", "single", "multi"} {
		must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, n))
	}
	for range 3 {
		must(t, <-done)
	}
	wantStatus(t, b, append(ids, holder.ID), rqlite.StatusFinished)
	wantNoSlots(t, b)
}

// TestConcurrencyLimitBadValues puts hostile values in the limits hashes:
// each is ignored, with one warning line that names it, and the worker
// runs the jobs; the API refuses such limits with an *OptionError.
func TestConcurrencyLimitBadValues(t *testing.T) {
	b, g := limitSetup(t)
	b.rdb.HSet(b.ctx, keys.QueueLimits, "lim", "abc")
	b.rdb.HSet(b.ctx, keys.TaskLimits, "lim.work", "99999999999999999999", "lim.fail", "-1")
	ids := enqueueMany(t, b, "lim", "lim.work", 4)
	failing, err := b.queue("lim").Enqueue(b.ctx, "lim.fail", "x")
	must(t, err)
	logs := runWorkers(t, b, 1, func(int) []string { return []string{"lim"} }, rqlite.WorkerOptions{})
	wantStatus(t, b, ids, rqlite.StatusFinished)
	wantStatus(t, b, []string{failing.ID}, rqlite.StatusFailed)
	for _, want := range []string{
		`Ignoring the concurrency limit of queue "lim": "abc" is not a whole number from 1 to 999999999999999`,
		`Ignoring the concurrency limit of task "lim.work": "99999999999999999999" is not a whole number from 1 to 999999999999999`,
		`Ignoring the concurrency limit of task "lim.fail": "-1" is not a whole number from 1 to 999999999999999`,
	} {
		if n := strings.Count(logs[0], want); n != 1 {
			t.Errorf("the warning %q is logged %d times, want once; log:\n%s", want, n, logs[0])
		}
	}
	if _, order := g.result(); len(order) != 5 {
		t.Errorf("%d jobs ran, want 5", len(order))
	}
	for _, n := range []int64{0, -3, rqlite.MaxConcurrencyLimit + 1} {
		err := rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "lim", n)
		var oe *rqlite.OptionError
		if !errors.As(err, &oe) || strings.Contains(err.Error(), "\n") {
			t.Errorf("limit %d: %v, want a one-line *OptionError", n, err)
		}
	}
	if err := rqlite.SetConcurrencyLimit(b.ctx, b.rdb, "queues", "lim", 2); err == nil {
		t.Error("a limit of an unknown kind was set")
	}
	limits, err := rqlite.ConcurrencyLimits(b.ctx, b.rdb)
	must(t, err)
	if len(limits) != 3 || limits[0].Max != 0 || limits[0].Value != "abc" {
		t.Errorf("limits read back as %+v, want the 3 bad ones, with Max 0", limits)
	}
}

// TestConcurrencyLimitHeartbeat: a running job's heartbeat moves its
// slots' expiry as it moves its started-registry entry.
func TestConcurrencyLimitHeartbeat(t *testing.T) {
	b, r := workerSetup(t)
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "default", 3))
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitTask, "test.block", 3))
	job, err := b.queue("default").Enqueue(b.ctx, "test.block")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{JobMonitoringInterval: time.Second})
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })
	first := b.rdb.ZScore(b.ctx, keys.QueueSlots("default"), job.ID).Val()
	if task := b.rdb.ZScore(b.ctx, keys.TaskSlots("test.block"), job.ID).Val(); first == 0 || task != first {
		t.Fatalf("slot scores %v (queue), %v (task); want both, equal", first, task)
	}
	waitFor(t, "a heartbeat", func() bool {
		return b.rdb.ZScore(b.ctx, keys.Started("default"), job.ID).Val() > first
	})
	started := b.rdb.ZScore(b.ctx, keys.Started("default"), job.ID).Val()
	for _, k := range []string{keys.QueueSlots("default"), keys.TaskSlots("test.block")} {
		if s := b.rdb.ZScore(b.ctx, k, job.ID).Val(); s < started {
			t.Errorf("%s: score %v after a heartbeat that gave the started entry %v", k, s, started)
		}
	}
	close(r.release)
	waitFor(t, "the job to end", func() bool { s, _ := job.GetStatus(b.ctx); return s == rqlite.StatusFinished })
	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, w.Name()))
	must(t, <-done)
	wantNoSlots(t, b)
}
