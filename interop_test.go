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

// These tests share queues between rqlite and Python RQ, in both
// directions and with both serializers: Python enqueues and an rqlite
// worker runs; rqlite enqueues and a Python worker runs; and both kinds of
// worker serve the same queue at once. Each runs against Debian 12's RQ
// 1.13 and against RQ 2.3.3 (Debian 13's, see rqtest.PythonRQ2), the Go
// side then writing RQ 2.x's layout (rq --rq2, QueueOptions.RQ2).

// rqVersion is a Python RQ that the interop tests run against.
type rqVersion struct {
	name string // the subtest's name
	rq2  bool   // RQ 2.x: Python imports RQ 2.3.3 and Go runs with --rq2
}

var rqVersions = []rqVersion{{"rq1.13", false}, {"rq2.3.3", true}}

// eachVersionAndSerializer runs f in a subtest for each Python RQ version
// and, under it, each serializer.
func eachVersionAndSerializer(t *testing.T, f func(t *testing.T, v rqVersion, ser string)) {
	for _, v := range rqVersions {
		t.Run(v.name, func(t *testing.T) {
			for _, ser := range []string{"json", "pickle"} {
				t.Run(ser, func(t *testing.T) { f(t, v, ser) })
			}
		})
	}
}

// interop is what an interoperability test works with.
type interop struct {
	t       *testing.T
	ctx     context.Context
	v       rqVersion
	python  string
	rq2Path string // with RQ 2.x, the folder first on Python's PYTHONPATH
	url     string
	rdb     *redis.Client
	rq      string // the rq binary of this repository
}

func newInterop(t *testing.T, v rqVersion) *interop {
	t.Helper()
	var python, rq2Path string
	if v.rq2 {
		python, rq2Path = rqtest.PythonRQ2(t)
	} else {
		python = rqtest.PythonRQ(t)
	}
	url := rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return &interop{t: t, ctx: context.Background(), v: v, python: python, rq2Path: rq2Path, url: url, rdb: rdb,
		rq: filepath.Join(buildCommands(t), "rq")}
}

// env is the environment of the programs run: Python finds the module
// tareas (and, with RQ 2.x, RQ 2.3.3 first).
func (in *interop) env() []string {
	root, _ := os.Getwd()
	path := filepath.Join(root, "python")
	if in.rq2Path != "" {
		path = in.rq2Path + string(os.PathListSeparator) + path
	}
	return append(os.Environ(), "REDIS_URL="+in.url, "PYTHONPATH="+path, "NO_COLOR=1")
}

// goArgs are the arguments of this repository's rq for args: with RQ 2.x,
// --rq2 first.
func (in *interop) goArgs(args ...string) []string {
	if in.v.rq2 {
		args = append([]string{"--rq2"}, args...)
	}
	return args
}

// goRQ runs this repository's rq (with --rq2 for RQ 2.x) and returns its
// standard output.
func (in *interop) goRQ(args ...string) string {
	in.t.Helper()
	return in.run(in.rq, in.goArgs(args...)...)
}

// queue is the default queue, in the layout of the RQ version.
func (in *interop) queue(ser string) *rqlite.Queue {
	s, err := rqlite.SerializerByName(ser)
	check(in.t, err)
	return rqlite.NewQueue("default", in.rdb, &rqlite.QueueOptions{Serializer: s, RQ2: in.v.rq2})
}

