package rqlite

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// A writeCounter is a go-redis hook that counts the round trips of a
// client: transactions (pipelines that start with MULTI, the writes of
// jobs), other pipelines and single commands, and the commands in the
// transactions. gate, when set, is called before each transaction is
// sent, with its number from 1, and may hold it or fail it.
type writeCounter struct {
	writes, writeCommands, others atomic.Int64
	gate                          func(n int64) error
}

func (h *writeCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *writeCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.others.Add(1)
		return next(ctx, cmd)
	}
}

func (h *writeCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || cmds[0].Name() != "multi" {
			h.others.Add(1)
			return next(ctx, cmds)
		}
		n := h.writes.Add(1)
		h.writeCommands.Add(int64(len(cmds)))
		if h.gate != nil {
			if err := h.gate(n); err != nil {
				return err
			}
		}
		return next(ctx, cmds)
	}
}

// batchSetup is a queue on a fresh Redis database whose client counts its
// round trips, with the task batch.noop.
func batchSetup(t *testing.T, name string) (*Queue, *redis.Client, *writeCounter) {
	t.Helper()
	rdb := rqtest.New(t)
	if _, err := rdb.TxPipelined(context.Background(), func(p redis.Pipeliner) error {
		return p.Ping(context.Background()).Err() // dial before counting
	}); err != nil {
		t.Fatal(err)
	}
	h := &writeCounter{}
	rdb.AddHook(h)
	tasks := NewTaskRegistry()
	if err := tasks.Register("batch.noop", func(g, i int) {}, "g", "i"); err != nil {
		t.Fatal(err)
	}
	return NewQueue(name, rdb, &QueueOptions{Tasks: tasks}), rdb, h
}

// waitUntil waits for cond, failing t after ten seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	rqtest.WaitFor(t, 10*time.Second, what, cond)
}

// lineLen is how many callers wait in line for the next write to q.
func lineLen(q *Queue) int {
	flights.Lock()
	defer flights.Unlock()
	n := 0
	f := flights.m[batchKey{rdb: q.c.rdb, queue: q.Name}]
	if f == nil {
		return 0
	}
	for _, w := range f.line {
		if w.state == lineWaiting {
			n++
		}
	}
	return n
}

// inFlight reports whether a write to q is in flight.
func inFlight(q *Queue) bool {
	flights.Lock()
	defer flights.Unlock()
	_, ok := flights.m[batchKey{rdb: q.c.rdb, queue: q.Name}]
	return ok
}

// oneWriteInFlight lets one write of a queue be in flight at once until t
// ends, as the tests of the line expect: they hold the first write and
// watch who waits for the next.
func oneWriteInFlight(t *testing.T) {
	flights.Lock()
	saved := maxWrites
	maxWrites = 1
	flights.Unlock()
	t.Cleanup(func() {
		flights.Lock()
		maxWrites = saved
		flights.Unlock()
	})
}

// holdWrites makes h hold its pipelines up to the held-th until release
// is called, and hands each later one to then (nil: sent as it is).
func holdWrites(h *writeCounter, held int64, then func(n int64) error) (release func()) {
	ch := make(chan struct{})
	h.gate = func(n int64) error {
		switch {
		case n <= held:
			<-ch
		case then != nil:
			return then(n)
		}
		return nil
	}
	return sync.OnceFunc(func() { close(ch) })
}

// holdFirstWrite makes h hold the first pipeline until release is called.
func holdFirstWrite(h *writeCounter) (release func()) { return holdWrites(h, 1, nil) }

// TestEnqueueAloneIsOneRoundTrip checks that a lone Enqueue makes one
// round trip, a transaction of its job's writes, and leaves nothing in
// flight.
func TestEnqueueAloneIsOneRoundTrip(t *testing.T) {
	q, _, h := batchSetup(t, "alone")
	ctx := context.Background()
	for i := range 10 {
		if _, err := q.Enqueue(ctx, "batch.noop", 0, i); err != nil {
			t.Fatal(err)
		}
	}
	if w, o := h.writes.Load(), h.others.Load(); w != 10 || o != 0 {
		t.Errorf("10 enqueues made %d transactions and %d other round trips, want 10 and 0", w, o)
	}
	if inFlight(q) {
		t.Error("a write is still in flight after the enqueues returned")
	}
}

