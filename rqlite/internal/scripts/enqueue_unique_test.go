package scripts

import (
	"context"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// enqueueUniqueArgs are the arguments that write job id of queue q, sent
// where says.
func enqueueUniqueArgs(id, q, where string) EnqueueUniqueArgs {
	return EnqueueUniqueArgs{Job: keys.Job(id), Queue: keys.Queue(q), AllQueues: keys.Queues,
		ScheduledRegistry: keys.Scheduled(q), JobID: id, Where: where,
		Fields: []any{"status", "queued", "origin", q, "description", "test.unique()"}}
}

func TestRunEnqueueUniqueWritesOnce(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	a := enqueueUniqueArgs("u1", "default", UniqueBack)
	a.TTL = 300
	reply, err := RunEnqueueUnique(ctx, rdb, a)
	if err != nil || !reply.Written {
		t.Fatalf("first write: %+v, %v; want written", reply, err)
	}
	if h := rdb.HGetAll(ctx, keys.Job("u1")).Val(); h["status"] != "queued" || h["description"] != "test.unique()" {
		t.Errorf("job hash %v", h)
	}
	if ttl := rdb.TTL(ctx, keys.Job("u1")).Val().Seconds(); ttl <= 0 || ttl > 300 {
		t.Errorf("job hash ttl %v s, want up to 300", ttl)
	}
	a.Fields = []any{"status", "queued", "description", "changed"}
	a.Where = UniqueFront
	reply, err = RunEnqueueUnique(ctx, rdb, a)
	if err != nil || reply.Written {
		t.Fatalf("second write: %+v, %v; want refused", reply, err)
	}
	if got := rdb.HGet(ctx, keys.Job("u1"), "description").Val(); got != "test.unique()" {
		t.Errorf("the refused write changed the description to %q", got)
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); len(got) != 1 || got[0] != "u1" {
		t.Errorf("queue %v, want [u1] once", got)
	}
	if !rdb.SIsMember(ctx, keys.Queues, keys.Queue("default")).Val() {
		t.Error("the queue is not in rq:queues")
	}
}

func TestRunEnqueueUniqueFrontAndNowhere(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	for _, c := range []struct{ id, where string }{{"a", UniqueBack}, {"b", UniqueFront}, {"c", UniqueNowhere}} {
		if r, err := RunEnqueueUnique(ctx, rdb, enqueueUniqueArgs(c.id, "q", c.where)); err != nil || !r.Written {
			t.Fatalf("%s: %+v, %v", c.id, r, err)
		}
	}
	if got := rdb.LRange(ctx, keys.Queue("q"), 0, -1).Val(); len(got) != 2 || got[0] != "b" || got[1] != "a" {
		t.Errorf("queue %v, want [b a]", got)
	}
	if rdb.Exists(ctx, keys.Job("c")).Val() != 1 {
		t.Error("the job sent nowhere has no hash")
	}
}

func TestRunEnqueueUniqueSchedules(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	putJob(t, rdb, "old", "q", "status", "finished")
	dup := enqueueUniqueArgs("old", "q", UniqueScheduled)
	dup.ScheduledScore = 2000000000
	if r, err := RunEnqueueUnique(ctx, rdb, dup); err != nil || r.Written {
		t.Fatalf("scheduling an existing ID: %+v, %v; want refused", r, err)
	}
	// As RQ's UNIQUE_SCHEDULE_SCRIPT, a refused schedule leaves rq:queues
	// alone.
	if rdb.SIsMember(ctx, keys.Queues, keys.Queue("q")).Val() {
		t.Error("a refused schedule added the queue to rq:queues")
	}
	a := enqueueUniqueArgs("s1", "q", UniqueScheduled)
	a.ScheduledScore = 2000000000
	a.Fields[1] = "scheduled"
	if r, err := RunEnqueueUnique(ctx, rdb, a); err != nil || !r.Written {
		t.Fatalf("schedule: %+v, %v", r, err)
	}
	if s, err := rdb.ZScore(ctx, keys.Scheduled("q"), "s1").Result(); err != nil || s != 2000000000 {
		t.Errorf("scheduled score %v, %v", s, err)
	}
	if rdb.LLen(ctx, keys.Queue("q")).Val() != 0 || !rdb.SIsMember(ctx, keys.Queues, keys.Queue("q")).Val() {
		t.Error("a scheduled job was queued, or its queue is not in rq:queues")
	}
}

func TestRunEnqueueUniqueRefusesBadWhere(t *testing.T) {
	rdb := rqtest.New(t)
	if _, err := RunEnqueueUnique(context.Background(), rdb, enqueueUniqueArgs("x", "q", "Z")); err == nil {
		t.Fatal("a Where of Z was sent")
	}
	if rdb.Exists(context.Background(), keys.Job("x")).Val() != 0 {
		t.Error("the job was written")
	}
}

// A claim is created with the job it guards, or not at all: the first
// writer gets both; the next one, with a job of another ID, gets neither.
func TestRunEnqueueUniqueClaim(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	claim := keys.CronClaim("digest", "1000")
	for i, id := range []string{"first", "second"} {
		a := enqueueUniqueArgs(id, "q", UniqueBack)
		a.Claim, a.ClaimTTL, a.ClaimValue = claim, 60_000, "scheduler-"+id
		reply, err := RunEnqueueUnique(ctx, rdb, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := (EnqueueUniqueReply{Written: i == 0, Claimed: i == 1}); reply != want {
			t.Errorf("write %d: %+v, want %+v", i+1, reply, want)
		}
	}
	if got := rdb.LRange(ctx, keys.Queue("q"), 0, -1).Val(); len(got) != 1 || got[0] != "first" {
		t.Errorf("queue %v, want [first]", got)
	}
	if rdb.Exists(ctx, keys.Job("second")).Val() != 0 {
		t.Error("the second job's hash was written")
	}
	if v := rdb.Get(ctx, claim).Val(); v != "scheduler-first" {
		t.Errorf("claim %q, want scheduler-first", v)
	}
	if ttl := rdb.PTTL(ctx, claim).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("claim ttl %v, want up to a minute", ttl)
	}
	// A claim without its ttl is refused before it reaches Redis.
	a := enqueueUniqueArgs("third", "q", UniqueBack)
	a.Claim = claim
	if _, err := RunEnqueueUnique(ctx, rdb, a); err == nil {
		t.Error("a claim without a ttl was accepted")
	}
}
