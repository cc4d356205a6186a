package rqlite_test

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// python runs a Python 3 program with Debian's RQ, with the database URL
// in REDIS_URL, and returns its output.
func python(t *testing.T, url, program string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", "-c", program)
	cmd.Env = append(os.Environ(), "REDIS_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return string(out)
}

// TestPythonReadsWorkerOutcome checks that Python RQ 1.13 reads what an
// rqlite worker leaves in Redis: a running worker in rq info, a finished
// job with its return value, and a failed job with its exc_info.
func TestPythonReadsWorkerOutcome(t *testing.T) {
	rqtest.PythonRQ(t)
	rqtest.RequireRealRedis(t)
	b, r := workerSetup(t)
	opts := b.rdb.Options()
	u := &url.URL{Scheme: "redis", Host: opts.Addr, Path: fmt.Sprint("/", opts.DB)}
	if opts.Password != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}

	q := b.queue("default")
	ok, err := q.Enqueue(b.ctx, "test.note", "hola")
	must(t, err)
	bad, err := q.Enqueue(b.ctx, "test.fail", "x")
	must(t, err)
	blocker, err := b.queue("low").Enqueue(b.ctx, "test.block")
	must(t, err)

	w, _ := b.worker(t, []string{"default", "low"}, &rqlite.WorkerOptions{Name: "go-worker"})
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the blocking job to start", func() bool { return len(r.got()) == 3 })

	info := runRQInfo(t, u.String())
	if !strings.Contains(info, "go-worker (") || !strings.Contains(info, "): busy default, low") {
		t.Errorf("Python's rq info does not show the busy rqlite worker:\n%s", info)
	}

	got := python(t, u.String(), `
import os
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
ok = Job.fetch("`+ok.ID+`", connection=r, serializer=JSONSerializer)
print("ok", ok.get_status(), ok.return_value(), ok.worker_name)
print("finished", FinishedJobRegistry(queue=q).get_job_ids())
bad = Job.fetch("`+bad.ID+`", connection=r, serializer=JSONSerializer)
print("bad", bad.get_status(), "`+bad.ID+`" in FailedJobRegistry(queue=q).get_job_ids())
print("exc", bad.exc_info.splitlines()[-1])
low = Queue("low", connection=r, serializer=JSONSerializer)
print("started", StartedJobRegistry(queue=low).get_job_ids())
`)
	want := "ok finished HOLA go-worker\n" +
		"finished ['" + ok.ID + "']\n" +
		"bad failed True\n" +
		"exc Error: Hoy no me puedo levantar ♪♫\n" +
		"started ['" + blocker.ID + "']\n"
	if got != want {
		t.Errorf("Python read:\n%s\nwant:\n%s", got, want)
	}
	close(r.release)
	w.RequestStop()
	must(t, <-done)
}

func runRQInfo(t *testing.T, url string) string {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-m", "rq.cli", "info", "-u", url).CombinedOutput()
	if err != nil {
		// Older packages have no runnable rq.cli module: use the rq script.
		out, err = exec.Command("/usr/bin/rq", "info", "-u", url).CombinedOutput()
	}
	if err != nil {
		t.Fatalf("rq info: %v\n%s", err, out)
	}
	return string(out)
}

// A Tuple argument reaches Python RQ 1.13 as a tuple with pickle and as a
// list with JSON, as Python's own producer would send it, and the job's
// description shows it as RQ's does, with parentheses.
func TestPythonReadsTuples(t *testing.T) {
	rqtest.PythonRQ(t)
	b, _ := workerSetup(t)
	for _, s := range []struct {
		name   string
		ser    rqlite.Serializer
		python string
		want   string
	}{
		{"pickle", rqlite.Pickle, "DefaultSerializer", "tuple (1, 'a') tuple (None,) tuple ()"},
		{"json", rqlite.JSON, "JSONSerializer", "list [1, 'a'] list [None] list []"},
	} {
		q := rqlite.NewQueue("tuples-"+s.name, b.rdb, &rqlite.QueueOptions{Serializer: s.ser})
		job, err := q.Enqueue(b.ctx, rqlite.External("py.f"), rqlite.Tuple{1, "a"}, rqlite.Tuple{nil}, rqlite.Tuple{})
		must(t, err)
		if want := "py.f((1, 'a'), (None,), ())"; job.Description != want {
			t.Errorf("%s: description %q, want %q", s.name, job.Description, want)
		}
		got := python(t, dbURL(b.rdb), `
import os
from redis import Redis
from rq.job import Job
from rq.serializers import `+s.python+`
j = Job.fetch("`+job.ID+`", connection=Redis.from_url(os.environ["REDIS_URL"]), serializer=`+s.python+`)
print(" ".join(type(a).__name__ + " " + repr(a) for a in j.args), end="")
`)
		if got != s.want {
			t.Errorf("%s: Python reads the arguments as %q, want %q", s.name, got, s.want)
		}
	}
}
