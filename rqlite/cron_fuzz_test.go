package rqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Whatever a cron scheduler's hash holds, reading it returns a scheduler
// or a one-line error; it never panics.
func FuzzDecodeCronHash(f *testing.F) {
	f.Add("7", "2026-03-01T09:00:00.000000Z", `[{"func_name": "f", "queue_name": "q", "args": "[1]", "kwargs": null, `+
		`"interval": 30, "cron": null, "latest_enqueue_time": null, "next_enqueue_time": "2026-03-01T09:00:30.000000Z", `+
		`"job_timeout": 180, "result_ttl": 500, "meta": "{\"a\": 1}", "webhooks": "[]"}]`)
	f.Add("x", "ayer", `[{"func_name": "f", "queue_name": "q", "cron": "* * * * *", "result_ttl": -1, "ttl": 1e400}]`)
	f.Add("", "", `[[], {}, null, {"func_name": []}]`)
	f.Fuzz(func(t *testing.T, pid, created, jobs string) {
		h := map[string]string{"hostname": "h", "name": "n", "config_file": "", "pid": pid, "created_at": created, "cron_jobs": jobs}
		_, err := decodeCronHash("n", h)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error on several lines: %q", err)
		}
	})
}

// Whatever a cron file holds, reading it returns jobs or a one-line error;
// it never panics.
func FuzzReadCronFile(f *testing.F) {
	f.Add("jobs:\n  - func: f\n    queue_name: q\n    args: [1, {a: b}]\n    interval: 0.5\n    ttl: 1h\n")
	f.Add("jobs:\n  - func: f\n    queue_name: q\n    cron: '*/5 * * * *'\n    result_ttl: -1\n    meta: {x: [1, 2.5, true, null]}\n")
	f.Add("a: &a [x, x]\nb: &b [*a, *a]\njobs: *b\n")
	f.Add("jobs:\n  - {func: f, queue_name: q, interval: !!binary aGk=}\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "cron.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadCronFile(path)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error on several lines: %q", err)
		}
	})
}
