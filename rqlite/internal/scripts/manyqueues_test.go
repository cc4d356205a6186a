package scripts

import (
	"context"
	"fmt"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// manyQueues is more queues than a Lua unpack can pass (LUAI_MAXCSTACK is
// 8000 in Redis's Lua): the scripts must read such lists without it.
const manyQueues = 10000

func queueNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("q%05d", i)
	}
	return names
}

// TestDequeueOverManyQueues takes a job from the last of 10,000 queues.
func TestDequeueOverManyQueues(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	names := queueNames(manyQueues)
	last := names[len(names)-1]
	putJob(t, rdb, "j1", last)
	rdb.RPush(ctx, keys.Queue(last), "j1")
	reply, err := RunDequeue(ctx, rdb, dequeueArgs("w1", names...))
	if err != nil {
		t.Fatalf("dequeue over %d queues: %v", manyQueues, err)
	}
	if reply.Suspended || reply.Job == nil || reply.Job.ID != "j1" || reply.Job.Queue != last {
		t.Fatalf("dequeue over %d queues: %+v, want job j1 of %s", manyQueues, reply, last)
	}
	if _, err := rdb.ZScore(ctx, keys.Started(last), "j1").Result(); err != nil {
		t.Errorf("j1 is not in the started registry of %s: %v", last, err)
	}
	if n := rdb.LLen(ctx, keys.Queue(last)).Val(); n != 0 {
		t.Errorf("%s still holds %d jobs", last, n)
	}
}

// TestFinishTakesNextOverManyQueues records a job's end and takes the next
// one from the last of 10,000 queues in the same call.
func TestFinishTakesNextOverManyQueues(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	names := queueNames(manyQueues)
	first, last := names[0], names[len(names)-1]
	putJob(t, rdb, "j1", first)
	putJob(t, rdb, "j2", last)
	rdb.RPush(ctx, keys.Queue(first), "j1")
	rdb.RPush(ctx, keys.Queue(last), "j2")
	if reply, err := RunDequeue(ctx, rdb, dequeueArgs("w1", first)); err != nil || reply.Job == nil || reply.Job.ID != "j1" {
		t.Fatalf("dequeue: %+v, %v; want j1", reply, err)
	}
	a := finishArgs("w1", first, "j1")
	a.TakeNext, a.Suspended = true, keys.Suspended
	for _, q := range names {
		a.Queues = append(a.Queues, keys.Queue(q))
	}
	reply, err := RunFinish(ctx, rdb, a)
	if err != nil {
		t.Fatalf("finish over %d queues: %v", manyQueues, err)
	}
	if next := reply.Next.Job; next == nil || next.ID != "j2" || next.Queue != last || next.Hash["status"] != "started" {
		t.Fatalf("finish over %d queues took %+v, want j2 of %s, started", manyQueues, next, last)
	}
	if _, err := rdb.ZScore(ctx, keys.Finished(first), "j1").Result(); err != nil {
		t.Errorf("j1 is not in the finished registry: %v", err)
	}
}
