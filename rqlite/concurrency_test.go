package rqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// gauge records how many jobs run at once, at most, and the order in
// which they start.
type gauge struct {
	mu      sync.Mutex
	running int
	peak    int
	order   []string
}

func (g *gauge) enter(s string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running++
	g.peak = max(g.peak, g.running)
	g.order = append(g.order, s)
}

func (g *gauge) leave() {
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
}

func (g *gauge) result() (peak int, order []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak, append([]string(nil), g.order...)
}

// limitSetup registers lim.work(s), which runs for a while under the
// gauge, and lim.fail(s), which fails.
func limitSetup(t *testing.T) (*bundle, *gauge) {
	b := setup(t)
	g := &gauge{}
	must(t, b.reg.Register("lim.work", func(s string) {
		g.enter(s)
		time.Sleep(15 * time.Millisecond) // the job's work
		g.leave()
	}, "s"))
	must(t, b.reg.Register("lim.fail", func(s string) error {
		g.enter(s)
		g.leave()
		return errors.New("no")
	}, "s"))
	return b, g
}

// runWorkers runs n burst workers on queues until they are done.
func runWorkers(t *testing.T, b *bundle, n int, queues func(i int) []string, o rqlite.WorkerOptions) []string {
	t.Helper()
	var wg sync.WaitGroup
	logs := make([]string, n)
	for i := range n {
		opts := o
		opts.Name, opts.Burst = fmt.Sprintf("w%d", i), true
		w, log := b.worker(t, queues(i), &opts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Work(b.ctx); err != nil {
				t.Error(err)
			}
			logs[i] = log.String()
		}()
	}
	wg.Wait()
	return logs
}

func enqueueMany(t *testing.T, b *bundle, q, task string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		j, err := b.queue(q).Enqueue(b.ctx, task, fmt.Sprintf("%s-%02d", q, i))
		must(t, err)
		ids = append(ids, j.ID)
	}
	return ids
}

func wantStatus(t *testing.T, b *bundle, ids []string, want rqlite.Status) {
	t.Helper()
	for _, id := range ids {
		if s := b.rdb.HGet(b.ctx, keys.Job(id), "status").Val(); s != string(want) {
			t.Errorf("job %s: status %q, want %q", id, s, want)
		}
	}
}

// wantNoSlots checks that no slot is held once every job has ended.
func wantNoSlots(t *testing.T, b *bundle) {
	t.Helper()
	limits, err := rqlite.ConcurrencyLimits(b.ctx, b.rdb)
	must(t, err)
	for _, l := range limits {
		if l.InUse != 0 {
			t.Errorf("%s %s: %d slots in use after every job ended", l.Kind, l.Name, l.InUse)
		}
	}
	if n := b.rdb.HLen(b.ctx, keys.LimitHolders).Val(); n != 0 {
		t.Errorf("%d holders of task slots left", n)
	}
}

// TestConcurrencyLimitQueue runs 24 jobs of a queue limited to 2 with 5
// workers, in both layouts: never more than 2 run at once, all end, and a
// limit of 1 keeps the order in which they were queued.
func TestConcurrencyLimitQueue(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("rq2=%v", rq2), func(t *testing.T) {
			b, g := limitSetup(t)
			must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "lim", 2))
			ids := enqueueMany(t, b, "lim", "lim.work", 24)
			runWorkers(t, b, 5, func(int) []string { return []string{"lim"} }, rqlite.WorkerOptions{RQ2: rq2})
			if peak, order := g.result(); peak > 2 || len(order) != 24 {
				t.Errorf("%d jobs ran, at most %d at once; want 24, at most 2", len(order), peak)
			}
			wantStatus(t, b, ids, rqlite.StatusFinished)
			wantNoSlots(t, b)
		})
	}
	t.Run("order", func(t *testing.T) {
		b, g := limitSetup(t)
		must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "uno", 1))
		enqueueMany(t, b, "uno", "lim.work", 12)
		runWorkers(t, b, 4, func(int) []string { return []string{"uno"} }, rqlite.WorkerOptions{})
		peak, order := g.result()
		var want []string
		for i := range 12 {
			want = append(want, fmt.Sprintf("uno-%02d", i))
		}
		if peak != 1 || strings.Join(order, " ") != strings.Join(want, " ") {
			t.Errorf("ran %v, %d at once; want %v one at a time", order, peak, want)
		}
	})
}

