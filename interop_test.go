package rqlitetutorial_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	_ "github.com/colasrq/rqlite-tutorial/tareas"
)

// These tests share queues between rqlite and Debian's Python RQ 1.13, in
// both directions and with both serializers: Python enqueues and an rqlite
// worker runs; rqlite enqueues and a Python worker runs; and both kinds of
// worker serve the same queue at once.

// interop is what an interoperability test works with.
type interop struct {
	t      *testing.T
	ctx    context.Context
	python string
	url    string
	rdb    *redis.Client
	rq     string // the rq binary of this repository
}

func newInterop(t *testing.T) *interop {
	t.Helper()
	python := rqtest.PythonRQ(t)
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return &interop{t: t, ctx: context.Background(), python: python, url: url, rdb: rdb,
		rq: filepath.Join(buildCommands(t), "rq")}
}

// run runs a program and returns its standard output; standard error is
// logged.
func (in *interop) run(name string, args ...string) string {
	in.t.Helper()
	cmd := exec.Command(name, args...)
	root, _ := os.Getwd()
	cmd.Env = append(os.Environ(), "REDIS_URL="+in.url, "PYTHONPATH="+filepath.Join(root, "python"), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		in.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		in.t.Logf("%s stderr:\n%s", filepath.Base(name), stderr.String())
	}
	return stdout.String()
}

// py runs a Python program; PRELUDE gives it a connection r, the serializer
// S and a queue q.
func (in *interop) py(serializer, program string) string {
	in.t.Helper()
	return in.run(in.python, "-c", fmt.Sprintf(`
import os, sys, zlib
from redis import Redis
from rq import Queue, Retry
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, DeferredJobRegistry
from rq.serializers import DefaultSerializer, JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
S = %s
q = Queue("default", connection=r, serializer=S)
def fetch(i):
    return Job.fetch(i, connection=r, serializer=S)
%s`, map[string]string{"json": "JSONSerializer", "pickle": "DefaultSerializer"}[serializer], program))
}

// djangoStats runs django-rq's rqstats --json on the default queue.
func (in *interop) djangoStats() string {
	in.t.Helper()
	rqtest.PythonRQ(in.t, "django_rq")
	dir := in.t.TempDir()
	settings := fmt.Sprintf(`SECRET_KEY = "x"
INSTALLED_APPS = ["django_rq"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
RQ_QUEUES = {"default": {"URL": %q}}
`, in.url)
	if err := os.WriteFile(filepath.Join(dir, "settings.py"), []byte(settings), 0o644); err != nil {
		in.t.Fatal(err)
	}
	cmd := exec.Command(in.python, "-m", "django", "rqstats", "--json")
	cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=settings", "PYTHONPATH="+dir)
	out, err := cmd.Output()
	if err != nil {
		in.t.Fatalf("rqstats: %v\n%s", err, out)
	}
	return string(out)
}

// pythonRQ runs Python RQ's command line (rq worker, rq info...).
func (in *interop) pythonRQ(args ...string) string {
	in.t.Helper()
	return in.run(in.python, append([]string{"-c", "import sys; from rq.cli import main; sys.exit(main())"}, args...)...)
}

var pythonSerializer = map[string]string{"json": "rq.serializers.JSONSerializer", "pickle": "rq.serializers.DefaultSerializer"}

