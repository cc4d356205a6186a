package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// rq enqueue --unique enqueues a job ID once; the second time it exits 1
// with one line naming the ID, and the queue keeps one job.
func TestEnqueueUnique(t *testing.T) {
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	args := []string{"enqueue", "-u", url, "--external", "mod.f", ":1", "--job-id", "only-once", "--unique"}
	for i, want := range []int{0, 1} {
		var stdout, stderr bytes.Buffer
		if status := run(args, &stdout, &stderr); status != want {
			t.Fatalf("run %d: exit status %d, want %d; stderr %q", i+1, status, want, stderr.String())
		}
		if want == 0 && !strings.Contains(stdout.String(), "job-id 'only-once'") {
			t.Errorf("run 1 printed %q", stdout.String())
		}
		if want == 1 {
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "Error: ") || !strings.Contains(msg, `"only-once"`) || !strings.Contains(msg, "already exists") {
				t.Errorf("run 2: stderr %q, want one Error: line naming the ID", msg)
			}
		}
	}
	if n := rdb.LLen(context.Background(), "rq:queue:default").Val(); n != 1 {
		t.Errorf("the queue holds %d jobs, want 1", n)
	}
}
