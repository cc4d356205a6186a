package scripts

import (
	"context"
	"slices"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// These tests check how the wrappers of the smaller scripts read their
// replies; the rqlite package tests what their callers make of them.

func TestRunReleaseLock(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	rdb.Set(ctx, "lock", "mine", 0)
	if r, err := RunReleaseLock(ctx, rdb, ReleaseLockArgs{Lock: "lock", Value: "theirs"}); err != nil || r.Released {
		t.Errorf("someone else's lock: %+v, %v; want it kept", r, err)
	}
	if r, err := RunReleaseLock(ctx, rdb, ReleaseLockArgs{Lock: "lock", Value: "mine"}); err != nil || !r.Released {
		t.Errorf("own lock: %+v, %v; want it released", r, err)
	}
	if n := rdb.Exists(ctx, "lock").Val(); n != 0 {
		t.Error("the lock is still there")
	}
}

func TestRunCancel(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "j1", "default")
	rdb.RPush(ctx, keys.Queue("default"), "j1")
	a := CancelArgs{Job: keys.Job("j1"), JobID: "j1", NowEpoch: wire.Epoch(testNow), NowTimestamp: wire.FormatTime(testNow)}
	want := []CancelReply{{}, {AlreadyCanceled: true}}
	for i, w := range want {
		if r, err := RunCancel(ctx, rdb, a); err != nil || r != w {
			t.Errorf("cancel %d: %+v, %v; want %+v", i+1, r, err, w)
		}
	}
	if n := rdb.LLen(ctx, keys.Queue("default")).Val(); n != 0 || !slices.Equal(rdb.ZRange(ctx, keys.Canceled("default"), 0, -1).Val(), []string{"j1"}) {
		t.Error("the canceled job is still queued, or not in the canceled registry")
	}
	a.Job, a.JobID = keys.Job("nope"), "nope"
	if r, err := RunCancel(ctx, rdb, a); err != nil || !r.NoJob {
		t.Errorf("cancel a missing job: %+v, %v; want NoJob", r, err)
	}
}

func TestRunRequeue(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "here", "default", "status", "failed")
	for _, id := range []string{"here", "gone"} {
		rdb.ZAdd(ctx, keys.Failed("default"), redisZ(id))
	}
	r, err := RunRequeue(ctx, rdb, RequeueArgs{FailedRegistry: keys.Failed("default"), AllQueues: keys.Queues,
		NowTimestamp: wire.FormatTime(testNow), EmptyExcInfo: "x", Queue: "default", DefaultTimeout: 180,
		JobIDs: []string{"gone", "nope", "here"}})
	if err != nil || !slices.Equal(r.Outcomes, []RequeueOutcome{JobGone, NotInRegistry, Requeued}) {
		t.Fatalf("requeue: %+v, %v; want gone, not in the registry, requeued", r, err)
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); !slices.Equal(got, []string{"here"}) {
		t.Errorf("queue %v, want [here]", got)
	}
}

func TestRunEmptyAndEnqueueScheduled(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	for _, id := range []string{"a", "b", "c"} {
		putJob(t, rdb, id, "default", "status", "scheduled")
		rdb.ZAdd(ctx, keys.Scheduled("default"), redisZ(id))
	}
	a := EnqueueScheduledArgs{ScheduledRegistry: keys.Scheduled("default"), Queue: keys.Queue("default"),
		NowEpoch: wire.Epoch(testNow), NowTimestamp: wire.FormatTime(testNow), Limit: 2}
	if r, err := RunEnqueueScheduled(ctx, rdb, a); err != nil || r.Queued != 2 {
		t.Errorf("enqueue scheduled, at most 2: %+v, %v", r, err)
	}
	rdb.SAdd(ctx, keys.Dependents("a"), "x")
	if r, err := RunEmpty(ctx, rdb, EmptyArgs{Queue: keys.Queue("default")}); err != nil || r.Removed != 2 {
		t.Errorf("empty: %+v, %v; want 2 removed", r, err)
	}
	if n := rdb.Exists(ctx, keys.Job("a"), keys.Dependents("a"), keys.Job("c")).Val(); n != 1 {
		t.Errorf("%d of a's hash and dependents and c's hash left, want only c's", n)
	}
}
