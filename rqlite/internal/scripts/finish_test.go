package scripts

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// start takes job id of queue q for worker w, as a worker does before
// running it.
func start(t *testing.T, ctx context.Context, rdb *redis.Client, w, q, id string) {
	t.Helper()
	reply, err := RunDequeue(ctx, rdb, dequeueArgs(w, q))
	if err != nil || reply.Job == nil || reply.Job.ID != id {
		t.Fatalf("dequeue: %+v, %v; want %s", reply, err, id)
	}
}

func TestRunFinish(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "parent", "default")
	putJob(t, rdb, "child", "default", "status", "deferred")
	rdb.SAdd(ctx, keys.Dependents("parent"), "child")
	rdb.SAdd(ctx, keys.Dependencies("child"), "parent")
	rdb.RPush(ctx, keys.Queue("default"), "parent")
	start(t, ctx, rdb, "w1", "default", "parent")

	a := finishArgs("w1", "default", "parent")
	a.FieldValue = "gAVLAS4="
	reply, err := RunFinish(ctx, rdb, a)
	if err != nil || reply.Enqueued != 1 || reply.Retried || reply.Next != (DequeueReply{}) {
		t.Fatalf("finish: %+v, %v; want one dependent enqueued", reply, err)
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); len(got) != 1 || got[0] != "child" {
		t.Errorf("queue %v, want [child]", got)
	}
	if s := rdb.HGet(ctx, keys.Job("parent"), "status").Val(); s != "finished" {
		t.Errorf("parent's status %q, want finished", s)
	}
	if w := rdb.HGetAll(ctx, keys.Worker("w1")).Val(); w["state"] != "idle" || w["successful_job_count"] != "1" {
		t.Errorf("worker hash %v, want idle with one success", w)
	}
	// Run again, as after a lost reply: nothing more is recorded.
	reply, err = RunFinish(ctx, rdb, a)
	if err != nil || reply.Enqueued != 0 || rdb.XLen(ctx, keys.Results("parent")).Val() != 1 {
		t.Errorf("second finish: %+v, %v; want nothing recorded twice", reply, err)
	}
}

func TestRunFinishRetriesAndTakesNext(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "j1", "default", "retries_left", "1")
	putJob(t, rdb, "j2", "default")
	rdb.RPush(ctx, keys.Queue("default"), "j1", "j2")
	start(t, ctx, rdb, "w1", "default", "j1")

	a := finishArgs("w1", "default", "j1")
	a.Status, a.Registry, a.StreamEntryType, a.StreamField = "failed", keys.Failed("default"), 2, "exc_string"
	a.WorkerCounter = "failed_job_count"
	a.TakeNext, a.Suspended, a.Queues = true, keys.Suspended, []string{keys.Queue("default")}
	reply, err := RunFinish(ctx, rdb, a)
	if err != nil || !reply.Retried || reply.Next.Job == nil || reply.Next.Job.ID != "j2" {
		t.Fatalf("finish: %+v, %v; want j1 retried and j2 taken", reply, err)
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); len(got) != 1 || got[0] != "j1" {
		t.Errorf("queue %v, want [j1] again", got)
	}

	a = finishArgs("w1", "default", "j2")
	a.TakeNext, a.Suspended, a.Queues = true, keys.Suspended, []string{keys.Queue("default")}
	rdb.Set(ctx, keys.Suspended, "1", 0)
	reply, err = RunFinish(ctx, rdb, a)
	if err != nil || !reply.Next.Suspended || reply.Next.Job != nil {
		t.Errorf("finish while suspended: %+v, %v; want suspended", reply, err)
	}
}

func TestRunFinishChecksTakeNext(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	a := finishArgs("w1", "default", "j1")
	a.TakeNext = true
	if _, err := RunFinish(ctx, rdb, a); !errors.Is(err, ErrArgs) {
		t.Errorf("TakeNext without Suspended: error %v, want ErrArgs", err)
	}
	a.TakeNext, a.Queues = false, []string{keys.Queue("default")}
	if _, err := RunFinish(ctx, rdb, a); !errors.Is(err, ErrArgs) {
		t.Errorf("Queues without TakeNext: error %v, want ErrArgs", err)
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Errorf("calls with bad arguments wrote %d keys", n)
	}
}
