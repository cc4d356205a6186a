package scripts

import (
	"context"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

func TestRunDequeueEmptyOrSuspended(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	reply, err := RunDequeue(ctx, rdb, dequeueArgs("w1", "high", "low"))
	if err != nil || reply.Suspended || reply.Job != nil {
		t.Fatalf("empty queues: %+v, %v; want no job", reply, err)
	}
	putJob(t, rdb, "j1", "low", "timeout", "5")
	rdb.RPush(ctx, keys.Queue("low"), "j1")
	rdb.Set(ctx, keys.Suspended, "1", 0)
	reply, err = RunDequeue(ctx, rdb, dequeueArgs("w1", "high", "low"))
	if err != nil || !reply.Suspended || reply.Job != nil {
		t.Fatalf("suspended: %+v, %v; want suspended", reply, err)
	}
}

func TestRunDequeueTakesJob(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "j1", "low", "timeout", "5")
	rdb.RPush(ctx, keys.Queue("low"), "j1")
	reply, err := RunDequeue(ctx, rdb, dequeueArgs("w1", "high", "low"))
	if err != nil || reply.Job == nil {
		t.Fatalf("a job in low: %+v, %v", reply, err)
	}
	if j := reply.Job; j.ID != "j1" || j.Queue != "low" {
		t.Errorf("took job %s of %s, want j1 of low", j.ID, j.Queue)
	}
	now := wire.FormatTime(testNow)
	want := map[string]string{"status": "started", "worker_name": "w1", "started_at": now, "timeout": "5", "origin": "low"}
	for f, v := range want {
		if got := reply.Job.Hash[f]; got != v {
			t.Errorf("taken job's %s is %q, want %q", f, got, v)
		}
	}
	// A job with a timeout of 5 seconds is watched for 5 + 60 seconds.
	if score := rdb.ZScore(ctx, keys.Started("low"), "j1").Val(); score != float64(wire.Epoch(testNow)+65) {
		t.Errorf("started registry score %v, want now + 65", score)
	}
	if w := rdb.HGetAll(ctx, keys.Worker("w1")).Val(); w["state"] != "busy" || w["current_job"] != "j1" {
		t.Errorf("worker hash %v, want busy with j1", w)
	}
}

// TestRunDequeuePopped starts a job that BLPOP has popped, and answers no
// job when that job is gone.
func TestRunDequeuePopped(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "j1", "default")
	a := dequeueArgs("w1", "default")
	a.PoppedID, a.Sync = "j1", true
	reply, err := RunDequeue(ctx, rdb, a)
	if err != nil || reply.Job == nil || reply.Job.ID != "j1" || reply.Job.Queue != "default" {
		t.Fatalf("popped j1: %+v, %v", reply, err)
	}
	if n := rdb.Exists(ctx, keys.Worker("w1")).Val(); n != 0 {
		t.Error("a synchronous run wrote the worker hash")
	}
	a.PoppedID = "gone"
	reply, err = RunDequeue(ctx, rdb, a)
	if err != nil || reply.Job != nil || reply.Suspended {
		t.Errorf("popped job gone: %+v, %v; want no job", reply, err)
	}
}
