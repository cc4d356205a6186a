package rqlite_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// zadd adds members with the given score to a sorted set.
func zadd(t *testing.T, rdb *redis.Client, key string, score int64, members ...string) {
	t.Helper()
	for _, m := range members {
		must(t, rdb.ZAdd(context.Background(), key, redis.Z{Score: float64(score), Member: m}).Err())
	}
}

func TestQueueStats(t *testing.T) {
	b := setup(t)
	ctx, rdb := b.ctx, b.rdb
	q := b.queue("default")
	for i := range 3 {
		if _, err := q.Enqueue(ctx, Sum, i, 1); err != nil {
			t.Fatal(err)
		}
	}
	now := fixedNow.Unix()
	zadd(t, rdb, "rq:finished:default", now+100, "f1")
	zadd(t, rdb, "rq:finished:default", now-1, "f0") // expired
	zadd(t, rdb, "rq:failed:default", now+100, "x1")
	zadd(t, rdb, "rq:failed:default", now-1, "x0") // expired
	zadd(t, rdb, "rq:wip:default", now+100, "s1")
	zadd(t, rdb, "rq:wip:default", now-1, "s0") // abandoned: moves to failed
	must(t, rdb.HSet(ctx, "rq:job:s0", "status", "started", "origin", "default").Err())
	zadd(t, rdb, "rq:deferred:default", now-1000, "d1", "d2")
	zadd(t, rdb, "rq:scheduled:default", now-1000, "c1", "c2", "c3")
	zadd(t, rdb, "rq:canceled:default", now, "n1")
	// Registered workers are counted without looking at their keys.
	must(t, rdb.SAdd(ctx, "rq:workers:default", "rq:worker:a", "rq:worker:b").Err())
	// Another queue's registries do not count.
	zadd(t, rdb, "rq:finished:high", now+100, "h1")

	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := rqlite.QueueStats{
		Name: "default", Jobs: 3, OldestJobEnqueuedAt: fixedNow.Truncate(time.Microsecond),
		Workers: 2, Finished: 1, Started: 1, Deferred: 2, Failed: 2, Scheduled: 3,
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("Stats = %+v\nwant    %+v", st, want)
	}
	if s := rdb.HGet(ctx, "rq:job:s0", "status").Val(); s != "failed" {
		t.Errorf("abandoned job status = %q, want failed", s)
	}

	// An empty queue.
	st, err = b.queue("low").Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (rqlite.QueueStats{Name: "low"}); !reflect.DeepEqual(st, want) {
		t.Errorf("Stats of an empty queue = %+v, want %+v", st, want)
	}
}

func TestQueueStatsHeadOfQueue(t *testing.T) {
	b := setup(t)
	ctx, rdb := b.ctx, b.rdb
	q := b.queue("default")
	if _, err := q.Enqueue(ctx, Sum, 1, 2); err != nil {
		t.Fatal(err)
	}
	high, err := b.queue("high").Enqueue(ctx, Sum, 3, 4)
	if err != nil {
		t.Fatal(err)
	}

	// A head job of another queue gives no time, as RQ's fetch_job.
	must(t, rdb.LPush(ctx, "rq:queue:default", high.ID).Err())
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Jobs != 2 || !st.OldestJobEnqueuedAt.IsZero() {
		t.Errorf("head of another queue: Jobs %d, oldest %v; want 2 and zero", st.Jobs, st.OldestJobEnqueuedAt)
	}

	// A head ID without its hash leaves the queue, as in RQ.
	must(t, rdb.LRem(ctx, "rq:queue:default", 0, high.ID).Err())
	must(t, rdb.LPush(ctx, "rq:queue:default", "ghost").Err())
	st, err = q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Jobs != 1 || !st.OldestJobEnqueuedAt.IsZero() {
		t.Errorf("dangling head: Jobs %d, oldest %v; want 1 and zero", st.Jobs, st.OldestJobEnqueuedAt)
	}
	if ids := rdb.LRange(ctx, "rq:queue:default", 0, -1).Val(); len(ids) != 1 || ids[0] == "ghost" {
		t.Errorf("queue after Stats = %q, want the ghost removed", ids)
	}
	st, err = q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.OldestJobEnqueuedAt.Equal(fixedNow.Truncate(time.Microsecond)) {
		t.Errorf("oldest = %v, want %v", st.OldestJobEnqueuedAt, fixedNow)
	}
}

func TestQueueStatsRoundTripsDoNotGrow(t *testing.T) {
	b := setup(t)
	ctx, rdb := b.ctx, b.rdb
	counter := rqtest.WatchCommands(rdb)
	q := b.queue("default")
	if _, err := q.Enqueue(ctx, Sum, 1, 2); err != nil {
		t.Fatal(err)
	}
	trips := func() int64 {
		t.Helper()
		before := counter.Trips()
		if _, err := q.Stats(ctx); err != nil {
			t.Fatal(err)
		}
		return counter.Trips() - before
	}
	trips() // loads the cleanup script
	small := trips()
	future := fixedNow.Unix() + 1000
	for _, key := range []string{"rq:finished:default", "rq:failed:default", "rq:wip:default", "rq:deferred:default", "rq:scheduled:default"} {
		zs := make([]redis.Z, 2000)
		for i := range zs {
			zs[i] = redis.Z{Score: float64(future), Member: fmt.Sprintf("job-%d", i)}
		}
		must(t, rdb.ZAdd(ctx, key, zs...).Err())
	}
	if large := trips(); large != small {
		t.Errorf("Stats took %d round trips with large registries, %d with small ones", large, small)
	}
	if small > 6 {
		t.Errorf("Stats took %d round trips, want at most 6", small)
	}
}

