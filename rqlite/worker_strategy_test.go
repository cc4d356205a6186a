package rqlite_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// fillQueues enqueues n test.note jobs in each queue, each noting its
// queue's name.
func fillQueues(t *testing.T, b *bundle, queues []string, n int) {
	t.Helper()
	for range n {
		for _, q := range queues {
			_, err := b.queue(q).Enqueue(b.ctx, "test.note", q)
			must(t, err)
		}
	}
}

func TestDequeueStrategies(t *testing.T) {
	queues := []string{"a", "b", "c"}
	for _, tc := range []struct {
		strategy rqlite.DequeueStrategy
		rq2      bool // no next job taken by the finish script
		want     string
	}{
		{"", false, "a a a b b b c c c"},
		{rqlite.DequeueDefault, false, "a a a b b b c c c"},
		// The queue after the one a job came from goes first: each queue
		// gets a turn, also when the finish script takes the next job.
		{rqlite.DequeueRoundRobin, false, "a b c a b c a b c"},
		{rqlite.DequeueRoundRobin, true, "a b c a b c a b c"},
	} {
		t.Run(fmt.Sprintf("%s/rq2=%v", tc.strategy, tc.rq2), func(t *testing.T) {
			b, r := workerSetup(t)
			fillQueues(t, b, queues, 3)
			w, _ := b.worker(t, queues, &rqlite.WorkerOptions{Burst: true, DequeueStrategy: tc.strategy, RQ2: tc.rq2})
			must(t, w.Work(b.ctx))
			if got := strings.Join(r.got(), " "); got != tc.want {
				t.Errorf("ran %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDequeueRandomTakesFromEveryQueue(t *testing.T) {
	queues := []string{"a", "b", "c"}
	for seed := range uint64(5) {
		b, r := workerSetup(t)
		fillQueues(t, b, queues, 10)
		w, _ := b.worker(t, queues, &rqlite.WorkerOptions{Burst: true, DequeueStrategy: rqlite.DequeueRandom})
		rqlite.SeedQueueShuffle(w, seed)
		must(t, w.Work(b.ctx))
		got := r.got()
		if len(got) != 30 {
			t.Fatalf("seed %d: ran %d jobs, want 30", seed, len(got))
		}
		// By priority the first ten would all come from a; shuffled, the
		// first ten come from every queue.
		first := got[:10]
		for _, q := range queues {
			if !slices.Contains(first, q) {
				t.Errorf("seed %d: the first ten jobs came from %v, none from %s", seed, first, q)
			}
		}
	}
}

func TestBadDequeueStrategy(t *testing.T) {
	b := setup(t)
	_, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{DequeueStrategy: "fifo"})
	var oe *rqlite.OptionError
	if !errors.As(err, &oe) || err.Error() != `rqlite: invalid dequeue strategy "fifo": use default, round_robin or random` {
		t.Errorf("err = %v", err)
	}
}

func TestMaxIdleTime(t *testing.T) {
	b, r := workerSetup(t)
	_, err := b.queue("default").Enqueue(b.ctx, "test.note", "x")
	must(t, err)
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{MaxIdleTime: time.Second})
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- w.Work(b.ctx) }()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(20 * time.Second):
		w.RequestStop()
		t.Fatalf("the worker did not quit after its idle time:\n%s", log)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("the worker quit after %v, before its idle time", d)
	}
	if got := strings.Join(r.got(), " "); got != "x" {
		t.Errorf("ran %q", got)
	}
	if !strings.Contains(log.String(), "Worker rq:worker:w1: idle for 1 seconds, quitting\n") {
		t.Errorf("log:\n%s", log)
	}
	if b.rdb.SIsMember(b.ctx, "rq:workers", "rq:worker:w1").Val() {
		t.Errorf("the worker is still registered")
	}
}
