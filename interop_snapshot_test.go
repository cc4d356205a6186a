package rqlitetutorial_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/cli"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestInteropSnapshot proves interoperability instead of assuming it: the
// same jobs (testdata/snapshot/snapshot.py: return values of every kind,
// failures, meta saved by the task, result and failure TTLs, dependencies
// on a job that succeeds and on one that fails, retries, callbacks, a
// timeout) are enqueued by Python, with the same IDs, into three databases
// and run there by Python RQ's worker, by rqlite's rq worker and by
// rqlite's rq worker --isolated. Python then reads in each database
// everything RQ shows about the jobs, their registries and the worker
// into a normalised snapshot, and the test fails with every difference
// between Python's and each Go worker's. It does so with RQ 1.13 and with
// RQ 2.3.3 (rq --rq2 worker), with both serializers.
func TestInteropSnapshot(t *testing.T) {
	rqtest.RequireRealRedis(t) // Python RQ's worker needs CLIENT LIST
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("rq1.13", func(t *testing.T) {
		python := rqtest.PythonRQ(t)
		peer := snapshotPeer{python: python, root: root}
		peer.eachSerializer(t)
	})
	t.Run("rq2.3.3", func(t *testing.T) {
		python, path := rqtest.PythonRQ2(t)
		peer := snapshotPeer{python: python, rq2Path: path, rq2: true, root: root}
		peer.eachSerializer(t)
	})
}

// snapshotPeer is the Python RQ of a snapshot comparison.
type snapshotPeer struct {
	python  string
	rq2Path string // first on PYTHONPATH: the folder with RQ 2.x
	rq2     bool   // the Go workers run with --rq2
	root    string // the repository
}

func (p snapshotPeer) eachSerializer(t *testing.T) {
	for _, ser := range []string{"json", "pickle"} {
		t.Run(ser, func(t *testing.T) { p.compare(t, ser) })
	}
}

// snapshotWorkers are the workers compared, Python's first.
var snapshotWorkers = []string{"python", "go", "go-isolated"}

// compare runs the jobs through each worker, in a database of its own,
// and reports how Go's snapshots differ from Python's.
func (p snapshotPeer) compare(t *testing.T, ser string) {
	urls := make([]string, len(snapshotWorkers))
	for i := range urls {
		urls[i] = rqtest.URL(t)
	}
	p.snapshotPy(t, append([]string{"enqueue", ser}, urls...)...)
	logs := p.runWorkers(t, ser, urls)

	var snaps []map[string]any
	out := p.snapshotPy(t, append([]string{"read", ser}, urls...)...)
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != len(urls) {
		t.Fatalf("snapshot.py read: %v (%d snapshots)\n%s", err, len(snaps), out)
	}
	want := flattenSnapshot(snaps[0])
	if want["worker.exists"] != "true" || want["jobs.echo_text.status"] != `"finished"` || want["jobs.fail.status"] != `"failed"` {
		t.Fatalf("Python's own worker did not run the jobs:\n%s", logs[0])
	}
	p.compareLogs(t, logs)
	for i, who := range snapshotWorkers[1:] {
		if diffs := diffSnapshots(want, flattenSnapshot(snaps[i+1])); len(diffs) > 0 {
			t.Errorf("what Python reads after the %s worker differs from what it reads after Python's, at %d paths (path: python | %s):\n%s\n%s log:\n%s",
				who, len(diffs), who, strings.Join(diffs, "\n"), who, logs[i+1])
		}
	}
}

// runWorkers runs the burst workers, each on its database, at once, and
// returns their logs.
func (p snapshotPeer) runWorkers(t *testing.T, ser string, urls []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	logs := make([]string, len(urls))
	errs := make([]error, len(urls))
	for i, who := range snapshotWorkers {
		cmd := p.workerCmd(ctx, who, ser, urls[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.CombinedOutput()
			logs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("the %s worker: %v\n%s", snapshotWorkers[i], err, logs[i])
		}
	}
	return logs
}

// snapshotPy runs testdata/snapshot/snapshot.py and returns its output.
func (p snapshotPeer) snapshotPy(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(p.python, append([]string{filepath.Join(p.root, "testdata", "snapshot", "snapshot.py")}, args...)...)
	cmd.Env = p.env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("snapshot.py %s: %v\n%s", args[0], err, stderr.String())
	}
	return stdout.String()
}

// env is the environment of the Python programs: RQ 2's folder first if
// any, then the modules tareas and snapshot_tasks.
func (p snapshotPeer) env() []string {
	path := []string{filepath.Join(p.root, "python"), filepath.Join(p.root, "testdata", "snapshot")}
	if p.rq2Path != "" {
		path = append([]string{p.rq2Path}, path...)
	}
	return append(os.Environ(), "PYTHONPATH="+strings.Join(path, string(os.PathListSeparator)), "NO_COLOR=1")
}

