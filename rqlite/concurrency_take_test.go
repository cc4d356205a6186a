package rqlite

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestConcurrencyTakePopped covers a job that a worker popped before it
// knew of a limit (BLMOVE into the intermediate list on one queue, BLPOP on
// several) and whose limit is full: the dequeue script puts it back first
// in its queue, out of the intermediate list, and reports the queue held;
// once the slot is free, it is the job taken. A task limit needs the job's
// task name, which the worker reads from the job's data.
func TestConcurrencyTakePopped(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	tasks, ids := enqueueNoops(t, rdb, 3)
	qkey := keys.Queue("default")
	if err := SetConcurrencyLimit(ctx, rdb, LimitQueue, "default", 1); err != nil {
		t.Fatal(err)
	}
	rdb.ZAdd(ctx, keys.QueueSlots("default"), redis.Z{Score: 1e12, Member: "holder"})
	for _, queues := range [][]string{{"default"}, {"default", "other"}} {
		w, err := NewWorker(rdb, queues, &WorkerOptions{Tasks: tasks,
			Logger: &Logger{Out: io.Discard, Err: io.Discard, Level: LevelError}})
		if err != nil {
			t.Fatal(err)
		}
		// As BLMOVE or BLPOP took it.
		if len(queues) == 1 {
			rdb.LMove(ctx, qkey, keys.Intermediate("default"), "LEFT", "RIGHT")
		} else {
			rdb.LPop(ctx, qkey)
		}
		d, err := w.fetch.take(ctx, qkey, ids[0])
		if d != nil || err != nil {
			t.Fatalf("%v: took %+v, %v while the slot is held", queues, d, err)
		}
		if got := rdb.LRange(ctx, qkey, 0, -1).Val(); strings.Join(got, " ") != strings.Join(ids, " ") {
			t.Errorf("%v: queue %v, want %v", queues, got, ids)
		}
		if n := rdb.LLen(ctx, keys.Intermediate("default")).Val(); n != 0 {
			t.Errorf("%v: %d jobs in the intermediate list", queues, n)
		}
		if b := w.fetch.limits.blocked; len(b) != 1 || b[0] != qkey || !w.fetch.limits.active {
			t.Errorf("%v: held queues %v (limits seen: %v), want [%s]", queues, b, w.fetch.limits.active, qkey)
		}
	}
	// A worker of a queue without a limit waits as ever, popping.
	free, err := NewWorker(rdb, []string{"other"}, &WorkerOptions{Tasks: tasks,
		Logger: &Logger{Out: io.Discard, Err: io.Discard, Level: LevelError}})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := free.fetch.take(ctx, "", ""); d != nil || err != nil || free.fetch.limits.active {
		t.Errorf("a worker of an unlimited queue: took %+v, %v; limits seen: %v", d, err, free.fetch.limits.active)
	}
	// The queue's slot is free; the task's limit is full.
	rdb.ZRem(ctx, keys.QueueSlots("default"), "holder")
	if err := SetConcurrencyLimit(ctx, rdb, LimitTask, "take.noop", 1); err != nil {
		t.Fatal(err)
	}
	rdb.ZAdd(ctx, keys.TaskSlots("take.noop"), redis.Z{Score: 1e12, Member: "holder"})
	w, err := NewWorker(rdb, []string{"default"}, &WorkerOptions{Tasks: tasks,
		Logger: &Logger{Out: io.Discard, Err: io.Discard, Level: LevelError}})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := w.fetch.take(ctx, "", ""); d != nil || err != nil || w.fetch.limits.funcs[ids[0]] != "take.noop" {
		t.Fatalf("took %+v, %v, task names %v; want nothing, and take.noop read for %s", d, err, w.fetch.limits.funcs, ids[0])
	}
	rdb.ZRem(ctx, keys.TaskSlots("take.noop"), "holder")
	d, err := w.fetch.take(ctx, "", "")
	if err != nil || d == nil || d.id != ids[0] {
		t.Fatalf("took %+v, %v; want %s", d, err, ids[0])
	}
	if h := rdb.HGet(ctx, keys.LimitHolders, ids[0]).Val(); h != "take.noop" {
		t.Errorf("holder of the task slot: %q, want take.noop", h)
	}
	for _, k := range []string{keys.QueueSlots("default"), keys.TaskSlots("take.noop")} {
		if got := rdb.ZRange(ctx, k, 0, -1).Val(); len(got) != 1 || got[0] != ids[0] {
			t.Errorf("%s holds %v, want [%s]", k, got, ids[0])
		}
	}
}
