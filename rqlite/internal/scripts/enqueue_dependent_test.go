package scripts

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// enqueueDependentArgs are the arguments that enqueue job id of queue q,
// depending on deps.
func enqueueDependentArgs(id, q string, deps ...string) EnqueueDependentArgs {
	a := EnqueueDependentArgs{Job: keys.Job(id), Queue: keys.Queue(q), AllQueues: keys.Queues,
		DeferredRegistry: keys.Deferred(q), Dependencies: keys.Dependencies(id), Dependents: keys.Dependents(id),
		JobID: id, DependencyCount: len(deps), DeferredScore: strconv.FormatInt(wire.Epoch(testNow), 10), NowTimestamp: wire.FormatTime(testNow),
		DependencyIDs: deps, Fields: []any{"origin", q, "description", "test.child()"}}
	for _, d := range deps {
		a.DependencyHashes = append(a.DependencyHashes, keys.Job(d))
		a.DependencyDependents = append(a.DependencyDependents, keys.Dependents(d))
	}
	return a
}

func TestRunEnqueueDependentDefers(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "p1", "default", "status", "finished")
	putJob(t, rdb, "p2", "default", "status", "started")
	reply, err := RunEnqueueDependent(ctx, rdb, enqueueDependentArgs("c", "default", "p1", "p2"))
	if err != nil || reply != (EnqueueDependentReply{Deferred: true}) {
		t.Fatalf("with p2 running: %+v, %v; want deferred", reply, err)
	}
	h := rdb.HGetAll(ctx, keys.Job("c")).Val()
	if h["status"] != "deferred" || h["origin"] != "default" || h["description"] != "test.child()" {
		t.Errorf("job hash %v, want deferred with its fields", h)
	}
	if !rdb.SIsMember(ctx, keys.Dependents("p2"), "c").Val() || rdb.SCard(ctx, keys.Dependencies("c")).Val() != 2 {
		t.Error("c is not registered as a dependent of p2, or lacks its two dependencies")
	}
	if _, err := rdb.ZScore(ctx, keys.Deferred("default"), "c").Result(); err != nil {
		t.Errorf("c is not in the deferred registry: %v", err)
	}
}

func TestRunEnqueueDependentQueues(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "p1", "default", "status", "failed")
	a := enqueueDependentArgs("c", "default", "p1")
	a.AllowFailures, a.TTL = true, 300
	reply, err := RunEnqueueDependent(ctx, rdb, a)
	if err != nil || reply != (EnqueueDependentReply{Queued: true}) {
		t.Fatalf("with p1 failed and failures allowed: %+v, %v; want queued", reply, err)
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); len(got) != 1 || got[0] != "c" {
		t.Errorf("queue %v, want [c]", got)
	}
	if ttl := rdb.TTL(ctx, keys.Job("c")).Val(); ttl <= 0 || ttl > 300*time.Second {
		t.Errorf("job TTL %v, want 300s", ttl)
	}
	// Without a TTL (sent as ''), the job keeps no expiry.
	putJob(t, rdb, "p2", "default", "status", "finished")
	if reply, err := RunEnqueueDependent(ctx, rdb, enqueueDependentArgs("d", "default", "p2")); err != nil || !reply.Queued {
		t.Fatalf("with p2 finished: %+v, %v; want queued", reply, err)
	}
	if ttl := rdb.TTL(ctx, keys.Job("d")).Val(); ttl != -1 {
		t.Errorf("job without a TTL expires in %v", ttl)
	}
}

func TestRunEnqueueDependentMissing(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "p1", "default", "status", "finished")
	reply, err := RunEnqueueDependent(ctx, rdb, enqueueDependentArgs("c", "default", "p1", "nope"))
	if err != nil || reply != (EnqueueDependentReply{MissingDependency: "nope"}) {
		t.Fatalf("with a missing dependency: %+v, %v; want it named", reply, err)
	}
	if n := rdb.Exists(ctx, keys.Job("c")).Val(); n != 0 {
		t.Error("the job was written despite its missing dependency")
	}
	a := enqueueDependentArgs("c", "default", "p1")
	a.DependencyCount = 2
	if _, err := RunEnqueueDependent(ctx, rdb, a); !errors.Is(err, ErrArgs) {
		t.Errorf("a count that does not match the lists: error %v, want ErrArgs", err)
	}
}
