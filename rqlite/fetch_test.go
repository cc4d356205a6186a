package rqlite_test

import (
	"errors"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func TestFetchJobs(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	j1, err := q.Enqueue(b.ctx, "test.sum", 1, 2)
	must(t, err)
	j2, err := rqlite.NewQueue("other", b.rdb, &rqlite.QueueOptions{Tasks: b.reg}).Enqueue(b.ctx, "test.greet", "ana")
	must(t, err)
	// A job hash written with another serializer, and a key of another type.
	must(t, b.rdb.HSet(b.ctx, "rq:job:bad", "data", "not zlib", "status", "queued").Err())
	must(t, b.rdb.Set(b.ctx, "rq:job:str", "x", 0).Err())

	got, err := rqlite.FetchJobs(b.ctx, b.rdb, []string{j2.ID, "missing", j1.ID, "bad", "str"}, nil)
	must(t, err)
	if len(got) != 5 {
		t.Fatalf("got %d entries, want 5", len(got))
	}
	for i, want := range []string{j2.ID, "missing", j1.ID, "bad", "str"} {
		if got[i].ID != want {
			t.Errorf("entry %d has ID %q, want %q", i, got[i].ID, want)
		}
	}
	if j := got[0].Job; j == nil || j.FuncName != "test.greet" || j.Origin != "other" || got[0].Err != nil {
		t.Errorf("entry 0 = %+v, want the greet job of queue other", got[0])
	}
	if j := got[2].Job; j == nil || j.FuncName != "test.sum" || len(j.Args) != 2 || j.Status != rqlite.StatusQueued {
		t.Errorf("entry 2 = %+v, want the queued sum job", got[2])
	}
	if got[1].Job != nil || !errors.Is(got[1].Err, rqlite.ErrNoSuchJob) {
		t.Errorf("missing job: got %+v, want an ErrNoSuchJob", got[1])
	}
	for _, i := range []int{3, 4} {
		if got[i].Job != nil || got[i].Err == nil || errors.Is(got[i].Err, rqlite.ErrNoSuchJob) {
			t.Errorf("entry %d = %+v, want a decoding error", i, got[i])
		}
	}

	// The job can act as one fetched alone.
	must(t, got[2].Job.Delete(b.ctx))
	if n, _ := q.Count(b.ctx); n != 0 {
		t.Errorf("after Delete the queue has %d jobs", n)
	}

	if got, err := rqlite.FetchJobs(b.ctx, b.rdb, nil, nil); err != nil || len(got) != 0 {
		t.Errorf("FetchJobs(nil) = %v, %v", got, err)
	}
}

func TestFetchJobsRedisDown(t *testing.T) {
	b := setup(t)
	b.rdb.Close()
	if _, err := rqlite.FetchJobs(b.ctx, b.rdb, []string{"a"}, nil); err == nil {
		t.Fatal("FetchJobs on a closed client: no error")
	}
}
