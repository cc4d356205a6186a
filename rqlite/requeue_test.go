package rqlite_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// pyEmptyExcInfo is Python's zlib.compress of an empty byte string, what
// RQ 1.13 writes as the exc_info of a requeued job.
const pyEmptyExcInfo = "x\x9c\x03\x00\x00\x00\x00\x01"

func TestRequeueFailedJobs(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	withTTL, err := q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"a"}, TTL: 600 * time.Second, FailureTTL: 100 * time.Second})
	must(t, err)
	plain, err := q.Enqueue(b.ctx, "test.fail", "b")
	must(t, err)
	ok, err := q.Enqueue(b.ctx, "test.note", "c")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+withTTL.ID).Val(); ttl <= 0 || ttl > 100*time.Second {
		t.Fatalf("failed job TTL = %v, want its failure TTL, 100s", ttl)
	}
	failed := q.Registry(rqlite.Failed)

	// One failed job, one unknown ID, one job that did not fail.
	got, err := failed.Requeue(b.ctx, withTTL.ID, "nope", ok.ID)
	if !slices.Equal(got, []string{withTTL.ID}) {
		t.Errorf("requeued %v, want [%s]", got, withTTL.ID)
	}
	if !errors.Is(err, rqlite.ErrNoSuchJob) || err.Error() != "rqlite: no such job in the failed job registry of default: nope, job-3" {
		t.Errorf("err = %v", err)
	}
	h := b.hash(t, withTTL.ID)
	for f, want := range map[string]string{
		"status": "queued", "started_at": "", "ended_at": "", "exc_info": pyEmptyExcInfo,
		"enqueued_at": fixedTime, "origin": "default", "ttl": "600", "failure_ttl": "100",
	} {
		if h[f] != want {
			t.Errorf("%s = %q, want %q", f, h[f], want)
		}
	}
	if h["worker_name"] != "w1" || h["last_heartbeat"] == "" {
		t.Errorf("worker_name and last_heartbeat are kept, as RQ keeps them: %v", h)
	}
	// The failure TTL no longer applies; the job's ttl does again.
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+withTTL.ID).Val(); ttl <= 590*time.Second || ttl > 600*time.Second {
		t.Errorf("requeued job TTL = %v, want its ttl, 600s", ttl)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); !slices.Equal(ids, []string{withTTL.ID}) {
		t.Errorf("queue = %v", ids)
	}
	if ids := b.rdb.ZRange(b.ctx, "rq:failed:default", 0, -1).Val(); !slices.Equal(ids, []string{plain.ID}) {
		t.Errorf("failed registry = %v", ids)
	}
	if !b.rdb.SIsMember(b.ctx, "rq:queues", "rq:queue:default").Val() {
		t.Error("rq:queue:default is not in rq:queues")
	}
	if s, _ := ok.GetStatus(b.ctx); s != rqlite.StatusFinished || b.rdb.ZScore(b.ctx, "rq:finished:default", ok.ID).Err() != nil {
		t.Errorf("the finished job was touched: status %s", s)
	}

	// RequeueAll takes the rest; a job without ttl loses any expiry.
	got, err = failed.RequeueAll(b.ctx)
	if err != nil || !slices.Equal(got, []string{plain.ID}) {
		t.Errorf("RequeueAll = %v, %v", got, err)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+plain.ID).Val(); ttl != -1 {
		t.Errorf("requeued job without ttl: TTL %v, want none", ttl)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); !slices.Equal(ids, []string{withTTL.ID, plain.ID}) {
		t.Errorf("queue = %v", ids)
	}
	if n, _ := failed.Count(b.ctx); n != 0 {
		t.Errorf("%d jobs left in the failed registry", n)
	}
	if got, err := failed.RequeueAll(b.ctx); err != nil || len(got) != 0 {
		t.Errorf("RequeueAll of an empty registry = %v, %v", got, err)
	}

	// The worker runs them again, in queue order, and they fail again.
	w2, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, Name: "w2"})
	must(t, w2.Work(b.ctx))
	if got := strings.Join(r.got(), " "); got != "a b c a b" {
		t.Errorf("ran %s", got)
	}
	if n, _ := failed.Count(b.ctx); n != 2 {
		t.Errorf("failed count after the second run = %d, want 2", n)
	}
	if s, _ := withTTL.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("status after the second run = %s", s)
	}
}

