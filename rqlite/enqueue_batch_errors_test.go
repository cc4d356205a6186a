package rqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A callResult is what an Enqueue call returned.
type callResult struct {
	job *Job
	err error
}

// lineUp starts a lone Enqueue on q whose write h holds, then each call in
// turn, waiting for it to be in line (with inLine false: not waiting, as
// it may return without joining the line). It returns the lone caller's
// result and the calls', each received once the call returns.
func lineUp(t *testing.T, q *Queue, h *writeCounter, calls []func() (*Job, error), inLine []bool) (first <-chan callResult, outs []chan callResult) {
	t.Helper()
	oneWriteInFlight(t)
	start := func(call func() (*Job, error)) chan callResult {
		ch := make(chan callResult, 1)
		go func() {
			j, err := call()
			ch <- callResult{j, err}
		}()
		return ch
	}
	first = start(func() (*Job, error) { return q.Enqueue(context.Background(), "batch.noop", 0, 0) })
	waitUntil(t, "the first write", func() bool { return h.writes.Load() == 1 })
	n := 0
	for i, call := range calls {
		outs = append(outs, start(call))
		if inLine[i] {
			n++
			waitUntil(t, fmt.Sprintf("call %d in line", i+1), func() bool { return lineLen(q) == n })
		}
	}
	return first, outs
}

// receive waits for an callResult, failing t after ten seconds.
func receive(t *testing.T, what string, ch <-chan callResult) callResult {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s to return", what)
	}
	return callResult{}
}

// enqueueID enqueues the no-op job with the given ID on q.
func enqueueID(ctx context.Context, q *Queue, id string) func() (*Job, error) {
	return func() (*Job, error) {
		return q.EnqueueCall(ctx, "batch.noop", &EnqueueOptions{Args: []any{0, 1}, JobID: id})
	}
}

