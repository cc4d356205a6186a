//go:build unix

package cli

import (
	"bytes"
	"compress/zlib"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestLimitFlags runs rq with decoding limits below a job's size: an
// isolated worker fails the job, naming the limit as the flag set it, and
// a bad value is refused in one line.
func TestLimitFlags(t *testing.T) {
	bin := rqtest.BuildRQ(t)
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	var data bytes.Buffer
	w := zlib.NewWriter(&data)
	w.Write(make([]byte, 2048))
	w.Close()
	mustOK(t, rdb.HSet(ctx, "rq:job:big", "origin", "default", "status", "queued", "data", data.String(),
		"created_at", "2026-12-03T10:00:00.000000Z").Err())
	mustOK(t, rdb.RPush(ctx, "rq:queue:default", "big").Err())

	cmd := exec.Command(bin, "--max-decompressed", "1KiB", "worker", "--burst", "--isolated", "default")
	cmd.Env = rqEnv("REDIS_URL="+url, "NO_COLOR=1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "zlib data inflates to more than 1024 bytes, the MaxDecompressed limit") {
		t.Errorf("rq --max-decompressed 1KiB worker: %v\n%s", err, out)
	}
	if s := rdb.HGet(ctx, "rq:job:big", "status").Val(); s != "failed" {
		t.Errorf("the job is %q, want failed", s)
	}

	for _, args := range [][]string{{"--max-depth", "0"}, {"--max-decompressed", "lots"}, {"--max-int-digits", "-1"}} {
		cmd := exec.Command(bin, append(args, "info")...)
		cmd.Env = rqEnv("REDIS_URL=" + url)
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), args[0]) {
			t.Errorf("rq %s info: %v, want one line naming the flag:\n%s", strings.Join(args, " "), err, out)
		}
	}
}
