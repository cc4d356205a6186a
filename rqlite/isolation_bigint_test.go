package rqlite_test

import (
	"math"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func init() {
	rqlite.Register("isolated.echo_uint64", func(n uint64) uint64 { return n }, "n")
}

// TestIsolatedUint64: in a work horse too, a pickled int beyond int64 (a Go
// uint64, read as a *big.Int) reaches the task exactly, and its result
// comes back exactly (issue 14, finding 10).
func TestIsolatedUint64(t *testing.T) {
	b, _ := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Serializer: rqlite.Pickle})
	job, err := q.Enqueue(b.ctx, "isolated.echo_uint64", uint64(math.MaxUint64))
	must(t, err)
	w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "iso-uint64", Serializer: rqlite.Pickle})
	must(t, err)
	must(t, w.Work(b.ctx))
	r, err := job.LatestResult(b.ctx)
	must(t, err)
	var n uint64
	if r != nil && r.Type == rqlite.ResultSuccessful {
		err = r.Decode(&n)
	}
	if r == nil || n != math.MaxUint64 || err != nil {
		t.Errorf("result %+v, decoded %d, %v; want %d", r, n, err, uint64(math.MaxUint64))
	}
}
