package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// rq2Fleet is the state a Go fleet wrote in RQ 2.x's layout
// (QueueOptions.RQ2, WorkerOptions.RQ2) for the django-rq 3.0.1 tests.
type rq2Fleet struct {
	url string
	ser string // the serializer's name: json or pickle
	// jobs are the IDs of the fleet's jobs by queue and where they are:
	// queued, finished, failed, started, deferred, scheduled.
	jobs map[string]map[string][]string
	// busy is the name of the worker that runs the started job.
	busy string
}

// buildRQ2Fleet has Go workers with RQ2 set leave jobs in every registry of
// default and high, and stay registered (one running a job on high, one
// idle on low) until the test ends:
//
//	default: queued q-1, q-2; finished fin-1..3; failed fail-1, fail-2;
//	         deferred dep-1 (on q-1); scheduled sch-1 (in an hour)
//	high:    started run-1 (go-busy runs it); queued q-high
//	low:     scheduled sch-low; worker go-idle waits on it, with a
//	         scheduler (that holds rq:scheduler-lock:low)
func buildRQ2Fleet(t *testing.T, ser string) *rq2Fleet {
	t.Helper()
	url := rqtest.URL(t)
	s, err := rqlite.SerializerByName(ser)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	tasks := rqlite.NewTaskRegistry()
	check(tasks.Register("tests.add", func(a, b int) int { return a + b }, "a", "b"))
	check(tasks.Register("tests.fail", func(why string) error { return errors.New(why) }, "why"))
	release := make(chan struct{})
	check(tasks.Register("tests.block", func(ctx context.Context) (string, error) {
		select {
		case <-release:
			return "released", nil
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}))
	queue := func(name string) *rqlite.Queue {
		return rqlite.NewQueue(name, rdb, &rqlite.QueueOptions{Tasks: tasks, Serializer: s, RQ2: true})
	}
	enqueue := func(q *rqlite.Queue, id, f string, o rqlite.EnqueueOptions) {
		t.Helper()
		o.JobID = id
		_, err := q.EnqueueCall(ctx, f, &o)
		check(err)
	}
	worker := func(name string, burst, scheduler bool, queues ...string) *rqlite.Worker {
		w, err := rqlite.NewWorker(rdb, queues, &rqlite.WorkerOptions{Name: name, Burst: burst, Tasks: tasks, Serializer: s, RQ2: true,
			WithScheduler: scheduler, Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
		check(err)
		return w
	}

	def, high, low := queue("default"), queue("high"), queue("low")
	for i := 1; i <= 3; i++ {
		enqueue(def, fmt.Sprint("fin-", i), "tests.add", rqlite.EnqueueOptions{Args: []any{i, i}})
	}
	enqueue(def, "fail-1", "tests.fail", rqlite.EnqueueOptions{Args: []any{"uno"}})
	enqueue(def, "fail-2", "tests.fail", rqlite.EnqueueOptions{Args: []any{"dos"}})
	check(worker("go-burst", true, false, "default").Work(ctx))

	enqueue(def, "q-1", "tests.add", rqlite.EnqueueOptions{Args: []any{1, 2}})
	enqueue(def, "q-2", "tests.add", rqlite.EnqueueOptions{Args: []any{3, 4}})
	enqueue(def, "dep-1", "tests.add", rqlite.EnqueueOptions{Args: []any{5, 6}, DependsOn: []string{"q-1"}})
	enqueue(def, "sch-1", "tests.add", rqlite.EnqueueOptions{Args: []any{7, 8}, At: time.Now().Add(time.Hour)})
	enqueue(low, "sch-low", "tests.add", rqlite.EnqueueOptions{Args: []any{9, 9}, At: time.Now().Add(time.Hour)})
	enqueue(high, "run-1", "tests.block", rqlite.EnqueueOptions{})

	// go-busy takes run-1 and runs it until the test ends; go-idle waits,
	// its scheduler holding low's scheduler lock.
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 2)
	for _, w := range []*rqlite.Worker{worker("go-busy", false, false, "high"), worker("go-idle", false, true, "low")} {
		go func() { done <- w.Work(wctx) }()
	}
	t.Cleanup(func() {
		close(release)
		time.Sleep(100 * time.Millisecond) // run-1 finishes before the cold stop
		cancel()
		for range 2 {
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("worker: %v", err)
			}
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		started := rdb.HGet(ctx, "rq:job:run-1", "status").Val() == "started"
		workers := rdb.SCard(ctx, "rq:workers").Val() == 2
		locked := rdb.Exists(ctx, "rq:scheduler-lock:low").Val() == 1
		if started && workers && locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("go-busy did not start run-1 (status %q), the workers did not register (%v) or go-idle's scheduler did not lock low (%v)",
				rdb.HGet(ctx, "rq:job:run-1", "status").Val(), rdb.SMembers(ctx, "rq:workers").Val(), locked)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Queued after go-busy took run-1: it stays queued.
	enqueue(high, "q-high", "tests.add", rqlite.EnqueueOptions{Args: []any{0, 0}})

	return &rq2Fleet{url: url, ser: ser, busy: "go-busy", jobs: map[string]map[string][]string{
		"default": {
			"queued": {"q-1", "q-2"}, "finished": {"fin-1", "fin-2", "fin-3"}, "failed": {"fail-1", "fail-2"},
			"deferred": {"dep-1"}, "scheduled": {"sch-1"},
		},
		"high": {"queued": {"q-high"}, "started": {"run-1"}},
		"low":  {"scheduled": {"sch-low"}},
	}}
}

// djangoRQ2 runs /usr/bin/python3 with RQ 2.3.3 and django-rq 3.0.1 first
// on its path, Django settings in a folder of the test (settings.py, and
// urls.py with django-rq's views under /django-rq/) for the queues
// default, high and low of the fleet, and returns its standard output.
func djangoRQ2(t *testing.T, fleet *rq2Fleet, args ...string) []byte {
	t.Helper()
	python, rq2Path := rqtest.PythonRQ2(t, "django_rq", "django")
	dir := t.TempDir()
	settings := fmt.Sprintf(`SECRET_KEY = "x"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django_rq",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
TIME_ZONE = "UTC"
_Q = {"URL": %[1]q, "SERIALIZER": %[2]q}
RQ_QUEUES = {"default": _Q, "high": _Q, "low": _Q}
`, fleet.url, map[string]string{"json": "rq.serializers.JSONSerializer", "pickle": "rq.serializers.DefaultSerializer"}[fleet.ser])
	urls := `from django.contrib import admin
from django.urls import include, path
urlpatterns = [path("admin/", admin.site.urls), path("django-rq/", include("django_rq.urls"))]
`
	for name, text := range map[string]string{"settings.py": settings, "urls.py": urls} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=settings",
		"PYTHONPATH="+rq2Path+string(os.PathListSeparator)+dir, "PYTHONWARNINGS=ignore")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestStatsMatchesDjangoRQ2 is TestStatsMatchesDjangoRQ for RQ 2.x: on the
// state a Go fleet wrote with RQ2 set, django-rq 3.0.1's rqstats --json
// (run by RQ 2.3.3) equals rq stats --json --rq2.
func TestStatsMatchesDjangoRQ2(t *testing.T) {
	fleet := buildRQ2Fleet(t, "json")

	cfg := filepath.Join(t.TempDir(), "queues.yaml")
	var yml strings.Builder
	for _, q := range []string{"default", "high", "low"} {
		fmt.Fprintf(&yml, "%s:\n  URL: %s\n", q, fleet.url)
	}
	if err := os.WriteFile(cfg, []byte(yml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if s := run([]string{"--rq2", "-u", fleet.url, "-c", cfg, "stats", "--json"}, &out, &errOut); s != 0 {
		t.Fatalf("rq stats --json --rq2: status %d, stderr %q", s, errOut.String())
	}
	goJSON := out.Bytes()
	pyJSON := djangoRQ2(t, fleet, "-m", "django", "rqstats", "--json")

	goStats, pyStats := parseStats(t, "rq stats", goJSON), parseStats(t, "rqstats", pyJSON)
	for _, q := range pyStats {
		delete(q["connection_kwargs"].(map[string]any), "password") // redis-py shows it; rq stats never does
	}
	if !reflect.DeepEqual(goStats, pyStats) {
		t.Errorf("rq stats --json --rq2 and django-rq 3.0.1's rqstats --json differ (queue.key: rq stats | rqstats):\n%s\nrq stats: %s\nrqstats:  %s",
			strings.Join(statsDiffs(goStats, pyStats), "\n"), goJSON, pyJSON)
	}
	kwargs := regexp.MustCompile(`"connection_kwargs": \{[^}]*\}`)
	strip := func(b []byte) string {
		return strings.TrimSpace(kwargs.ReplaceAllString(string(b), `"connection_kwargs": {}`))
	}
	if g, p := strip(goJSON), strip(pyJSON); g != p {
		t.Errorf("the JSON texts differ beyond connection_kwargs:\nrq stats: %s\nrqstats:  %s", g, p)
	}

	// A sanity check that the state is what the comparison is about:
	// jobs, workers, finished, started, deferred, failed, scheduled, and
	// the scheduler's PID (this process's) that django-rq reads in low's
	// lock.
	pid := float64(os.Getpid())
	want := map[string][]any{
		"default": {2.0, 0.0, 3.0, 0.0, 1.0, 2.0, 1.0, nil},
		"high":    {1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, nil},
		"low":     {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, pid},
	}
	for _, q := range pyStats {
		got := []any{q["jobs"], q["workers"], q["finished_jobs"], q["started_jobs"], q["deferred_jobs"], q["failed_jobs"], q["scheduled_jobs"], q["scheduler_pid"]}
		if w := want[q["name"].(string)]; !reflect.DeepEqual(got, w) {
			t.Errorf("rqstats, queue %v: jobs, workers, finished, started, deferred, failed, scheduled, scheduler_pid = %v, want %v", q["name"], got, w)
		}
	}
}

// djangoPages is a Python program that gets each URL of its arguments
// with Django's test client, logged in as a superuser, and prints a JSON
// object: URL → {"status", "body"} or {"error"} (a view's traceback).
const djangoPages = `
import json, sys, traceback
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
client = Client()
client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
pages = {}
for url in sys.argv[1:]:
    try:
        r = client.get(url)
        pages[url] = {"status": r.status_code, "body": r.content.decode()}
    except Exception:
        pages[url] = {"error": traceback.format_exc()}
print(json.dumps(pages))
`

// TestDjangoRQ2AdminViews renders django-rq 3.0.1's admin views (run by
// RQ 2.3.3) of the state a Go fleet wrote with RQ2 set: the queue list,
// each registry's job list, each job's detail and the workers. Each must
// answer 200 and show the Go jobs' IDs (and workers' names).
func TestDjangoRQ2AdminViews(t *testing.T) {
	for _, ser := range []string{"json", "pickle"} {
		t.Run(ser, func(t *testing.T) { testDjangoRQ2AdminViews(t, ser) })
	}
}

func testDjangoRQ2AdminViews(t *testing.T, ser string) {
	fleet := buildRQ2Fleet(t, ser)
	// The queues' indexes are their order in RQ_QUEUES.
	index := map[string]int{"default": 0, "high": 1, "low": 2}
	registryPath := map[string]string{"queued": "", "finished": "finished/", "failed": "failed/",
		"started": "started/", "deferred": "deferred/", "scheduled": "scheduled/"}
	want := map[string][]string{ // URL → what its page must show
		"/django-rq/": {"default", "high", "low"},
		fmt.Sprintf("/django-rq/workers/%d/", index["high"]): {fleet.busy},
	}
	// A worker's page reads its current job with the worker's serializer,
	// which RQ 2.3.3 keeps nowhere in Redis: django-rq's worker_details
	// calls Worker.find_by_key without one, so it decodes with pickle and
	// fails on any worker of a JSON queue, Python's own included.
	if ser == "pickle" {
		want[fmt.Sprintf("/django-rq/workers/%d/rq:worker:%s/", index["high"], fleet.busy)] = []string{fleet.busy, "run-1"}
	}
	for q, registries := range fleet.jobs {
		for registry, ids := range registries {
			list := fmt.Sprintf("/django-rq/queues/%d/%s", index[q], registryPath[registry])
			want[list] = append(want[list], ids...)
			for _, id := range ids {
				want[fmt.Sprintf("/django-rq/queues/%d/%s/", index[q], id)] = []string{id}
			}
		}
	}
	var urls []string
	for u := range want {
		urls = append(urls, u)
	}
	out := djangoRQ2(t, fleet, append([]string{"-c", djangoPages}, urls...)...)
	var pages map[string]struct {
		Status int
		Body   string
		Error  string
	}
	if err := json.Unmarshal(out, &pages); err != nil {
		t.Fatalf("the pages: %v\n%s", err, out)
	}
	for _, u := range urls {
		p := pages[u]
		switch {
		case p.Error != "":
			t.Errorf("GET %s raised:\n%s", u, p.Error)
		case p.Status != 200:
			t.Errorf("GET %s: status %d\n%s", u, p.Status, p.Body)
		default:
			for _, s := range want[u] {
				if !strings.Contains(p.Body, s) {
					t.Errorf("GET %s: the page does not show %q", u, s)
				}
			}
		}
	}
}

// statsDiffs lists, for each queue, each key whose value differs between
// two rqstats-style lists of queues, with (absent) for a missing key.
func statsDiffs(a, b []map[string]any) []string {
	var diffs []string
	for i := range min(len(a), len(b)) {
		seen := map[string]bool{}
		for _, m := range []map[string]any{a[i], b[i]} {
			for k := range m {
				if seen[k] {
					continue
				}
				seen[k] = true
				va, aok := a[i][k]
				vb, bok := b[i][k]
				if !reflect.DeepEqual(va, vb) || aok != bok {
					show := func(v any, ok bool) string {
						if !ok {
							return "(absent)"
						}
						j, _ := json.Marshal(v)
						return string(j)
					}
					diffs = append(diffs, fmt.Sprintf("  %v.%s: %s | %s", a[i]["name"], k, show(va, aok), show(vb, bok)))
				}
			}
		}
	}
	sort.Strings(diffs)
	return diffs
}