// workerCmd is a burst worker named snap on url's default queue: Python
// RQ's rq worker, or this test binary acting as rqlite's rq (see init).
func (p snapshotPeer) workerCmd(ctx context.Context, who, ser, url string) *exec.Cmd {
	args := []string{"worker", "--burst", "-u", url, "-n", "snap"}
	if who == "python" {
		args = append(args, "-S", pythonSerializer[ser], "default")
		cmd := exec.CommandContext(ctx, p.python, append([]string{"-c", "import sys; from rq.cli import main; sys.exit(main())"}, args...)...)
		cmd.Env = p.env()
		return cmd
	}
	args = append(args, "-S", ser)
	if who == "go-isolated" {
		args = append(args, "--isolated")
	}
	if p.rq2 {
		args = append([]string{"--rq2"}, args...)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], append(args, "default")...)
	cmd.Env = append(os.Environ(), snapshotRQEnv+"=1", "NO_COLOR=1")
	return cmd
}

// flattenSnapshot turns a snapshot into path → value (JSON text), a list's
// elements under path[i]. A string in a list (a hash field, a key) is a
// path of its own, path[string], so that a missing or extra one is one
// difference, whatever its position.
func flattenSnapshot(v any) map[string]string {
	flat := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(strings.TrimPrefix(path+"."+k, "."), x)
			}
		case []any:
			if len(v) == 0 {
				flat[path] = "[]"
			}
			for i, x := range v {
				if s, ok := x.(string); ok {
					flat[path+"["+s+"]"] = "present"
				} else {
					walk(fmt.Sprintf("%s[%d]", path, i), x)
				}
			}
		default:
			b, _ := json.Marshal(v)
			flat[path] = string(b)
		}
	}
	walk("", v)
	return flat
}

// diffSnapshots lists, sorted, each path whose value differs: "path: python
// value | go value", with (absent) for a path that one side lacks.
func diffSnapshots(want, got map[string]string) []string {
	var diffs []string
	seen := map[string]bool{}
	for _, m := range []map[string]string{want, got} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			w, wok := want[k]
			g, gok := got[k]
			if w != g || wok != gok {
				diffs = append(diffs, fmt.Sprintf("  %s: %s | %s", k, orAbsent(w, wok), orAbsent(g, gok)))
			}
		}
	}
	sort.Strings(diffs)
	return diffs
}

func orAbsent(v string, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return v
}

// snapshotRQEnv, when set, makes this test binary rqlite's rq command
// with the tasks of snapshot_tasks.py registered: the Go worker of
// TestInteropSnapshot (and its work horses, with --isolated). It acts in
// init, before TestMain, so that this file adds the command without
// touching TestMain.
const snapshotRQEnv = "RQLITE_TEST_SNAPSHOT_RQ"

func init() {
	if os.Getenv(snapshotRQEnv) == "" {
		return
	}
	registerSnapshotTasks()
	os.Exit(cli.Main())
}

// registerSnapshotTasks registers the Go side of
// testdata/snapshot/snapshot_tasks.py, task for task.
func registerSnapshotTasks() {
	rqlite.Register("snapshot_tasks.echo", func(value any) any { return value }, "value")
	rqlite.Register("snapshot_tasks.save_meta", func(ctx context.Context, key string, value any) (any, error) {
		job := rqlite.JobFromContext(ctx)
		if job.Meta == nil {
			job.Meta = map[string]any{}
		}
		job.Meta[key] = value
		return value, job.SaveMeta(ctx)
	}, "key", "value")
	rqlite.Register("snapshot_tasks.sleep", func(ctx context.Context, seconds int) (string, error) {
		select {
		case <-time.After(time.Duration(seconds) * time.Second):
			return "awake", nil
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}, "seconds")
	rqlite.Register("snapshot_tasks.on_success", func(ctx context.Context, job *rqlite.Job, result any) error {
		if job.Meta == nil {
			job.Meta = map[string]any{}
		}
		job.Meta["success_callback"] = result
		return job.SaveMeta(ctx)
	})
	rqlite.Register("snapshot_tasks.on_failure", func(ctx context.Context, job *rqlite.Job, err error) error {
		if job.Meta == nil {
			job.Meta = map[string]any{}
		}
		n, _ := job.Meta["failure_callbacks"].(int64)
		job.Meta["failure_callbacks"] = n + 1
		return job.SaveMeta(ctx)
	})
}
