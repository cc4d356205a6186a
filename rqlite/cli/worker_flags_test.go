package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The CLI worker's tasks and exception handlers are in DefaultTasks, as a
// program built on this package registers them.
var cliHandled struct {
	mu  sync.Mutex
	ids []string
}

func init() {
	rqlite.Register("clitest.note", func(s string) string { return s }, "s")
	rqlite.Register("clitest.fail", func() error { return errors.New("no") })
	rqlite.RegisterExceptionHandler("clitest.handler", func(_ context.Context, job *rqlite.Job, _ error) bool {
		cliHandled.mu.Lock()
		cliHandled.ids = append(cliHandled.ids, job.ID)
		cliHandled.mu.Unlock()
		return true
	})
}

func TestWorkerFlagErrorsAreOneLine(t *testing.T) {
	url := rqtest.URL(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--dequeue-strategy", "fifo"}, `invalid dequeue strategy "fifo": use default, round_robin or random`},
		{[]string{"--exception-handler", "nope"}, `invalid exception handler "nope": none is registered under that name`},
		{[]string{"--max-idle-time", "-1"}, "invalid --max-idle-time -1"},
		{[]string{"--maintenance-interval", "0"}, `invalid --maintenance-interval "0"`},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"worker", "--burst", "-u", url}, tc.args...)
		if status := run(args, &stdout, &stderr); status != 1 {
			t.Errorf("rq %v: exit status %d, want 1", tc.args, status)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.want) {
			t.Errorf("rq %v: stderr = %q, want one line with %q", tc.args, msg, tc.want)
		}
	}
}

func TestWorkerNewFlags(t *testing.T) {
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	var ids []string
	for _, q := range []string{"a", "a", "b", "b"} {
		j, err := rqlite.NewQueue(q, rdb, nil).Enqueue(ctx, "clitest.note", q)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	failed, err := rqlite.NewQueue("b", rdb, nil).Enqueue(ctx, "clitest.fail")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	args := []string{"worker", "-u", url, "-n", "flags", "--dequeue-strategy", "round_robin", "--max-idle-time", "1",
		"--maintenance-interval", "1", "--exception-handler", "clitest.handler", "a", "b"}
	if status := run(args, &stdout, &stderr); status != 0 {
		t.Fatalf("exit status %d: %s", status, stderr.String())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("the worker quit after %v, before its idle time", d)
	}
	// Round robin: a, b, a, b, then b's failing job.
	var ended []time.Time
	for _, id := range ids {
		j, err := rqlite.FetchJob(ctx, rdb, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		ended = append(ended, j.EndedAt)
	}
	if !ended[0].Before(ended[2]) || !ended[2].Before(ended[1]) || !ended[1].Before(ended[3]) {
		t.Errorf("jobs of a, a, b, b ended at %v: want them run a, b, a, b", ended)
	}
	cliHandled.mu.Lock()
	defer cliHandled.mu.Unlock()
	if len(cliHandled.ids) != 1 || cliHandled.ids[0] != failed.ID {
		t.Errorf("the exception handler saw %v, want %s", cliHandled.ids, failed.ID)
	}
}
