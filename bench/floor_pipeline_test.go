package main

import (
	"context"
	"io"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// testEnv is an env on a database of its own, for N jobs per figure.
func testEnv(t *testing.T, n int) *env {
	t.Helper()
	url := rqtest.URL(t)
	ctx := context.Background()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := rqlite.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return &env{ctx: ctx, cfg: &config{url: url, n: n, repeat: 1}, rdb: rdb, opts: opts, progress: io.Discard}
}

// TestEnqueueManyCommands checks what the ceiling of EnqueueMany sends:
// the commands of one EnqueueMany transaction, and nothing else.
func TestEnqueueManyCommands(t *testing.T) {
	e := testEnv(t, 100)
	cmds, ids, err := e.enqueueManyCommands(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("%d IDs, want 3", len(ids))
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c[0].(string))
	}
	want := []string{"multi", "sadd", "hset", "hset", "hset", "rpush", "exec"}
	if len(names) != len(want) {
		t.Fatalf("commands %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("commands %q, want %q", names, want)
		}
	}
	push := cmds[5]
	for i, id := range ids {
		if push[len(push)-3+i] != id {
			t.Errorf("RPUSH %q does not end with the job IDs %q", push, ids)
		}
	}
}

func TestRenameJobs(t *testing.T) {
	id := "0123456789abcdef"
	cmds := [][]any{{"hset", "job:" + id, "status", "queued"}, {"rpush", "queue:bench", id}}
	got, err := renameJobs(cmds, []string{id}, 26)
	if err != nil {
		t.Fatal(err)
	}
	if got[0][1] != "job:0000001a89abcdef" || got[1][2] != "0000001a89abcdef" || got[0][2] != "status" {
		t.Errorf("renamed %q", got)
	}
	if cmds[1][2] != id {
		t.Error("the captured commands were changed")
	}
	if _, err := renameJobs(cmds, []string{"short"}, 1); err == nil {
		t.Error("no error for an ID shorter than 8 characters")
	}
}

// TestEnqueueManyCeilingQueuesTheJobs checks that the bare pipelines
// queue N distinct jobs, in batches of 1,000 and a last smaller one, each
// with its hash, as EnqueueMany would.
func TestEnqueueManyCeilingQueuesTheJobs(t *testing.T) {
	e := testEnv(t, 2500)
	v, err := e.enqueueManyCeiling() // it checks that 2,500 jobs are queued
	if err != nil {
		t.Fatal(err)
	}
	if v <= 0 {
		t.Errorf("rate %v", v)
	}
	ids, err := e.rdb.LRange(e.ctx, e.queue().Key(), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(seen) != 2500 {
		t.Errorf("%d distinct IDs queued, want 2,500", len(seen))
	}
	for _, id := range []string{ids[0], ids[1500], ids[2499]} {
		job, err := e.queue().FetchJob(e.ctx, id)
		if err != nil {
			t.Fatalf("job %s: %v", id, err)
		}
		if job.Status != rqlite.StatusQueued || job.FuncName != "bench.noop" {
			t.Errorf("job %s: %s, %s", id, job.Status, job.FuncName)
		}
	}
}

// TestEnqueue16 runs the two figures of 16 goroutines, which check that
// every job is queued.
func TestEnqueue16(t *testing.T) {
	e := testEnv(t, 160)
	for name, f := range map[string]func() (float64, error){"rqlite": e.rqliteEnqueue16, "asynq": e.asynqEnqueue16} {
		if v, err := f(); err != nil || v <= 0 {
			t.Errorf("%s: %v, %v", name, v, err)
		}
	}
}
