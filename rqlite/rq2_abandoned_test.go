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

// abandon makes job id of queue q look taken by an RQ 2.x worker that died:
// out of its queue, started, and in the started registry under an
// ID:EXECUTION member whose heartbeat expired.
func abandon(t *testing.T, b *bundle, q, id string) {
	t.Helper()
	must(t, b.rdb.LRem(b.ctx, "rq:queue:"+q, 0, id).Err())
	must(t, b.rdb.HSet(b.ctx, "rq:job:"+id, "status", "started").Err())
	member := id + ":0123456789abcdef0123456789abcdef"
	must(t, b.rdb.ZAdd(b.ctx, "rq:wip:"+q, redis.Z{Score: float64(time.Now().Unix() - 10), Member: member}).Err())
}

// TestRQ2AbandonedJobFromPython: a job that RQ 2.3.3 enqueued with an
// on_failure Callback and two dependents, abandoned by its worker, is
// failed by a Go worker's maintenance as RQ 2.10's
// StartedJobRegistry.cleanup fails it (rq/registry.py): the failure
// callback gets an AbandonedJobError, the job a FAILED result written as
// job._handle_failure with an empty worker_name writes it, and
// queue.enqueue_dependents queues the dependent that allows failures. The
// result entry has the fields RQ 2.3.3's own cleanup writes.
func TestRQ2AbandonedJobFromPython(t *testing.T) {
	b, r := workerSetup(t)
	must(t, b.reg.Register("test.on_abandoned", func(j *rqlite.Job, err error) {
		var a *rqlite.AbandonedJobError
		r.note(fmt.Sprintf("abandoned %s %v", j.ID, errors.As(err, &a)))
	}))
	ids := strings.Fields(pythonRQ2(t, b, `
p = q.enqueue("test.note", "p", on_failure=Callback("test.on_abandoned"))
d = q.enqueue("test.note", "d", depends_on=Dependency(jobs=[p], allow_failure=True))
s = q.enqueue("test.note", "s", depends_on=p)
py = Queue("py", connection=r, serializer=JSONSerializer).enqueue("test.note", "py")
print(p.id, d.id, s.id, py.id)
`))
	p, d, s, py := ids[0], ids[1], ids[2], ids[3]
	abandon(t, b, "default", p)
	abandon(t, b, "py", py)

	burst(t, b, "w1", true, "default")
	if got := r.got(); !slices.Equal(got, []string{"abandoned " + p + " true", "d"}) {
		t.Errorf("ran %v, want the failure callback with an AbandonedJobError, then the dependent allowing failures", got)
	}
	h := b.hash(t, p)
	const text = "Moved to FailedJobRegistry, due to AbandonedJobError, at "
	if exc := unzip(t, h["exc_info"]); h["status"] != "failed" || !strings.HasPrefix(exc, text) {
		t.Errorf("abandoned job: %s, exc_info %q", h["status"], exc)
	}
	zscore(t, b, "rq:failed:default", p)
	if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
		t.Errorf("%d entries left in the started registry", n)
	}
	entries := b.rdb.XRange(b.ctx, "rq:results:"+p, "-", "+").Val()
	if len(entries) != 1 {
		t.Fatalf("results of the abandoned job: %v", entries)
	}
	e := entries[0].Values
	if exc := unzipB64(t, e["exc_string"].(string)); e["type"] != "2" || e["worker_name"] != "" || !strings.HasPrefix(exc, text) {
		t.Errorf("result entry = %v (exc_string %q)", e, exc)
	}
	if st := b.hash(t, s)["status"]; st != "deferred" {
		t.Errorf("the dependent that needs success is %s, want deferred", st)
	}

	checkAbandonedWithPython(t, b, p, d, py, e)
}

// checkAbandonedWithPython checks that Python RQ 2.3.3 reads the outcome of
// abandoned job p and its dependent d as its own cleanup leaves them, and
// that its cleanup of its own abandoned job py writes a result entry with
// the fields of the Go worker's, e.
func checkAbandonedWithPython(t *testing.T, b *bundle, p, d, py string, e map[string]any) {
	t.Helper()
	got := pythonRQ2(t, b, `
from rq.registry import StartedJobRegistry
from rq.results import Result
p = Job.fetch("`+p+`", connection=r, serializer=JSONSerializer)
res = p.latest_result()
print(p.get_status().value, res.type == Result.Type.FAILED, res.exc_string.split(" at ")[0])
print(Job.fetch("`+d+`", connection=r, serializer=JSONSerializer).get_status().value)
import logging
logging.disable(logging.CRITICAL)
StartedJobRegistry("py", connection=r, serializer=JSONSerializer).cleanup()
`)
	want := "failed True Moved to FailedJobRegistry, due to AbandonedJobError,\nfinished"
	if got != want {
		t.Errorf("RQ 2.3.3 reads:\n%s\nwant:\n%s", got, want)
	}
	// RQ 2.10's Result.serialize adds worker_name, '' here, to what 2.3.3
	// writes (rq/results.py: "data = {'type': self.type.value,
	// 'worker_name': self.worker_name}").
	pyEntries := b.rdb.XRange(b.ctx, "rq:results:"+py, "-", "+").Val()
	if len(pyEntries) == 1 {
		pyEntries[0].Values["worker_name"] = ""
	}
	if len(pyEntries) != 1 || !sameKeys(pyEntries[0].Values, e) {
		t.Errorf("RQ 2.3.3's result entry %v, the Go worker's %v", pyEntries, e)
	}
}

// sameKeys reports whether a and b have the same keys.
func sameKeys(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// TestRQ1AbandonedJobHasNoResult: in RQ 1.13's layout an abandoned job is
// failed as RQ 1.13 fails it: no result entry, no callback.
func TestRQ1AbandonedJobHasNoResult(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"x"}, OnFailure: "test.on_failure"})
	must(t, err)
	must(t, b.rdb.LRem(b.ctx, "rq:queue:default", 0, job.ID).Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: float64(time.Now().Unix() - 10), Member: job.ID}).Err())
	burst(t, b, "w1", false, "default")
	if got := r.got(); len(got) != 0 {
		t.Errorf("ran %v, want nothing", got)
	}
	if st := b.hash(t, job.ID)["status"]; st != "failed" {
		t.Errorf("status %s", st)
	}
	if n := b.rdb.Exists(b.ctx, "rq:results:"+job.ID).Val(); n != 0 {
		t.Errorf("RQ 1.13's layout got a result entry")
	}
}