func TestInteropPythonToGo(t *testing.T) {
	for _, ser := range []string{"json", "pickle"} {
		t.Run(ser, func(t *testing.T) {
			in := newInterop(t)
			in.py(ser, `
suma = q.enqueue("tareas.sumar", 2, 3, job_id="suma", result_ttl=100, description="dos más tres", meta={"autor": "py"})
q.enqueue("tareas.saludar", nombre="Ana", saludo="buenas", job_id="saludo", failure_ttl=50, job_timeout="1m", ttl=300)
q.enqueue("tareas.fallar", "mal", job_id="fallo", retry=Retry(max=1))
q.enqueue("tareas.sumar", 1, 1, job_id="hijo", depends_on=suma)
q.enqueue("tareas.sumar", 5, 5, job_id="primero", at_front=True)
q.enqueue("tareas.solo_python", job_id="ajeno")
q.enqueue_call("tareas.sumar", args=(4,), kwargs={"b": 6}, job_id="llamada")
`)
			log := in.run(in.rq, "worker", "--burst", "-S", ser, "-n", "go-"+ser, "default")
			if i, j := strings.Index(log, "(primero)"), strings.Index(log, "(suma)"); i < 0 || j < 0 || i > j {
				t.Errorf("the at_front job did not run first:\n%s", log)
			}
			got := in.py(ser, `
for i in ["suma", "saludo", "fallo", "hijo", "primero", "ajeno", "llamada"]:
    j = fetch(i)
    exc = (j.exc_info or "").strip().splitlines()
    print(i, j.get_status(), repr(j.return_value()), exc[-1] if exc else "-", j.worker_name, j.retries_left)
print("meta", fetch("suma").meta, "ttl", fetch("suma").result_ttl, r.ttl("rq:job:suma") <= 100)
print("failed", sorted(FailedJobRegistry(queue=q).get_job_ids()))
print("finished", len(FinishedJobRegistry(queue=q)), "deferred", len(DeferredJobRegistry(queue=q)))
`)
			want := fmt.Sprintf(`suma finished 5 - go-%[1]s None
saludo finished 'buenas, Ana' - go-%[1]s None
fallo failed None Error: mal go-%[1]s 0
hijo finished 2 - go-%[1]s None
primero finished 10 - go-%[1]s None
ajeno failed None Error: unknown function "tareas.solo_python": no task is registered under that name in this worker go-%[1]s None
llamada finished 10 - go-%[1]s None
meta {'autor': 'py'} ttl 100 True
failed ['ajeno', 'fallo']
finished 5 deferred 0
`, ser)
			if got != want {
				t.Errorf("Python reads:\n%s\nwant:\n%s", got, want)
			}
			// django-rq's rqstats reads the same state.
			stats := in.djangoStats()
			for _, part := range []string{`"name": "default", "jobs": 0`, `"finished_jobs": 5, "started_jobs": 0, "deferred_jobs": 0, "failed_jobs": 2`} {
				if !strings.Contains(stats, part) {
					t.Errorf("rqstats --json lacks %s:\n%s", part, stats)
				}
			}
			// The failed job ran twice: once, and its one retry.
			if n := strings.Count(log, "default: tareas.fallar('mal') (fallo)"); n != 2 {
				t.Errorf("fallo ran %d times:\n%s", n, log)
			}
		})
	}
}

func TestInteropGoToPython(t *testing.T) {
	for _, ser := range []string{"json", "pickle"} {
		t.Run(ser, func(t *testing.T) {
			in := newInterop(t)
			s, _ := rqlite.SerializerByName(ser)
			q := rqlite.NewQueue("default", in.rdb, &rqlite.QueueOptions{Serializer: s})
			suma, err := q.EnqueueCall(in.ctx, "tareas.sumar", &rqlite.EnqueueOptions{Args: []any{2, 3}, JobID: "suma", Meta: map[string]any{"autor": "go"}})
			check(t, err)
			saludo, err := q.Enqueue(in.ctx, "tareas.saludar", "Ana", rqlite.Kwargs{"saludo": "buenas"})
			check(t, err)
			fallo, err := q.EnqueueCall(in.ctx, "tareas.fallar", &rqlite.EnqueueOptions{Args: []any{"mal"}, Retry: &rqlite.Retry{Max: 1}})
			check(t, err)
			hijo, err := q.EnqueueCall(in.ctx, "tareas.sumar", &rqlite.EnqueueOptions{Args: []any{1, 1}, DependsOn: []string{suma.ID}})
			check(t, err)
			ajeno, err := q.Enqueue(in.ctx, rqlite.External("tareas.solo_python"))
			check(t, err)
			if hijo.Status != rqlite.StatusDeferred {
				t.Fatalf("hijo is %s", hijo.Status)
			}

			in.pythonRQ("worker", "--burst", "-u", in.url, "-S", pythonSerializer[ser], "-n", "py-"+ser, "default")

			for job, want := range map[*rqlite.Job]any{suma: int64(5), saludo: "buenas, Ana", hijo: int64(2), ajeno: "desde Python"} {
				check(t, job.Refresh(in.ctx))
				v, err := job.ReturnValue(in.ctx)
				if job.Status != rqlite.StatusFinished || v != want || err != nil || job.WorkerName != "py-"+ser {
					t.Errorf("%s: status %s, value %#v (%v), worker %q; want finished, %#v", job.ID, job.Status, v, err, job.WorkerName, want)
				}
			}
			check(t, fallo.Refresh(in.ctx))
			exc, _ := fallo.ExcInfo(in.ctx)
			if fallo.Status != rqlite.StatusFailed || fallo.RetriesLeft != 0 || !strings.HasSuffix(strings.TrimSpace(exc), "ValueError: mal") {
				t.Errorf("fallo: status %s, retries left %d, exc_info %q", fallo.Status, fallo.RetriesLeft, exc)
			}
			if suma.Meta["autor"] != "go" {
				t.Errorf("meta = %v", suma.Meta)
			}
			if n, _ := q.Registry(rqlite.Finished).Count(in.ctx); n != 4 {
				t.Errorf("%d finished jobs, want 4", n)
			}
		})
	}
}

