package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

const systemPython = "/usr/bin/python3"

// requireDjangoRQ skips t when django-rq cannot be imported, except in CI,
// where it must be installed.
func requireDjangoRQ(t *testing.T) {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", "import django_rq").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("django-rq is not importable by %s (%v: %s); install python3-django-rq", systemPython, err, oneLine(string(out)))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// buildStatsState writes the same Redis state at url each time it is
// called: queued jobs in default, high and low, registry entries, and a
// registered worker.
func buildStatsState(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	tasks := rqlite.NewTaskRegistry()
	if err := tasks.Register("tests.add", func(a, b int) int { return a + b }, "a", "b"); err != nil {
		t.Fatal(err)
	}
	enqueuedAt := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
	n := 0
	queue := func(name string) *rqlite.Queue {
		return rqlite.NewQueue(name, rdb, &rqlite.QueueOptions{
			Tasks: tasks,
			Now:   func() time.Time { return enqueuedAt },
			NewID: func() string { n++; return fmt.Sprintf("job-%d", n) },
		})
	}
	jobs := map[string]int{"default": 4, "high": 2, "low": 1}
	var highJob string
	for _, name := range []string{"default", "high", "low"} {
		q := queue(name)
		for i := range jobs[name] {
			j, err := q.Enqueue(ctx, "tests.add", i, 1)
			if err != nil {
				t.Fatal(err)
			}
			if name == "high" {
				highJob = j.ID
			}
		}
	}
	future := float64(time.Now().Add(time.Hour).Unix())
	zadd := func(key string, score float64, members ...string) {
		for _, m := range members {
			if err := rdb.ZAdd(ctx, key, redis.Z{Score: score, Member: m}).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	zadd("rq:finished:default", future, "f1", "f2", "f3")
	zadd("rq:finished:default", 1, "expired") // cleaned before counting
	zadd("rq:failed:default", future, "x1", "x2")
	zadd("rq:failed:high", 1, "expired")
	zadd("rq:wip:default", future, "s1")
	zadd("rq:wip:high", future, "s2", "s3")
	zadd("rq:deferred:low", future, "d1")
	zadd("rq:scheduled:default", future, "c1", "c2")
	zadd("rq:scheduled:low", 1, "c3")
	// low's head is a job of another queue: no oldest job, as fetch_job.
	if err := rdb.LPush(ctx, "rq:queue:low", highJob).Err(); err != nil {
		t.Fatal(err)
	}
	// high's head is an ID without a hash: both remove it from the queue.
	if err := rdb.LPush(ctx, "rq:queue:high", "gone").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, "rq:worker:w1", "birth", "2026-03-04T05:00:00.000000Z",
		"last_heartbeat", "2026-03-04T05:06:00.000000Z", "queues", "default,high", "pid", "4242",
		"hostname", "maquina", "ip_address", "127.0.0.1:5000", "version", "1.13.0",
		"python_version", "3.11.2", "state", "idle").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Expire(ctx, "rq:worker:w1", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"rq:workers", "rq:workers:default", "rq:workers:high"} {
		if err := rdb.SAdd(ctx, set, "rq:worker:w1").Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatsMatchesDjangoRQ compares rq stats --json with django-rq's
// rqstats --json on two copies of the same Redis state.
func TestStatsMatchesDjangoRQ(t *testing.T) {
	requireDjangoRQ(t)
	goURL, pyURL := rqtest.URL(t), rqtest.URL(t)
	buildStatsState(t, goURL)
	buildStatsState(t, pyURL)

	// rq stats, in process.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "queues.yaml")
	var yml strings.Builder
	for _, q := range []string{"default", "high", "low"} {
		fmt.Fprintf(&yml, "%s:\n  URL: %s\n", q, goURL)
	}
	if err := os.WriteFile(cfg, []byte(yml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if s := run([]string{"-u", goURL, "-c", cfg, "stats", "--json"}, &out, &errOut); s != 0 {
		t.Fatalf("rq stats --json: status %d, stderr %q", s, errOut.String())
	}
	goJSON := out.Bytes()

	// django-rq's rqstats, with Django's default settings but UTC.
	settings := fmt.Sprintf(`SECRET_KEY = "x"
INSTALLED_APPS = ["django_rq"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
TIME_ZONE = "UTC"
RQ_QUEUES = {"default": {"URL": %[1]q}, "high": {"URL": %[1]q}, "low": {"URL": %[1]q}}
`, pyURL)
	if err := os.WriteFile(filepath.Join(dir, "settings.py"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(systemPython, "-m", "django", "rqstats", "--json")
	cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=settings", "PYTHONPATH="+dir)
	cmd.Dir = dir
	var pyErr bytes.Buffer
	cmd.Stderr = &pyErr
	pyJSON, err := cmd.Output()
	if err != nil {
		t.Fatalf("rqstats --json: %v\n%s", err, pyErr.String())
	}

	goStats, pyStats := parseStats(t, "rq stats", goJSON), parseStats(t, "rqstats", pyJSON)
	// Each copy of the state is in a database of its own.
	for _, q := range pyStats {
		kw := q["connection_kwargs"].(map[string]any)
		delete(kw, "password") // redis-py shows it; rq stats never does
	}
	for _, q := range goStats {
		kw := q["connection_kwargs"].(map[string]any)
		if _, ok := kw["password"]; ok {
			t.Errorf("rq stats shows a password: %s", goJSON)
		}
	}
	for i := range min(len(goStats), len(pyStats)) {
		goStats[i]["connection_kwargs"].(map[string]any)["db"] = "N"
		pyStats[i]["connection_kwargs"].(map[string]any)["db"] = "N"
	}
	if !reflect.DeepEqual(goStats, pyStats) {
		t.Errorf("rq stats --json and rqstats --json differ:\nrq stats: %s\nrqstats:  %s", goJSON, pyJSON)
	}

	// Beyond the values, the text is the same but for connection_kwargs,
	// whose keys redis-py keeps in another order.
	kwargs := regexp.MustCompile(`"connection_kwargs": \{[^}]*\}`)
	strip := func(b []byte) string {
		return strings.TrimSpace(kwargs.ReplaceAllString(string(b), `"connection_kwargs": {}`))
	}
	if g, p := strip(goJSON), strip(pyJSON); g != p {
		t.Errorf("the JSON texts differ beyond connection_kwargs:\nrq stats: %s\nrqstats:  %s", g, p)
	}

	// A sanity check that the state is what the comparison is about.
	want := map[string][]any{
		"default": {4.0, "2026-03-04, 05:06:07", 1.0, 3.0, 1.0, 0.0, 2.0, 2.0},
		"high":    {2.0, "-", 1.0, 0.0, 2.0, 0.0, 0.0, 0.0},
		"low":     {2.0, "-", 0.0, 0.0, 0.0, 1.0, 0.0, 1.0},
	}
	for _, q := range goStats {
		got := []any{q["jobs"], q["oldest_job_timestamp"], q["workers"], q["finished_jobs"],
			q["started_jobs"], q["deferred_jobs"], q["failed_jobs"], q["scheduled_jobs"]}
		if w := want[q["name"].(string)]; !reflect.DeepEqual(got, w) {
			t.Errorf("queue %v: jobs, oldest, workers, finished, started, deferred, failed, scheduled = %v, want %v", q["name"], got, w)
		}
	}
}

// parseStats returns the queues of rqstats-style JSON.
func parseStats(t *testing.T, who string, data []byte) []map[string]any {
	t.Helper()
	var v struct {
		Queues []map[string]any `json:"queues"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s printed invalid JSON: %v\n%s", who, err, data)
	}
	if len(v.Queues) != 3 {
		t.Fatalf("%s printed %d queues, want 3:\n%s", who, len(v.Queues), data)
	}
	return v.Queues
}