// run runs a program and returns its standard output; standard error is
// logged.
func (in *interop) run(name string, args ...string) string {
	in.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = in.env()
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
	path := in.t.TempDir()
	dir := path
	if in.v.rq2 {
		// django-rq 3.0.1, beside RQ 2.3.3.
		_, rq2Path := rqtest.PythonRQ2(in.t, "django_rq")
		path = rq2Path + string(os.PathListSeparator) + dir
	} else {
		rqtest.PythonRQ(in.t, "django_rq")
	}
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
	cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=settings", "PYTHONPATH="+path)
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
	eachVersionAndSerializer(t, func(t *testing.T, v rqVersion, ser string) {
		in := newInterop(t, v)
		in.py(ser, `
suma = q.enqueue("tareas.sumar", 2, 3, job_id="suma", result_ttl=100, description="dos más tres", meta={"autor": "py"})
q.enqueue("tareas.saludar", nombre="Ana", saludo="buenas", job_id="saludo", failure_ttl=50, job_timeout="1m", ttl=300)
q.enqueue("tareas.fallar", "mal", job_id="fallo", retry=Retry(max=1))
q.enqueue("tareas.sumar", 1, 1, job_id="hijo", depends_on=suma)
q.enqueue("tareas.sumar", 5, 5, job_id="primero", at_front=True)
q.enqueue("tareas.solo_python", job_id="ajeno")
q.enqueue_call("tareas.sumar", args=(4,), kwargs={"b": 6}, job_id="llamada")
`)
		log := in.goRQ("worker", "--burst", "-S", ser, "-n", "go-"+ser, "default")
		if i, j := strings.Index(log, "(primero)"), strings.Index(log, "(suma)"); i < 0 || j < 0 || i > j {
			t.Errorf("the at_front job did not run first:\n%s", log)
		}
		got := in.py(ser, `
for i in ["suma", "saludo", "fallo", "hijo", "primero", "ajeno", "llamada"]:
    j = fetch(i)
    exc = (j.exc_info or "").strip().splitlines()
    print(i, j.get_status(), repr(j.return_value()), exc[-1] if exc else "-", j.worker_name, j.retries_left, [x.type.name for x in j.results()])
print("meta", fetch("suma").meta, "ttl", fetch("suma").result_ttl, r.ttl("rq:job:suma") <= 100)
print("failed", sorted(FailedJobRegistry(queue=q).get_job_ids()))
print("finished", len(FinishedJobRegistry(queue=q)), "deferred", len(DeferredJobRegistry(queue=q)))
`)
		// RQ 1.13's get_status returns the hash's status, a str; RQ
		// 2.x's returns a member of the enum JobStatus (a str subclass),
		// which prints as JobStatus.FINISHED: the same status, printed
		// otherwise.
		finished, failed := "finished", "failed"
		if v.rq2 {
			finished, failed = "JobStatus.FINISHED", "JobStatus.FAILED"
		}
		// Each job has one result: a retried failure saves none, only
		// the last run's does.
		want := fmt.Sprintf(`suma %[2]s 5 - go-%[1]s None ['SUCCESSFUL']
saludo %[2]s 'buenas, Ana' - go-%[1]s None ['SUCCESSFUL']
fallo %[3]s None Error: mal go-%[1]s 0 ['FAILED']
hijo %[2]s 2 - go-%[1]s None ['SUCCESSFUL']
primero %[2]s 10 - go-%[1]s None ['SUCCESSFUL']
ajeno %[3]s None Error: unknown function "tareas.solo_python": no task is registered under that name in this worker go-%[1]s None ['FAILED']
llamada %[2]s 10 - go-%[1]s None ['SUCCESSFUL']
meta {'autor': 'py'} ttl 100 True
failed ['ajeno', 'fallo']
finished 5 deferred 0
`, ser, finished, failed)
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

func TestInteropGoToPython(t *testing.T) {
	eachVersionAndSerializer(t, func(t *testing.T, v rqVersion, ser string) {
		in := newInterop(t, v)
		q := in.queue(ser)
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

		// Before any worker runs, Python reads hijo deferred. RQ 2.x's
		// registries clean themselves when counted or listed: a deferred
		// job whose score has passed is failed ("Expired in
		// DeferredJobRegistry"). RQ 2.3.3 scores a deferred job now+ttl,
		// or +inf without a TTL; RQ 1.13 scored it now and never expired
		// it. The status prints as in TestInteropPythonToGo.
		got := in.py(ser, fmt.Sprintf(`
print(len(q.deferred_job_registry), q.deferred_job_registry.get_job_ids(), fetch(%q).get_status())
`, hijo.ID))
		want := fmt.Sprintf("1 ['%s'] deferred\n", hijo.ID)
		if v.rq2 {
			want = fmt.Sprintf("1 ['%s'] JobStatus.DEFERRED\n", hijo.ID)
		}
		if got != want {
			t.Errorf("before the worker, Python reads the deferred registry and hijo as:\n%swant:\n%s", got, want)
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

// TestInteropMixedFleet runs one Python and two rqlite workers on the same
// queue: each of 1,000 jobs must run exactly once, and each side must read
// the other's workers.
func TestInteropMixedFleet(t *testing.T) {
	eachVersionAndSerializer(t, testMixedFleet)
}

func testMixedFleet(t *testing.T, v rqVersion, ser string) {
	in := newInterop(t, v)
	const jobs = 1000
	procs := []*exec.Cmd{
		in.start(in.python, "-c", "import sys; from rq.cli import main; sys.exit(main())", "worker", "-u", in.url,
			"-S", pythonSerializer[ser], "-n", "py", "default"),
		in.start(in.rq, in.goArgs("worker", "-S", ser, "-n", "go1", "default")...),
		in.start(in.rq, in.goArgs("worker", "-S", ser, "-n", "go2", "default")...),
	}
	in.waitFor("the three workers to register", func() bool { return in.rdb.SCard(in.ctx, "rq:workers:default").Val() == 3 })

	for _, info := range []string{in.pythonRQ("info", "-u", in.url, "default"), in.goRQ("info", "default")} {
		for _, name := range []string{"py (", "go1 (", "go2 ("} {
			if !strings.Contains(info, name) {
				t.Errorf("rq info does not list worker %s:\n%s", name, info)
			}
		}
	}

	q := in.queue(ser)
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
	// The Go workers, on one queue, pass each job through the queue's
	// intermediate list (BLMOVE), which RQ 1.13's workers do not know:
	// they took their share all the same, and the list is left empty.
	if byWorker["py"] == 0 {
		t.Errorf("the Python worker ran no job: %v", byWorker)
	}
	if n := in.rdb.Exists(in.ctx, "rq:queue:default:intermediate").Val(); n != 0 {
		t.Errorf("the intermediate list is left with %d jobs", in.rdb.LLen(in.ctx, "rq:queue:default:intermediate").Val())
	}
}

// start starts a long-running program, stopped at the end of the test.
func (in *interop) start(name string, args ...string) *exec.Cmd {
	in.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = in.env()
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
	rqtest.WaitFor(in.t, time.Minute, what, cond)
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