func TestWorkers(t *testing.T) {
	b := setup(t)
	ctx, rdb := b.ctx, b.rdb
	must(t, rdb.HSet(ctx, "rq:worker:w2",
		"birth", "2026-11-27T09:00:00.000000Z", "last_heartbeat", "2026-11-27T09:30:00.5Z",
		"queues", "high,default", "pid", "4242", "hostname", "h2", "ip_address", "10.0.0.2:5000",
		"version", "1.13.0", "python_version", "3.11", "state", "busy", "current_job", "job-9",
		"successful_job_count", "7", "failed_job_count", "2", "total_working_time", "12.5").Err())
	must(t, rdb.HSet(ctx, "rq:worker:w1", "queues", "default").Err()) // most fields missing
	must(t, rdb.HSet(ctx, "rq:worker:w3", "queues", "low", "state", "idle").Err())
	must(t, rdb.SAdd(ctx, "rq:workers", "rq:worker:w1", "rq:worker:w2", "rq:worker:w3", "rq:worker:dead").Err())
	must(t, rdb.SAdd(ctx, "rq:workers:default", "rq:worker:w2", "rq:worker:w1", "rq:worker:dead").Err())
	must(t, rdb.SAdd(ctx, "rq:workers:low", "rq:worker:w3").Err())

	ws, err := rqlite.Workers(ctx, rdb, "default")
	if err != nil {
		t.Fatal(err)
	}
	want := []rqlite.WorkerInfo{
		{Name: "w1", State: "?", Queues: []string{"default"}},
		{
			Name: "w2", Hostname: "h2", IPAddress: "10.0.0.2:5000", PID: 4242, State: "busy",
			Queues: []string{"high", "default"}, CurrentJob: "job-9",
			Birth:          time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
			LastHeartbeat:  time.Date(2026, 11, 27, 9, 30, 0, 500000000, time.UTC),
			SuccessfulJobs: 7, FailedJobs: 2, TotalWorkingTime: 12.5,
		},
	}
	if !reflect.DeepEqual(ws, want) {
		t.Fatalf("Workers(default) =\n%+v\nwant\n%+v", ws, want)
	}
	// The dead worker has left both sets.
	for _, set := range []string{"rq:workers", "rq:workers:default"} {
		if rdb.SIsMember(ctx, set, "rq:worker:dead").Val() {
			t.Errorf("rq:worker:dead is still in %s", set)
		}
	}

	all, err := rqlite.Workers(ctx, rdb, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range all {
		names = append(names, w.Name)
	}
	if !reflect.DeepEqual(names, []string{"w1", "w2", "w3"}) {
		t.Errorf("Workers() names = %q, want w1 w2 w3", names)
	}
	none, err := rqlite.Workers(ctx, rdb, "nobody")
	if err != nil || len(none) != 0 {
		t.Errorf("Workers(nobody) = %v, %v; want none", none, err)
	}
}

func TestWorkersSeesARunningWorker(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	w, err := rqlite.NewWorker(b.rdb, []string{"high", "low"}, &rqlite.WorkerOptions{
		Name: "live", Tasks: b.reg, Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Work(ctx) }()
	defer func() {
		w.RequestStop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, err := rqlite.Workers(ctx, b.rdb, "low")
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) == 1 && ws[0].State != "?" {
			got := ws[0]
			host, _ := os.Hostname()
			if got.Name != "live" || got.PID != os.Getpid() || got.Hostname != host ||
				!reflect.DeepEqual(got.Queues, []string{"high", "low"}) || got.Birth.IsZero() || got.LastHeartbeat.IsZero() {
				t.Errorf("running worker = %+v", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not register; Workers(low) = %+v", ws)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A worker hash written elsewhere with a field of 9 MiB is listed with its
// other fields; that one is left in Redis, and Unread gives its length.
func TestWorkersHugeField(t *testing.T) {
	b := setup(t)
	must(t, b.rdb.HSet(b.ctx, "rq:worker:big", "queues", strings.Repeat("q,", 9<<19), "state", "idle", "pid", "7").Err())
	must(t, b.rdb.SAdd(b.ctx, "rq:workers", "rq:worker:big").Err())
	ws, err := rqlite.Workers(b.ctx, b.rdb, "")
	must(t, err)
	want := []rqlite.WorkerInfo{{Name: "big", State: "idle", PID: 7, Unread: map[string]int64{"queues": 9 << 20}}}
	if !reflect.DeepEqual(ws, want) {
		t.Errorf("Workers = %+v, want %+v", ws, want)
	}
}