// TestEnqueueWaitingCallersShareOneWrite holds the first write until 15
// other callers wait in line, and checks that they go in one transaction,
// each job in the queue in the order the callers came.
func TestEnqueueWaitingCallersShareOneWrite(t *testing.T) {
	q, _, h := batchSetup(t, "shared")
	oneWriteInFlight(t)
	release := holdFirstWrite(h)
	defer release()
	ctx := context.Background()
	ids := make([]string, 16)
	var wg sync.WaitGroup
	call := func(i int) {
		j, err := q.Enqueue(ctx, "batch.noop", 0, i)
		if err != nil {
			t.Error(err)
			return
		}
		ids[i] = j.ID
	}
	wg.Go(func() { call(0) })
	waitUntil(t, "the first write", func() bool { return h.writes.Load() == 1 })
	for i := 1; i < 16; i++ {
		wg.Go(func() { call(i) })
		waitUntil(t, fmt.Sprintf("caller %d in line", i), func() bool { return lineLen(q) == i })
	}
	release()
	wg.Wait()
	if w := h.writes.Load(); w != 2 {
		t.Errorf("16 jobs took %d transactions, want 2", w)
	}
	got, err := q.JobIDs(ctx, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("queue holds %v, want the callers' jobs in order %v", got, ids)
	}
	waitUntil(t, "no write in flight", func() bool { return !inFlight(q) })
}

// TestEnqueueTwoWritesInFlight holds the first two writes, each a lone
// caller's, and checks that both are in flight at once, that the next
// callers wait in line until one of them ends, and that they then go
// together in one write.
func TestEnqueueTwoWritesInFlight(t *testing.T) {
	q, _, h := batchSetup(t, "two")
	release := holdWrites(h, 2, nil)
	defer release()
	ctx := context.Background()
	var wg sync.WaitGroup
	call := func(i int) {
		if _, err := q.Enqueue(ctx, "batch.noop", 0, i); err != nil {
			t.Error(err)
		}
	}
	for i := range 2 {
		wg.Go(func() { call(i) })
		waitUntil(t, fmt.Sprintf("write %d in flight", i+1), func() bool { return h.writes.Load() == int64(i+1) })
	}
	for i := 2; i < 6; i++ {
		wg.Go(func() { call(i) })
		waitUntil(t, fmt.Sprintf("caller %d in line", i-1), func() bool { return lineLen(q) == i-1 })
	}
	release()
	wg.Wait()
	if w := h.writes.Load(); w != 3 {
		t.Errorf("6 jobs took %d transactions, want 3: two alone, then the four waiting together", w)
	}
	if n, err := q.Count(ctx); err != nil || n != 6 {
		t.Errorf("the queue holds %d jobs (%v), want 6", n, err)
	}
	waitUntil(t, "no write in flight", func() bool { return !inFlight(q) })
}

// TestEnqueueSixteenGoroutinesShareRoundTrips enqueues from 16 goroutines
// at once and checks that they needed far fewer round trips than jobs.
// With one write in flight, all but one of the callers wait for each
// write; with two (the default), how many share a write depends on the
// machine's speed, which BenchmarkEnqueueParallel16 reports.
func TestEnqueueSixteenGoroutinesShareRoundTrips(t *testing.T) {
	q, _, h := batchSetup(t, "sixteen")
	oneWriteInFlight(t)
	const goroutines, each = 16, 200
	enqueueFrom(t, []*Queue{q}, goroutines, each)
	w, o := h.writes.Load(), h.others.Load()
	t.Logf("%d jobs in %d transactions (%.3f round trips per job, %.2f commands per job), %d other round trips",
		goroutines*each, w, float64(w)/(goroutines*each), float64(h.writeCommands.Load())/(goroutines*each), o)
	if w*3 > goroutines*each {
		t.Errorf("%d jobs took %d transactions, want at most a third as many as jobs", goroutines*each, w)
	}
}