// TestConcurrencyLimitTask limits a task shared by two queues to 2, with
// workers listening on both in either order, one of them through the
// single-queue path (BLMOVE): at most 2 of its jobs run at once, while an
// unlimited task of the same queues runs beside them, and a blocked queue
// does not stop a worker from taking the other queue's jobs.
func TestConcurrencyLimitTask(t *testing.T) {
	b, g := limitSetup(t)
	free := &gauge{}
	must(t, b.reg.Register("lim.free", func(s string) { free.enter(s); free.leave() }, "s"))
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitTask, "lim.work", 2))
	ids := append(enqueueMany(t, b, "a", "lim.work", 15), enqueueMany(t, b, "b", "lim.work", 15)...)
	others := append(enqueueMany(t, b, "a", "lim.free", 5), enqueueMany(t, b, "b", "lim.free", 5)...)
	queues := [][]string{{"a", "b"}, {"b", "a"}, {"a"}, {"b"}, {"a", "b"}}
	runWorkers(t, b, len(queues), func(i int) []string { return queues[i] }, rqlite.WorkerOptions{})
	if peak, order := g.result(); peak > 2 || len(order) != 30 {
		t.Errorf("%d jobs of the task ran, at most %d at once; want 30, at most 2", len(order), peak)
	}
	if _, order := free.result(); len(order) != 10 {
		t.Errorf("%d jobs of the unlimited task ran, want 10", len(order))
	}
	wantStatus(t, b, append(ids, others...), rqlite.StatusFinished)
	wantNoSlots(t, b)
}

// TestConcurrencyLimitReleasedOnFailure runs, under a limit of 1, jobs
// that fail, jobs retried after failing and jobs that succeed: each ends
// and frees its slot, or the next could not start.
func TestConcurrencyLimitReleasedOnFailure(t *testing.T) {
	b, g := limitSetup(t)
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "lim", 1))
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitTask, "lim.fail", 1))
	var failed []string
	for i := range 3 {
		j, err := b.queue("lim").EnqueueCall(b.ctx, "lim.fail", &rqlite.EnqueueOptions{Args: []any{fmt.Sprint(i)},
			Retry: &rqlite.Retry{Max: 1}})
		must(t, err)
		failed = append(failed, j.ID)
	}
	ids := enqueueMany(t, b, "lim", "lim.work", 3)
	runWorkers(t, b, 3, func(int) []string { return []string{"lim"} }, rqlite.WorkerOptions{})
	if peak, order := g.result(); peak != 1 || len(order) != 9 {
		t.Errorf("%d runs, at most %d at once; want 9 (3 failing twice, 3 succeeding), one at a time", len(order), peak)
	}
	wantStatus(t, b, failed, rqlite.StatusFailed)
	wantStatus(t, b, ids, rqlite.StatusFinished)
	wantNoSlots(t, b)
}

