package rqlite_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// TestRQ2Layout checks RQ 2.x's layout key by key, as RQ 2.x (v2.10)
// writes it for a job's start, heartbeat and success.
func TestRQ2Layout(t *testing.T) {
	b, r := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Tasks: b.reg, RQ2: true})
	job, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	h := b.hash(t, job.ID)
	if v, ok := h["group_id"]; !ok || v != "" || h["stopped_callback_name"] != "" {
		t.Errorf("an RQ 2.x job hash has group_id and stopped_callback_name, empty: %v", h)
	}

	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{RQ2: true, JobMonitoringInterval: time.Second})
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })

	members := b.rdb.ZRange(b.ctx, "rq:wip:default", 0, -1).Val()
	if len(members) != 1 || !regexp.MustCompile(`^`+job.ID+`:[0-9a-f]{32}$`).MatchString(members[0]) {
		t.Fatalf("started registry = %v, want ID:EXECUTION", members)
	}
	exec := strings.TrimPrefix(members[0], job.ID+":")
	eh := b.rdb.HGetAll(b.ctx, "rq:execution:"+members[0]).Val()
	float := regexp.MustCompile(`^\d{10}\.\d{6}$`)
	if eh["id"] != exec || !float.MatchString(eh["created_at"]) || !float.MatchString(eh["last_heartbeat"]) {
		t.Errorf("execution hash = %v", eh)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:execution:"+members[0]).Val(); ttl <= 0 || ttl > 61*time.Second {
		t.Errorf("execution TTL = %v, want the heartbeat TTL", ttl)
	}
	wip := b.rdb.ZScore(b.ctx, "rq:wip:default", members[0]).Val()
	if s, err := b.rdb.ZScore(b.ctx, "rq:executions:"+job.ID, exec).Result(); err != nil || s != wip+60 {
		t.Errorf("executions score = %v (%v), want the started score + 60 = %v", s, err, wip+60)
	}
	if ids, _ := q.Registry(rqlite.Started).JobIDs(b.ctx, 0, -1); len(ids) != 1 || ids[0] != job.ID {
		t.Errorf("started JobIDs = %v, want the job ID", ids)
	}
	waitFor(t, "a heartbeat", func() bool {
		return b.rdb.HGet(b.ctx, "rq:execution:"+members[0], "last_heartbeat").Val() != eh["last_heartbeat"]
	})

	close(r.release)
	waitFor(t, "the job to finish", func() bool { s, _ := job.GetStatus(b.ctx); return s == rqlite.StatusFinished })
	w.RequestStop()
	must(t, <-done)
	if n := b.rdb.Exists(b.ctx, "rq:execution:"+members[0], "rq:executions:"+job.ID).Val(); n != 0 {
		t.Errorf("%d execution keys left", n)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
		t.Errorf("started registry not emptied")
	}
	entries := b.rdb.XRange(b.ctx, "rq:results:"+job.ID, "-", "+").Val()
	if len(entries) != 1 {
		t.Fatalf("results = %v", entries)
	}
	e := entries[0].Values
	if e["type"] != "1" || e["worker_name"] != "w1" || e["execution_id"] != exec || e["return_value"] == nil ||
		!float.MatchString(e["execution_started_at"].(string)) || !float.MatchString(e["execution_ended_at"].(string)) {
		t.Errorf("result entry = %v", e)
	}
}

func TestRQ2AbandonedJobIsFailed(t *testing.T) {
	b, _ := workerSetup(t)
	// The composite entry is RQ 2.x's: only a queue of that layout reads it.
	q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Tasks: b.reg, Now: func() time.Time { return fixedNow }, RQ2: true})
	job, err := q.Enqueue(b.ctx, "test.note", "x")
	must(t, err)
	b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "status", "started")
	b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: float64(fixedNow.Unix() - 1), Member: job.ID + ":0123456789abcdef0123456789abcdef"})
	if n, _ := q.Registry(rqlite.Started).Count(b.ctx); n != 0 {
		t.Errorf("started = %d, want the abandoned job moved out", n)
	}
	if n, _ := q.Registry(rqlite.Failed).Count(b.ctx); n != 1 {
		t.Errorf("failed = %d, want the abandoned RQ 2.x job", n)
	}
	if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("status = %s", s)
	}
}