func TestRequeueOnlyFromTheFailedRegistry(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	for _, kind := range []rqlite.RegistryKind{rqlite.Started, rqlite.Finished, rqlite.Deferred, rqlite.Scheduled, rqlite.Canceled} {
		reg := q.Registry(kind)
		want := fmt.Sprintf("rqlite: cannot requeue from the %s job registry of default: only failed jobs can be requeued", kind)
		if _, err := reg.Requeue(b.ctx, "x"); err == nil || err.Error() != want {
			t.Errorf("%s: Requeue error = %v", kind, err)
		}
		if _, err := reg.RequeueAll(b.ctx); err == nil || err.Error() != want {
			t.Errorf("%s: RequeueAll error = %v", kind, err)
		}
	}
	if got, err := q.Registry(rqlite.Failed).Requeue(b.ctx); err != nil || len(got) != 0 {
		t.Errorf("Requeue of no IDs = %v, %v", got, err)
	}
	if n := b.rdb.DBSize(b.ctx).Val(); n != 0 {
		t.Errorf("%d keys written", n)
	}
}

// failByHand writes a failed job as RQ leaves one, without running it.
func failByHand(t *testing.T, b *bundle, queue, id string) {
	t.Helper()
	must(t, b.rdb.HSet(b.ctx, "rq:job:"+id, "status", "failed", "origin", queue, "data", "x",
		"started_at", fixedTime, "ended_at", fixedTime, "timeout", "180").Err())
	must(t, b.rdb.Expire(b.ctx, "rq:job:"+id, time.Hour).Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:failed:"+queue, redis.Z{Score: float64(fixedNow.Unix() + 3600), Member: id}).Err())
}

func TestRequeueDanglingEntryIsRemoved(t *testing.T) {
	b := setup(t)
	q := b.queue("low")
	failByHand(t, b, "low", "here")
	must(t, b.rdb.ZAdd(b.ctx, "rq:failed:low", redis.Z{Score: float64(fixedNow.Unix() + 3600), Member: "gone"}).Err())
	got, err := q.Registry(rqlite.Failed).RequeueAll(b.ctx)
	if !slices.Equal(got, []string{"here"}) || !errors.Is(err, rqlite.ErrNoSuchJob) || !strings.HasSuffix(err.Error(), "of low: gone") {
		t.Errorf("RequeueAll = %v, %v", got, err)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:failed:low").Val(); n != 0 {
		t.Errorf("%d entries left in the failed registry", n)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:low", 0, -1).Val(); !slices.Equal(ids, []string{"here"}) {
		t.Errorf("queue = %v", ids)
	}
}

func TestRequeueGoesToTheJobsOrigin(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	// A job whose hash names another queue goes back there, as in RQ.
	failByHand(t, b, "default", "moved")
	must(t, b.rdb.HSet(b.ctx, "rq:job:moved", "origin", "high").Err())
	// A job without origin or timeout gets the registry's queue and the
	// default timeout, as RQ's enqueue_job gives them.
	failByHand(t, b, "default", "bare")
	must(t, b.rdb.HDel(b.ctx, "rq:job:bare", "origin", "timeout").Err())
	got, err := q.Registry(rqlite.Failed).Requeue(b.ctx, "moved", "bare")
	if err != nil || !slices.Equal(got, []string{"moved", "bare"}) {
		t.Fatalf("Requeue = %v, %v", got, err)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:high", 0, -1).Val(); !slices.Equal(ids, []string{"moved"}) {
		t.Errorf("queue high = %v", ids)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); !slices.Equal(ids, []string{"bare"}) {
		t.Errorf("queue default = %v", ids)
	}
	if h := b.rdb.HGetAll(b.ctx, "rq:job:bare").Val(); h["origin"] != "default" || h["timeout"] != "180" {
		t.Errorf("bare job = %v", h)
	}
	if m := b.rdb.SMembers(b.ctx, "rq:queues").Val(); len(m) != 2 {
		t.Errorf("rq:queues = %v", m)
	}
}

// A registry larger than one script run is requeued whole, in order.
func TestRequeueManyJobs(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	const n = 1234
	want := make([]string, n)
	_, err := b.rdb.Pipelined(b.ctx, func(p redis.Pipeliner) error {
		for i := range want {
			want[i] = fmt.Sprintf("j%04d", i)
			p.HSet(b.ctx, "rq:job:"+want[i], "status", "failed", "origin", "default", "timeout", "180")
			p.ZAdd(b.ctx, "rq:failed:default", redis.Z{Score: float64(fixedNow.Unix() + 60), Member: want[i]})
		}
		return nil
	})
	must(t, err)
	got, err := q.Registry(rqlite.Failed).RequeueAll(b.ctx)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("RequeueAll: %d IDs, %v", len(got), err)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); !slices.Equal(ids, want) {
		t.Errorf("queue has %d IDs, not in order", len(ids))
	}
}
