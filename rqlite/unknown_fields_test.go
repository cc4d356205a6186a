package rqlite_test

import (
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// TestWorkerWarnsOnceOfUnknownFields: a job field the worker does not
// understand is reported once per field name, naming the field and the
// first job that has it, and it is kept as it is through the job's run.
// webhooks is RQ 2.10's (rq/job.py, to_dict: "obj['webhooks'] =
// json.dumps(...)"), which a Go worker does not send.
func TestWorkerWarnsOnceOfUnknownFields(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	var ids []string
	for _, s := range []string{"a", "b"} {
		job, err := q.Enqueue(b.ctx, "test.note", s)
		must(t, err)
		must(t, b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "webhooks", `[{"url": "http://example.com"}]`, "colour", "azul").Err())
		ids = append(ids, job.ID)
	}
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, RQ2: true})
	must(t, w.Work(b.ctx))
	if got := r.got(); len(got) != 2 {
		t.Fatalf("ran %v", got)
	}
	out := log.String()
	for _, f := range []string{"webhooks", "colour"} {
		if n := strings.Count(out, "has field "+f+", which this worker does not understand; it is kept as it is"); n != 1 {
			t.Errorf("field %s reported %d times, want once:\n%s", f, n, out)
		}
		if !strings.Contains(out, "Job "+ids[0]+" has field "+f) {
			t.Errorf("the report of %s does not name the first job:\n%s", f, out)
		}
	}
	for _, known := range []string{"origin", "data", "status", "created_at", "timeout"} {
		if strings.Contains(out, "has field "+known+",") {
			t.Errorf("known field %s reported", known)
		}
	}
	for _, id := range ids {
		h := b.hash(t, id)
		if h["status"] != "finished" || h["colour"] != "azul" || h["webhooks"] != `[{"url": "http://example.com"}]` {
			t.Errorf("job %s after its run: %v", id, h)
		}
	}
}
