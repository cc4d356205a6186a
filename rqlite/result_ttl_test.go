package rqlite_test

import (
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A result_ttl below -1, as a Python producer may write it, keeps the job
// for ever, as RQ does; it once read as Discard and deleted the job (issue
// 15, finding 8).
func TestNegativeResultTTLKeepsTheJob(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, "test.sum", 1, 2)
	must(t, err)
	must(t, b.rdb.HSet(b.ctx, keys.Job(job.ID), "result_ttl", "-2").Err())
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if st, err := job.GetStatus(b.ctx); err != nil || st != rqlite.StatusFinished {
		t.Errorf("status %q, %v; want finished, kept", st, err)
	}
	if ttl := b.rdb.TTL(b.ctx, keys.Job(job.ID)).Val(); ttl != -1 {
		t.Errorf("job key TTL %v, want none (kept for ever)", ttl)
	}
}
