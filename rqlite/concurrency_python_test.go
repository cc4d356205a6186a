package rqlite_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestConcurrencyLimitPythonIgnores shows what the docs say: Python RQ
// 1.13's worker neither respects nor counts the limits. While an rqlite
// worker holds the only slot of a queue, a Python worker runs the queue's
// other jobs, and the slot accounting is left as it was.
func TestConcurrencyLimitPythonIgnores(t *testing.T) {
	rqtest.PythonRQ(t)
	rqtest.RequireRealRedis(t)
	b, r := workerSetup(t)
	opts := b.rdb.Options()
	u := &url.URL{Scheme: "redis", Host: opts.Addr, Path: fmt.Sprint("/", opts.DB)}
	if opts.Password != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	must(t, rqlite.SetConcurrencyLimit(b.ctx, b.rdb, rqlite.LimitQueue, "default", 1))
	q := b.queue("default")
	holder, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "go-worker"})
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the holder to start", func() bool { return len(r.got()) == 1 })

	var ids []string
	for range 2 {
		j, err := q.EnqueueCall(b.ctx, rqlite.External("os.getpid"), nil)
		must(t, err)
		ids = append(ids, j.ID)
	}
	got := python(t, u.String(), `
import os
from redis import Redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
SimpleWorker([q], connection=r, serializer=JSONSerializer).work(burst=True)
print("done")
`)
	if !strings.HasSuffix(got, "done\n") {
		t.Fatalf("the Python worker did not end:\n%s", got)
	}
	wantStatus(t, b, ids, rqlite.StatusFinished)
	if held := b.rdb.ZRange(b.ctx, keys.QueueSlots("default"), 0, -1).Val(); len(held) != 1 || held[0] != holder.ID {
		t.Errorf("slots held %v, want only the rqlite worker's job %s", held, holder.ID)
	}
	close(r.release)
	waitFor(t, "the holder to end", func() bool { s, _ := holder.GetStatus(b.ctx); return s == rqlite.StatusFinished })
	w.RequestStop()
	must(t, <-done)
	wantNoSlots(t, b)
}