// TestConcurrencyLimitStopAndCancel holds the only slot of a queue with
// a blocking job: the next job waits; stopped, the job frees its slot. A
// job canceled while it runs keeps its slot until it ends, as it keeps
// running.
func TestConcurrencyLimitStopAndCancel(t *testing.T) {
	b, r := workerSetup(t)
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "default", 1))
	q := b.queue("default")
	blocking, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	next, err := q.Enqueue(b.ctx, "test.note", "siguiente")
	must(t, err)
	w1, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w1"})
	w2, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w2"})
	done := make(chan error, 2)
	go func() { done <- w1.Work(b.ctx) }()
	waitFor(t, "the blocking job to start", func() bool { return len(r.got()) == 1 })
	go func() { done <- w2.Work(b.ctx) }()
	waitFor(t, "w2 to be held back", func() bool {
		return b.rdb.HGet(b.ctx, keys.Worker("w2"), "state").Val() == "idle"
	})
	if s, _ := next.GetStatus(b.ctx); s != rqlite.StatusQueued {
		t.Fatalf("the next job is %s while the only slot is held, want queued", s)
	}
	must(t, rqlite.StopJob(b.ctx, b.rdb, blocking.ID))
	waitFor(t, "the next job to run", func() bool { s, _ := next.GetStatus(b.ctx); return s == rqlite.StatusFinished })

	third, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	fourth, err := q.Enqueue(b.ctx, "test.note", "cuarto")
	must(t, err)
	waitFor(t, "the third job to start", func() bool { s, _ := third.GetStatus(b.ctx); return s == rqlite.StatusStarted })
	must(t, third.Cancel(b.ctx, false))
	if s, _ := fourth.GetStatus(b.ctx); s != rqlite.StatusQueued {
		t.Errorf("the fourth job is %s while a canceled job still runs, want queued", s)
	}
	close(r.release)
	waitFor(t, "the fourth job to run", func() bool { s, _ := fourth.GetStatus(b.ctx); return s == rqlite.StatusFinished })
	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, "w1"))
	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, "w2"))
	must(t, <-done)
	must(t, <-done)
	wantNoSlots(t, b)
}

// TestConcurrencyLimitAbandoned: a job whose worker died keeps its slot
// until its heartbeat expires; then the next job may start, and the
// started registry's cleanup fails the abandoned job and frees its slot,
// in both layouts (RQ 2.x's members are ID:EXECUTION).
func TestConcurrencyLimitAbandoned(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("rq2=%v", rq2), func(t *testing.T) { concurrencyAbandoned(t, rq2) })
	}
}

func concurrencyAbandoned(t *testing.T, rq2 bool) {
	b, r := workerSetup(t)
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "default", 1))
	q := b.queue("default")
	dead, err := q.Enqueue(b.ctx, "test.stubborn")
	must(t, err)
	next, err := q.Enqueue(b.ctx, "test.note", "después")
	must(t, err)
	ctx, cancel := context.WithCancel(b.ctx)
	w1, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w1", RQ2: rq2})
	stopped := make(chan error)
	go func() { stopped <- w1.Work(ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })
	// The worker "dies": its heartbeats stop, its job never ends.
	held := b.rdb.ZRangeWithScores(b.ctx, keys.QueueSlots("default"), 0, -1).Val()
	if len(held) != 1 || !strings.HasPrefix(held[0].Member.(string), dead.ID) {
		t.Fatalf("slots held: %v, want the running job's", held)
	}
	score := held[0].Score
	late := time.Unix(int64(score)+1, 0)
	w2, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w2", Burst: true, RQ2: rq2})
	must(t, w2.Work(b.ctx))
	if s, _ := next.GetStatus(b.ctx); s != rqlite.StatusQueued {
		t.Fatalf("the next job is %s before the slot expired, want queued", s)
	}
	lateQ := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{RQ2: rq2, Now: func() time.Time { return late }})
	must(t, lateQ.Registry(rqlite.Started).Cleanup(b.ctx))
	if s, _ := dead.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("the abandoned job is %s, want failed", s)
	}
	if n := b.rdb.ZCard(b.ctx, keys.QueueSlots("default")).Val(); n != 0 {
		t.Errorf("%d slots held after the cleanup", n)
	}
	w3, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w3", Burst: true, RQ2: rq2})
	must(t, w3.Work(b.ctx))
	if s, _ := next.GetStatus(b.ctx); s != rqlite.StatusFinished {
		t.Errorf("the next job is %s, want finished", s)
	}
	// Without a cleanup, an expired slot is free to a worker whose clock
	// has passed it.
	must(t, b.rdb.ZAdd(b.ctx, keys.QueueSlots("default"), redis.Z{Score: float64(time.Now().Unix() - 1), Member: "ghost"}).Err())
	last, err := q.Enqueue(b.ctx, "test.note", "último")
	must(t, err)
	w4, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w4", Burst: true, RQ2: rq2})
	must(t, w4.Work(b.ctx))
	if s, _ := last.GetStatus(b.ctx); s != rqlite.StatusFinished {
		t.Errorf("the job after an expired slot is %s, want finished", s)
	}
	cancel()
	close(r.release)
	<-stopped
}
