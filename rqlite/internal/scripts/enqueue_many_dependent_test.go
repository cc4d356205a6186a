package scripts

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// manyDependentArgs are the arguments that write, into queue q: x on p1
// (finished), y on p2 (started), z on x, in both lists of ARGV.
func manyDependentArgs() EnqueueManyDependentArgs {
	job := func(id string, deps ...string) ManyDependentJob {
		return ManyDependentJob{ID: id, DeferredScore: "+inf", DependencyIDs: deps, Fields: []any{"origin", "q", "description", id + "()"}}
	}
	return NewEnqueueManyDependentArgs(keys.Queue("q"), keys.Deferred("q"), "2026-11-27T09:33:38.094805Z",
		[]ManyDependentJob{job("x", "p1"), job("y", "p2"), job("z", "x")})
}

func TestRunEnqueueManyDependent(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "p1", "q", "status", "finished")
	putJob(t, rdb, "p2", "q", "status", "started")
	reply, err := RunEnqueueManyDependent(ctx, rdb, manyDependentArgs())
	if err != nil || fmt.Sprint(reply.Queued) != "[true false false]" {
		t.Fatalf("reply %+v, %v; want x queued, y and z deferred", reply, err)
	}
	for id, want := range map[string]string{"x": "queued", "y": "deferred", "z": "deferred"} {
		if h := rdb.HGetAll(ctx, keys.Job(id)).Val(); h["status"] != want || h["description"] != id+"()" {
			t.Errorf("%s: %v, want %s", id, h, want)
		}
	}
	if got := rdb.LRange(ctx, keys.Queue("q"), 0, -1).Val(); fmt.Sprint(got) != "[x]" {
		t.Errorf("queue %v, want [x]", got)
	}
	// The queued job has left the deferred registry, as in RQ 2.10, and
	// every job is in its dependencies' dependents sets, as in RQ.
	if got := rdb.ZRange(ctx, keys.Deferred("q"), 0, -1).Val(); fmt.Sprint(got) != "[y z]" || !rdb.SIsMember(ctx, keys.Dependents("p1"), "x").Val() {
		t.Errorf("deferred registry %v, want [y z], or x is not p1's dependent", got)
	}
}

func TestPipeEnqueueManyDependent(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "p1", "q", "status", "finished")
	var read func() (EnqueueManyDependentReply, error)
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		var err error
		read, err = PipeEnqueueManyDependent(ctx, p, manyDependentArgs())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// p2 does not exist: RQ counts it as met.
	if reply, err := read(); err != nil || fmt.Sprint(reply.Queued) != "[true true false]" {
		t.Errorf("reply %+v, %v; want x and y queued", reply, err)
	}
}

func TestEnqueueManyDependentChecksRecords(t *testing.T) {
	a := manyDependentArgs()
	a.JobCount = 4
	if _, err := RunEnqueueManyDependent(context.Background(), rqtest.New(t), a); !errors.Is(err, ErrArgs) {
		t.Errorf("a JobCount of 4 for 3 jobs: %v, want ErrArgs", err)
	}
	a = manyDependentArgs()
	a.Records = a.Records[:len(a.Records)-1]
	if _, err := PipeEnqueueManyDependent(context.Background(), nil, a); !errors.Is(err, ErrArgs) {
		t.Errorf("a record cut short: %v, want ErrArgs", err)
	}
}