// jobExists reports whether the hash of job id is in Redis.
func jobExists(t *testing.T, rdb *redis.Client, id string) bool {
	t.Helper()
	n, err := rdb.Exists(context.Background(), keys.Job(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestEnqueueSharedWriteCommandErrorGoesToItsCaller puts a job whose hash
// key holds a string (HSET fails with WRONGTYPE) in one transaction with
// two others: its caller alone gets the error; the others are written.
func TestEnqueueSharedWriteCommandErrorGoesToItsCaller(t *testing.T) {
	q, rdb, h := batchSetup(t, "clash")
	ctx := context.Background()
	if err := rdb.Set(ctx, keys.Job("clash"), "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	release := holdFirstWrite(h)
	defer release()
	first, outs := lineUp(t, q, h, []func() (*Job, error){enqueueID(ctx, q, "b"), enqueueID(ctx, q, "clash"), enqueueID(ctx, q, "d")},
		[]bool{true, true, true})
	release()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	var redisErr redis.Error
	if o := receive(t, "the clashing call", outs[1]); !errors.As(o.err, &redisErr) || o.job != nil {
		t.Errorf("the clashing call returned %v, %v; want a Redis reply error and no job", o.job, o.err)
	}
	for i, id := range map[int]string{0: "b", 2: "d"} {
		if o := receive(t, id, outs[i]); o.err != nil || o.job.ID != id || !jobExists(t, rdb, id) {
			t.Errorf("the call of %s, in the same write, returned %v, %v", id, o.job, o.err)
		}
	}
	if w := h.writes.Load(); w != 2 {
		t.Errorf("%d transactions, want 2", w)
	}
}

// TestEnqueueFailedWriteFailsEachOfItsCallers fails the second
// transaction, which holds three callers' jobs, in a hook: each of them
// gets the error, none of the jobs is written, and the next write works.
func TestEnqueueFailedWriteFailsEachOfItsCallers(t *testing.T) {
	q, rdb, h := batchSetup(t, "failed")
	ctx := context.Background()
	injected := errors.New("injected failure of the second write")
	release := holdWrites(h, 1, func(n int64) error {
		if n == 2 {
			return injected
		}
		return nil
	})
	defer release()
	ids := []string{"b", "c", "d"}
	first, outs := lineUp(t, q, h, []func() (*Job, error){enqueueID(ctx, q, "b"), enqueueID(ctx, q, "c"), enqueueID(ctx, q, "d")},
		[]bool{true, true, true})
	release()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	for i, id := range ids {
		if o := receive(t, id, outs[i]); !errors.Is(o.err, injected) || o.job != nil || jobExists(t, rdb, id) {
			t.Errorf("the call of %s returned %v, %v (written: %t); want the injected error and nothing written",
				id, o.job, o.err, jobExists(t, rdb, id))
		}
	}
	if _, err := enqueueID(ctx, q, "e")(); err != nil || !jobExists(t, rdb, "e") {
		t.Errorf("the next enqueue returned %v", err)
	}
	if n, err := q.Count(ctx); err != nil || n != 2 {
		t.Errorf("the queue holds %d jobs (%v), want the first and the last", n, err)
	}
}

// TestEnqueueEncodingErrorStaysWithItsCaller enqueues a job whose
// argument cannot be encoded while a write is in flight: its caller gets
// the encoder's error at once, without joining the line, and the callers
// in line are written.
func TestEnqueueEncodingErrorStaysWithItsCaller(t *testing.T) {
	q, rdb, h := batchSetup(t, "encoding")
	ctx := context.Background()
	if err := q.tasks.Register("batch.any", func(v any) {}, "v"); err != nil {
		t.Fatal(err)
	}
	release := holdFirstWrite(h)
	defer release()
	bad := func() (*Job, error) { return q.Enqueue(ctx, "batch.any", make(chan int)) }
	first, outs := lineUp(t, q, h, []func() (*Job, error){enqueueID(ctx, q, "b"), bad, enqueueID(ctx, q, "d")},
		[]bool{true, false, true})
	var unsupported *json.UnsupportedTypeError
	if o := receive(t, "the bad call", outs[1]); !errors.As(o.err, &unsupported) || o.job != nil {
		t.Errorf("the bad call returned %v, %v; want the encoder's error", o.job, o.err)
	}
	release()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	for i, id := range map[int]string{0: "b", 2: "d"} {
		if o := receive(t, id, outs[i]); o.err != nil || !jobExists(t, rdb, id) {
			t.Errorf("the call of %s returned %v", id, o.err)
		}
	}
	if n, err := q.Count(ctx); err != nil || n != 3 {
		t.Errorf("the queue holds %d jobs (%v), want 3", n, err)
	}
}

// TestEnqueueCancelledInLineIsNotWritten cancels a caller waiting in line:
// it returns the context's error while the write in flight is still held,
// and its job is never written.
func TestEnqueueCancelledInLineIsNotWritten(t *testing.T) {
	q, rdb, h := batchSetup(t, "cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := holdFirstWrite(h)
	defer release()
	first, outs := lineUp(t, q, h, []func() (*Job, error){enqueueID(ctx, q, "left")}, []bool{true})
	cancel()
	if o := receive(t, "the cancelled call", outs[0]); !errors.Is(o.err, context.Canceled) || o.job != nil {
		t.Errorf("the cancelled call returned %v, %v; want context.Canceled", o.job, o.err)
	}
	release()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	waitUntil(t, "no write in flight", func() bool { return !inFlight(q) })
	if w := h.writes.Load(); w != 1 || jobExists(t, rdb, "left") {
		t.Errorf("%d transactions, the cancelled job written: %t; want 1 and false", w, jobExists(t, rdb, "left"))
	}
	if n, err := q.Count(context.Background()); err != nil || n != 1 {
		t.Errorf("the queue holds %d jobs (%v), want 1", n, err)
	}
}

// TestEnqueueCancelledInFlightLearnsTheOutcome cancels two callers whose
// jobs are in the transaction being sent (the first sends it, the second
// waits): each call still returns its job, written, not the context's
// error.
func TestEnqueueCancelledInFlightLearnsTheOutcome(t *testing.T) {
	q, rdb, h := batchSetup(t, "inflight")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hold1, hold2 := make(chan struct{}), make(chan struct{})
	release1, release2 := sync.OnceFunc(func() { close(hold1) }), sync.OnceFunc(func() { close(hold2) })
	defer release1()
	defer release2()
	h.gate = func(n int64) error {
		switch n {
		case 1:
			<-hold1
		case 2:
			<-hold2
		}
		return nil
	}
	first, outs := lineUp(t, q, h, []func() (*Job, error){enqueueID(ctx, q, "sent"), enqueueID(ctx, q, "other")},
		[]bool{true, true})
	release1()
	waitUntil(t, "the second write", func() bool { return h.writes.Load() == 2 })
	cancel()
	release2()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	for i, id := range []string{"sent", "other"} {
		if o := receive(t, id, outs[i]); o.err != nil || o.job.ID != id || !jobExists(t, rdb, id) {
			t.Errorf("the call of %s returned %v, %v; want its job, written", id, o.job, o.err)
		}
	}
}

// errHookPanic is what the hook of TestEnqueuePanicInSharedWrite panics
// with.
var errHookPanic = errors.New("hook panic")

// TestEnqueuePanicInSharedWrite makes a hook panic in the caller that
// sends the second transaction, as a handler's panic that net/http
// recovers: that caller panics, the others of its write get
// ErrSharedWritePanicked, and the enqueues after it are not stuck.
func TestEnqueuePanicInSharedWrite(t *testing.T) {
	q, rdb, h := batchSetup(t, "panic")
	ctx := context.Background()
	release := holdWrites(h, 1, func(n int64) error {
		if n == 2 {
			panic(errHookPanic)
		}
		return nil
	})
	defer release()
	recovering := func() (j *Job, err error) {
		defer func() {
			if r := recover(); r != nil {
				err, _ = r.(error)
			}
		}()
		return enqueueID(ctx, q, "b")()
	}
	first, outs := lineUp(t, q, h, []func() (*Job, error){recovering, enqueueID(ctx, q, "c"), enqueueID(ctx, q, "d")},
		[]bool{true, true, true})
	release()
	if o := receive(t, "the first call", first); o.err != nil {
		t.Fatal(o.err)
	}
	if o := receive(t, "the sender", outs[0]); !errors.Is(o.err, errHookPanic) {
		t.Errorf("the call that sent the write returned %v, %v; want its panic", o.job, o.err)
	}
	for i, id := range []string{"c", "d"} {
		if o := receive(t, id, outs[i+1]); !errors.Is(o.err, ErrSharedWritePanicked) {
			t.Errorf("the call of %s returned %v, %v; want ErrSharedWritePanicked", id, o.job, o.err)
		}
	}
	if _, err := enqueueID(ctx, q, "e")(); err != nil || !jobExists(t, rdb, "e") {
		t.Errorf("the next enqueue returned %v", err)
	}
	waitUntil(t, "no write in flight", func() bool { return !inFlight(q) })
}