// TestInteropMixedFleet runs one Python and two rqlite workers on the same
// queue: each of 1,000 jobs must run exactly once, and each side must read
// the other's workers.
func TestInteropMixedFleet(t *testing.T) {
	in := newInterop(t)
	const jobs = 1000
	procs := []*exec.Cmd{
		in.start(in.python, "-c", "import sys; from rq.cli import main; sys.exit(main())", "worker", "-u", in.url,
			"-S", pythonSerializer["json"], "-n", "py", "default"),
		in.start(in.rq, "worker", "-n", "go1", "default"),
		in.start(in.rq, "worker", "-n", "go2", "default"),
	}
	in.waitFor("the three workers to register", func() bool { return in.rdb.SCard(in.ctx, "rq:workers:default").Val() == 3 })

	for _, info := range []string{in.pythonRQ("info", "-u", in.url, "default"), in.run(in.rq, "info", "default")} {
		for _, name := range []string{"py (", "go1 (", "go2 ("} {
			if !strings.Contains(info, name) {
				t.Errorf("rq info does not list worker %s:\n%s", name, info)
			}
		}
	}

	q := rqlite.NewQueue("default", in.rdb, nil)
	calls := make([]rqlite.Call, jobs)
	for i := range calls {
		calls[i] = rqlite.Call{Func: "tareas.sumar", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i, i}, JobID: fmt.Sprint("j", i)}}
	}
	_, err := q.EnqueueMany(in.ctx, calls)
	check(t, err)
	finished := q.Registry(rqlite.Finished)
	in.waitFor("every job to finish", func() bool { n, _ := finished.Count(in.ctx); return n == jobs })

	for _, w := range []string{"py", "go1", "go2"} {
		check(t, rqlite.SendShutdownCommand(in.ctx, in.rdb, w))
	}
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Errorf("%s: %v\n%s", p.Path, err, p.Stderr)
		}
	}

	byWorker := map[string]int{}
	for i := range jobs {
		id := fmt.Sprint("j", i)
		if n := in.rdb.XLen(in.ctx, "rq:results:"+id).Val(); n != 1 {
			t.Fatalf("job %s has %d results: it ran %d times", id, n, n)
		}
		job, err := q.FetchJob(in.ctx, id)
		check(t, err)
		if v, _ := job.ReturnValue(in.ctx); v != int64(2*i) {
			t.Fatalf("job %s returned %v", id, v)
		}
		byWorker[job.WorkerName]++
	}
	if byWorker["go1"]+byWorker["go2"] == 0 || len(byWorker) < 2 {
		t.Errorf("jobs by worker: %v; want the work shared", byWorker)
	}
	t.Logf("jobs by worker: %v", byWorker)
}

// start starts a long-running program, stopped at the end of the test.
func (in *interop) start(name string, args ...string) *exec.Cmd {
	in.t.Helper()
	cmd := exec.Command(name, args...)
	root, _ := os.Getwd()
	cmd.Env = append(os.Environ(), "REDIS_URL="+in.url, "PYTHONPATH="+filepath.Join(root, "python"), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func (in *interop) waitFor(what string, cond func() bool) {
	in.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			in.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPythonTareasMirrorsGo checks that python/tareas.py, the module of the
// Python workers, defines only tasks that the Go package tareas registers
// under the same name (but for the one that exists only in Python).
func TestPythonTareasMirrorsGo(t *testing.T) {
	src, err := os.ReadFile("python/tareas.py")
	if err != nil {
		t.Fatal(err)
	}
	defs := regexp.MustCompile(`(?m)^def ([a-z][a-z_]*)\(`).FindAllStringSubmatch(string(src), -1)
	if len(defs) < 3 {
		t.Fatalf("python/tareas.py defines %d functions", len(defs))
	}
	for _, d := range defs {
		name := "tareas." + d[1]
		if _, ok := rqlite.DefaultTasks.Lookup(name); !ok && d[1] != "solo_python" {
			t.Errorf("%s is defined in python/tareas.py but not registered in Go", name)
		}
	}
}
