package rqlite_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// manyDependentSetup writes the jobs that the batch of manyDependentCalls
// depends on: done finished, running started, broken failed.
func manyDependentSetup(t *testing.T, b *bundle, q *rqlite.Queue) {
	t.Helper()
	for id, status := range map[string]string{"done": "finished", "running": "started", "broken": "failed"} {
		_, err := q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{0, 0}, JobID: id})
		must(t, err)
		must(t, b.rdb.LRem(b.ctx, "rq:queue:default", 0, id).Err())
		must(t, b.rdb.HSet(b.ctx, "rq:job:"+id, "status", status).Err())
	}
}

// manyDependentCalls is a batch with every case of RQ 2.x's enqueue_many:
// no dependency; met; one unmet; a failed one allowed or not; a
// dependency on a job of the batch before it, and after it; a ttl; and a
// dependency that does not exist, which RQ counts as met.
func manyDependentCalls() []rqlite.Call {
	call := func(id string, o rqlite.EnqueueOptions, deps ...string) rqlite.Call {
		o.Args, o.JobID, o.DependsOn = []any{1, 2}, id, deps
		return rqlite.Call{Func: "test.sum", EnqueueOptions: o}
	}
	return []rqlite.Call{
		call("a", rqlite.EnqueueOptions{}),
		call("b", rqlite.EnqueueOptions{}, "done"),
		call("c", rqlite.EnqueueOptions{TTL: time.Hour}, "done", "running"),
		call("d", rqlite.EnqueueOptions{AllowDependencyFailure: true}, "broken"),
		call("e", rqlite.EnqueueOptions{}, "broken"),
		call("f", rqlite.EnqueueOptions{}, "a"),
		call("g", rqlite.EnqueueOptions{}, "h"),
		call("h", rqlite.EnqueueOptions{TTL: time.Minute}, "done"),
		call("i", rqlite.EnqueueOptions{}, "missing"),
		call("j", rqlite.EnqueueOptions{}),
	}
}

// manyDependentPython is the same batch in Python RQ 2.3.3.
const manyDependentPython = `
import os
from redis import Redis
from rq import Queue
from rq.job import Dependency
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
d = lambda id, deps=None, **kw: Queue.prepare_data("test.sum", (1, 2), job_id=id, depends_on=deps, **kw)
q.enqueue_many([
    d("a"), d("b", ["done"]), d("c", ["done", "running"], ttl=3600),
    d("d", Dependency(jobs=["broken"], allow_failure=True)), d("e", ["broken"]),
    d("f", ["a"]), d("g", ["h"]), d("h", ["done"], ttl=60), d("i", ["missing"]), d("j"),
])
`

// TestEnqueueManyDependencies checks EnqueueMany's jobs with dependencies
// in both layouts: queued when met, deferred otherwise, in the order of
// the calls.
func TestEnqueueManyDependencies(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			b := setup(t)
			q := b.layoutQueue("default", l.rq2)
			manyDependentSetup(t, b, q)
			jobs, err := q.EnqueueMany(b.ctx, manyDependentCalls())
			must(t, err)
			var got string
			for _, j := range jobs {
				got += fmt.Sprintf("%s:%s ", j.ID, j.Status)
			}
			want := "a:queued b:queued c:deferred d:queued e:deferred f:deferred g:deferred h:queued i:queued j:queued "
			if got != want {
				t.Errorf("jobs %s\nwant %s", got, want)
			}
			if ids, _ := q.JobIDs(b.ctx, 0, -1); fmt.Sprint(ids) != "[a j b d h i]" {
				t.Errorf("queue %v, want [a j b d h i]", ids)
			}
			for _, id := range []string{"c", "e", "f", "g"} {
				if s := b.rdb.HGet(b.ctx, "rq:job:"+id, "status").Val(); s != "deferred" {
					t.Errorf("%s is %q in Redis, want deferred", id, s)
				}
			}
			if !b.rdb.SIsMember(b.ctx, "rq:job:h:dependents", "g").Val() || b.rdb.TTL(b.ctx, "rq:job:h").Val() <= 0 {
				t.Error("g is not a dependent of h, or h has no ttl")
			}
		})
	}
}

// TestEnqueueManyDependenciesOneTransaction checks that a batch whose
// call cannot be prepared writes nothing, dependencies or not.
func TestEnqueueManyDependenciesOneTransaction(t *testing.T) {
	b := setup(t)
	calls := manyDependentCalls()
	calls = append(calls, rqlite.Call{Func: "no.such.task"})
	if _, err := b.rq2Queue("default").EnqueueMany(b.ctx, calls); err == nil {
		t.Fatal("a batch with an unknown task was enqueued")
	}
	if n := b.rdb.DBSize(b.ctx).Val(); n != 0 {
		t.Errorf("%d keys written", n)
	}
}

// timesPattern matches what differs between two runs at different times:
// RQ timestamps, and scores in epoch seconds.
var timesPattern = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z|\{\d\.\d+e\+09 `)

// inflateData replaces the data of every job hash of rdb by its
// decompressed text: zlib's levels differ between Go and Python, not the
// calls they encode.
func inflateData(t *testing.T, rdb *redis.Client) {
	t.Helper()
	ctx := context.Background()
	for _, k := range rdb.Keys(ctx, "rq:job:*").Val() {
		if rdb.Type(ctx, k).Val() != "hash" {
			continue
		}
		if data, err := rdb.HGet(ctx, k, "data").Result(); err == nil {
			must(t, rdb.HSet(ctx, k, "data", unzip(t, data)).Err())
		}
	}
}

// TestPythonEnqueueManyDependenciesAgrees checks that EnqueueMany leaves
// Redis as RQ 2.3.3's enqueue_many leaves a twin of it, times aside
// (Python's clock is not the queue's fixed one).
func TestPythonEnqueueManyDependenciesAgrees(t *testing.T) {
	b := setup(t)
	var p pythonRQ
	for _, r := range pythonRQs(t) {
		if r.path != "" {
			p = r
		}
	}
	if p.path == "" {
		t.Skip("RQ 2.3.3 is not available")
	}
	q := b.rq2Queue("default")
	manyDependentSetup(t, b, q)
	other := twin(t, b.ctx, b.rdb)
	_, err := q.EnqueueMany(b.ctx, manyDependentCalls())
	must(t, err)
	p.run(t, other, manyDependentPython)
	// RQ 2.3.3 leaves the queued jobs in the deferred registry too, where
	// their ttl would fail them later; RQ 2.10 takes them out, as rqlite
	// does.
	must(t, other.ZRem(b.ctx, "rq:deferred:default", "b", "d", "h", "i").Err())
	inflateData(t, b.rdb)
	inflateData(t, other)
	g := timesPattern.ReplaceAllString(dump(t, b.ctx, b.rdb), "TIME")
	w := timesPattern.ReplaceAllString(dump(t, b.ctx, other), "TIME")
	if g != w {
		t.Errorf("rqlite left:\n%s\nPython RQ left:\n%s", g, w)
	}
}