// TestEnqueueConcurrentJobsAllWrittenInOrder has 64 goroutines enqueue 200
// jobs each, on four queues (two Queue values for each name, which share
// writes), and checks that every job is in Redis once, in its queue, and
// that each goroutine's jobs are in its queue in the order it enqueued them.
func TestEnqueueConcurrentJobsAllWrittenInOrder(t *testing.T) {
	q, rdb, _ := batchSetup(t, "q0")
	var queues []*Queue
	for i := range 8 {
		queues = append(queues, NewQueue(fmt.Sprintf("q%d", i%4), rdb, &QueueOptions{Tasks: q.tasks}))
	}
	const goroutines, each = 64, 200
	ids := enqueueFrom(t, queues, goroutines, each)
	ctx := context.Background()
	where := map[string]int{} // job ID: its position in its queue
	for i := range 4 {
		got, err := queues[i].JobIDs(ctx, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		for pos, id := range got {
			if _, dup := where[id]; dup {
				t.Fatalf("job %s is queued twice", id)
			}
			where[id] = pos
		}
		if want := goroutines / 4 * each; len(got) != want {
			t.Errorf("queue %s holds %d jobs, want %d", queues[i].Name, len(got), want)
		}
	}
	for g, mine := range ids {
		checkGoroutineJobs(t, rdb, queues[g%len(queues)].Name, mine, where)
	}
}

// checkGoroutineJobs checks that the jobs of one goroutine, ids in the
// order it enqueued them, have their hash with queue as origin and come
// in that order in the queue (where gives each job's position).
func checkGoroutineJobs(t *testing.T, rdb *redis.Client, queue string, ids []string, where map[string]int) {
	t.Helper()
	cmds, err := rdb.Pipelined(context.Background(), func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.HGet(context.Background(), keys.Job(id), "origin")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for i, id := range ids {
		if origin := cmds[i].(*redis.StringCmd).Val(); origin != queue {
			t.Fatalf("job %s has origin %q, want %q", id, origin, queue)
		}
		pos, ok := where[id]
		if !ok || pos <= last {
			t.Fatalf("job %s of a goroutine on %s is at %d (queued: %t), after its previous job at %d", id, queue, pos, ok, last)
		}
		last = pos
	}
}

// enqueueFrom enqueues each jobs from goroutines goroutines at once, the
// goroutine g on queues[g%len(queues)], and returns the IDs of each
// goroutine's jobs in the order it enqueued them.
func enqueueFrom(t *testing.T, queues []*Queue, goroutines, each int) [][]string {
	t.Helper()
	ids := make([][]string, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			q := queues[g%len(queues)]
			<-start
			for i := range each {
				j, err := q.Enqueue(context.Background(), "batch.noop", g, i)
				if err != nil {
					t.Error(err)
					return
				}
				ids[g] = append(ids[g], j.ID)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}

// A taggedClient is a caller's own UniversalClient whose dynamic type is
// not comparable (a struct value with a map), so that it cannot key a
// shared write.
type taggedClient struct {
	*redis.Client
	tags map[string]string
}

// A client that cannot key a shared write still enqueues from many
// goroutines at once: each call writes its own job, one round trip each,
// and every job is queued.
func TestEnqueueIncomparableClientWritesAlone(t *testing.T) {
	q, rdb, h := batchSetup(t, "tagged")
	tagged := NewQueue("tagged", taggedClient{Client: rdb, tags: map[string]string{"app": "web"}}, &QueueOptions{Tasks: q.tasks})
	if tagged.shared {
		t.Fatal("a queue on a client that is not comparable shares writes")
	}
	const goroutines, each = 8, 50
	enqueueFrom(t, []*Queue{tagged}, goroutines, each)
	if w := h.writes.Load(); w != goroutines*each {
		t.Errorf("%d jobs took %d transactions, want one each", goroutines*each, w)
	}
	if n := rdb.LLen(context.Background(), keys.Queue("tagged")).Val(); n != goroutines*each {
		t.Errorf("%d jobs queued, want %d", n, goroutines*each)
	}
}
