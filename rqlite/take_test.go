package rqlite

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	"github.com/redis/go-redis/v9"
)

// TestFinishTakesNextOnce checks the call that records a job's outcome and
// takes the worker's next job: run twice, as when its reply is lost with a
// dropped connection and the call is tried again, it records the outcome
// once and returns the same next job, without taking a third.
func TestFinishTakesNextOnce(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	tasks, ids := enqueueNoops(t, rdb, 3)
	w, err := NewWorker(rdb, []string{"default"}, &WorkerOptions{Tasks: tasks,
		Logger: &Logger{Out: io.Discard, Err: io.Discard, Level: LevelError}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.registerBirth(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := w.fetch.take(ctx, "", "")
	if err != nil || first == nil || first.id != ids[0] {
		t.Fatalf("take = %+v, %v; want job %s", first, err, ids[0])
	}
	until := time.Now().Add(time.Hour)
	var nexts []*dequeued
	for range 2 {
		w.finish(ctx, first, record{status: StatusFinished, ttl: 500, streamTTL: true, rtype: ResultSuccessful,
			field: "return_value", counter: "successful_job_count", elapsed: time.Millisecond}, until)
		next := w.fetch.prefetched()
		if next == nil {
			t.Fatal("finish took no next job")
		}
		nexts = append(nexts, next)
	}
	for i, n := range nexts {
		if n.id != ids[1] || n.queue != "default" || n.hash["status"] != "started" || n.hash["worker_name"] != w.name {
			t.Errorf("call %d: next job %s in %q, status %q, worker %q; want %s started by %s",
				i+1, n.id, n.queue, n.hash["status"], n.hash["worker_name"], ids[1], w.name)
		}
	}
	if got := rdb.LRange(ctx, keys.Queue("default"), 0, -1).Val(); len(got) != 1 || got[0] != ids[2] {
		t.Errorf("queue holds %v, want [%s]", got, ids[2])
	}
	if n := rdb.XLen(ctx, keys.Results(ids[0])).Val(); n != 1 {
		t.Errorf("results stream of the finished job has %d entries, want 1", n)
	}
	if got := rdb.ZRange(ctx, keys.Finished("default"), 0, -1).Val(); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("finished registry %v, want [%s]", got, ids[0])
	}
	if got := rdb.ZRange(ctx, keys.Started("default"), 0, -1).Val(); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("started registry %v, want [%s]", got, ids[1])
	}
	wk := rdb.HGetAll(ctx, w.Key()).Val()
	if wk["successful_job_count"] != "1" || wk["current_job"] != ids[1] || wk["state"] != "busy" {
		t.Errorf("worker hash: count %q, current job %q, state %q; want 1, %s, busy",
			wk["successful_job_count"], wk["current_job"], wk["state"], ids[1])
	}
	job := rdb.HGetAll(ctx, keys.Job(ids[1])).Val()
	for _, f := range []string{"status", "started_at", "last_heartbeat", "worker_name"} {
		if job[f] != nexts[0].hash[f] {
			t.Errorf("next job's %s: %q in Redis, %q in the reply", f, job[f], nexts[0].hash[f])
		}
	}
}

// enqueueNoops registers the task take.noop and enqueues n calls of it in
// queue default, returning the tasks, the queue and the jobs' IDs.
func enqueueNoops(t *testing.T, rdb redis.UniversalClient, n int) (*TaskRegistry, []string) {
	t.Helper()
	tasks := NewTaskRegistry()
	noop := func(i int) {}
	tasks.Register("take.noop", noop, "i")
	q := NewQueue("default", rdb, &QueueOptions{Tasks: tasks})
	var ids []string
	for i := range n {
		j, err := q.Enqueue(context.Background(), noop, i)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	return tasks, ids
}
