package rqlite_test

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The fields of a job that RQ 2.x producers write, and what a Go worker does
// with them: each enqueued by Python RQ 2.3.3 where it has the field, or
// written as RQ 2.10 writes it where 2.3.3 predates it.

// pythonRQ2 runs program with Python RQ 2.3.3, after a prelude that
// connects r to the test's Redis and makes q, the queue "default" with RQ's
// JSON serializer, and returns its output, trimmed.
func pythonRQ2(t *testing.T, b *bundle, program string) string {
	t.Helper()
	rqtest.RequireRealRedis(t)
	py, path := rqtest.PythonRQ2(t)
	opts := b.rdb.Options()
	u := &url.URL{Scheme: "redis", Host: opts.Addr, Path: fmt.Sprint("/", opts.DB)}
	if opts.Password != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	prelude := `
import os
from redis import Redis
from rq import Queue, Repeat, Callback, Retry
from rq.job import Job, Dependency
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
`
	cmd := exec.Command(py, "-c", prelude+program)
	cmd.Env = append(os.Environ(), "REDIS_URL="+u.String(), "PYTHONPATH="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python (RQ 2.3.3): %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// burst runs a burst worker on queues, in RQ 2.x's layout if rq2, and
// returns its log.
func burst(t *testing.T, b *bundle, name string, rq2 bool, queues ...string) string {
	t.Helper()
	w, log := b.worker(t, queues, &rqlite.WorkerOptions{Name: name, RQ2: rq2, Burst: true})
	must(t, w.Work(b.ctx))
	return log.String()
}

// TestRQ2RepeatFromPython: RQ 2.3.3's Repeat, run by a Go worker as RQ
// 2.10's handle_job_success does (rq/worker/base.py, "if job.repeats_left
// is not None and job.repeats_left > 0: ... Repeat.schedule"): with no
// interval the job is queued again at once, with one it is scheduled, and
// repeats_left goes down; its success is recorded each time.
func TestRQ2RepeatFromPython(t *testing.T) {
	b, r := workerSetup(t)
	ids := strings.Fields(pythonRQ2(t, b, `
a = q.enqueue("test.note", "a", repeat=Repeat(times=1))
b = q.enqueue("test.note", "b", repeat=Repeat(times=2, interval=[0, 60]))
c = Queue("old", connection=r, serializer=JSONSerializer).enqueue("test.note", "c", repeat=Repeat(times=1))
print(a.id, b.id, c.id)
`))
	a, bb, c := ids[0], ids[1], ids[2]
	if h := b.hash(t, bb); h["repeats_left"] != "2" || h["repeat_intervals"] != "[0, 60]" {
		t.Fatalf("RQ 2.3.3 wrote repeats_left %q, repeat_intervals %q", h["repeats_left"], h["repeat_intervals"])
	}
	start := time.Now()
	if log := burst(t, b, "w1", true, "default"); !strings.Contains(log, "Job "+bb+" scheduled to repeat (2 left)") {
		t.Errorf("the worker does not log the repeat as RQ 2.3.3 does:\n%s", log)
	}
	if got := r.got(); !slices.Equal(got, []string{"a", "b", "a"}) {
		t.Errorf("ran %v, want a, b, then a again", got)
	}
	checkRepeated(t, b, a, bb, start)
	got := pythonRQ2(t, b, `
from rq.registry import ScheduledJobRegistry
a, b = Job.fetch("`+a+`", connection=r, serializer=JSONSerializer), Job.fetch("`+bb+`", connection=r, serializer=JSONSerializer)
print(a.get_status().value, a.repeats_left, len(a.results()), a.return_value())
print(b.get_status().value, b.repeats_left, b.id in ScheduledJobRegistry(queue=q))
`)
	if want := "finished 0 2 A\nscheduled 1 True"; got != want {
		t.Errorf("RQ 2.3.3 reads:\n%s\nwant:\n%s", got, want)
	}

	// RQ 1.13 knows no repeats_left: in its layout the job runs once.
	burst(t, b, "w2", false, "old")
	if hc := b.hash(t, c); hc["status"] != "finished" || hc["repeats_left"] != "1" {
		t.Errorf("RQ 1.13 layout: c is %s with %s repeats left, want finished, untouched", hc["status"], hc["repeats_left"])
	}
}

// checkRepeated checks what a Go worker in RQ 2.x's layout, started at
// start, left of job a, Repeat(times=1), run twice, and of job bb,
// Repeat(times=2, interval=[0, 60]), run once.
func checkRepeated(t *testing.T, b *bundle, a, bb string, start time.Time) {
	t.Helper()
	ha, hb := b.hash(t, a), b.hash(t, bb)
	if ha["status"] != "finished" || ha["repeats_left"] != "0" || hb["status"] != "scheduled" || hb["repeats_left"] != "1" {
		t.Errorf("a: %s, %s repeats left; b: %s, %s left", ha["status"], ha["repeats_left"], hb["status"], hb["repeats_left"])
	}
	// b's second run waits repeat_intervals[repeats_left - 1] = 60 s
	// (Repeat.get_interval, counting from the end).
	score := b.rdb.ZScore(b.ctx, "rq:scheduled:default", bb).Val()
	if min := float64(start.Unix() + 59); score < min || score > float64(time.Now().Unix()+61) {
		t.Errorf("b scheduled at %v, want in 60 s (from %v)", score, start.Unix())
	}
	for id, n := range map[string]int{a: 2, bb: 1} {
		if got := len(b.rdb.XRange(b.ctx, "rq:results:"+id, "-", "+").Val()); got != n {
			t.Errorf("job %s: %d results, want %d", id, got, n)
		}
		if b.rdb.ZScore(b.ctx, "rq:finished:default", id).Err() != nil {
			t.Errorf("job %s is not in the finished registry", id)
		}
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+bb).Val(); ttl != -1 {
		t.Errorf("repeated job's TTL = %v, want none: RQ skips its cleanup", ttl)
	}
}

// TestRQ2CallbackTimeoutFromPython: RQ 2.3.3's Callback(..., timeout=1)
// bounds the callback as RQ 2.10's execute_success_callback and
// execute_failure_callback do (rq/job.py, "with
// death_penalty_class(self.success_callback_timeout, JobTimeoutException")
// : a success callback past it fails the job, a failure callback past it
// replaces the job's exc_info with its timeout.
func TestRQ2CallbackTimeoutFromPython(t *testing.T) {
	b, _ := workerSetup(t)
	must(t, b.reg.Register("test.slow_success", func(j *rqlite.Job, result any) { time.Sleep(2 * time.Second) }))
	must(t, b.reg.Register("test.slow_failure", func(j *rqlite.Job, err error) { time.Sleep(2 * time.Second) }))
	ids := strings.Fields(pythonRQ2(t, b, `
s = q.enqueue("test.note", "s", on_success=Callback("test.slow_success", timeout=1))
f = q.enqueue("test.fail", "f", on_failure=Callback("test.slow_failure", timeout=1))
o = Queue("old", connection=r, serializer=JSONSerializer).enqueue("test.note", "o", on_success=Callback("test.slow_success", timeout=1))
print(s.id, f.id, o.id)
`))
	s, f, o := ids[0], ids[1], ids[2]
	if h := b.hash(t, s); h["success_callback_timeout"] != "1" || h["success_callback_name"] != "test.slow_success" {
		t.Fatalf("RQ 2.3.3 wrote %v", h)
	}
	start := time.Now()
	burst(t, b, "w1", true, "default")
	if d := time.Since(start); d > 3500*time.Millisecond {
		t.Errorf("the worker took %v: the callbacks were not cut at 1 s", d)
	}
	const timeout = "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)"
	for _, id := range []string{s, f} {
		// RQ 2.x's layout keeps the failure's text in the result entry.
		entries := b.rdb.XRevRangeN(b.ctx, "rq:results:"+id, "+", "-", 1).Val()
		if len(entries) != 1 {
			t.Fatalf("job %s has no result", id)
		}
		e := entries[0].Values
		if exc := unzipB64(t, e["exc_string"].(string)); e["type"] != "2" || !strings.Contains(exc, timeout) {
			t.Errorf("job %s: result %v, exc_string %q, want failed by the callback's timeout", id, e, exc)
		}
	}
	// RQ 1.13 knows no callback timeout: its CALLBACK_TIMEOUT, 60 s, holds.
	burst(t, b, "w2", false, "old")
	if st := b.hash(t, o)["status"]; st != "finished" {
		t.Errorf("RQ 1.13 layout: o is %s, want finished", st)
	}
}

// TestRQ2EnqueueAtFrontOnRetry: a job RQ 2.10 enqueued with
// Retry(max=1, enqueue_at_front=True) has enqueue_at_front_on_retry '1'
// (rq/job.py, to_dict: "obj['enqueue_at_front_on_retry'] =
// int(self.enqueue_at_front_on_retry)"); RQ 2.3.3's Retry has no such
// argument, so the field is written by hand on the job 2.3.3 enqueued. A
// retry with no wait then goes to the front of the queue (Job.retry:
// "queue._enqueue_job(self, pipeline=pipeline,
// at_front=self.enqueue_at_front_on_retry)"); RQ 1.13 knows no such field.
func TestRQ2EnqueueAtFrontOnRetry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field bool
		rq2   bool
		want  []string
	}{
		{"rq2 at front", true, true, []string{"f", "f", "o"}},
		{"rq2 without the field", false, true, []string{"f", "o", "f"}},
		{"rq1.13 ignores it", true, false, []string{"f", "o", "f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, r := workerSetup(t)
			ids := strings.Fields(pythonRQ2(t, b, `
f = q.enqueue("test.fail", "f", retry=Retry(max=1))
q.enqueue("test.note", "o")
print(f.id)
`))
			if tc.field {
				must(t, b.rdb.HSet(b.ctx, "rq:job:"+ids[0], "enqueue_at_front_on_retry", "1").Err())
			}
			burst(t, b, "w1", tc.rq2, "default")
			if got := r.got(); !slices.Equal(got, tc.want) {
				t.Errorf("ran %v, want %v", got, tc.want)
			}
		})
	}
}

// zscore is the score of member in key, failing the test when it is not
// there.
func zscore(t *testing.T, b *bundle, key, member string) float64 {
	t.Helper()
	s, err := b.rdb.ZScore(b.ctx, key, member).Result()
	if err == redis.Nil {
		t.Fatalf("%s is not in %s", member, key)
	}
	must(t, err)
	return s
}

// TestRQ2SchedulerPutsRetriesAtFront: a retry with a wait is scheduled, and
// RQ 2.10's scheduler then queues it at the front when the job has
// enqueue_at_front_on_retry and has run (scheduler.py:
// "queue._enqueue_job(job, pipeline=pipeline,
// at_front=job.should_enqueue_at_front())"; rq/job.py,
// should_enqueue_at_front: "if self.enqueue_at_front_on_retry and
// self.ended_at is not None"); RQ 1.13's scheduler knows no such field.
func TestRQ2SchedulerPutsRetriesAtFront(t *testing.T) {
	for _, rq2 := range []bool{true, false} {
		t.Run(fmt.Sprint("rq2=", rq2), func(t *testing.T) {
			b, _ := workerSetup(t)
			f := pythonRQ2(t, b, `print(q.enqueue("test.fail", "f", retry=Retry(max=1, interval=1)).id)`)
			must(t, b.rdb.HSet(b.ctx, "rq:job:"+f, "enqueue_at_front_on_retry", "1").Err())
			burst(t, b, "w1", rq2, "default")
			if st := b.hash(t, f)["status"]; st != "scheduled" {
				t.Fatalf("the failed job is %s, want scheduled for its retry", st)
			}
			o := pythonRQ2(t, b, `print(q.enqueue("test.note", "o").id)`)
			s, err := rqlite.NewScheduler(b.rdb, []string{"default"}, &rqlite.SchedulerOptions{RQ2: rq2,
				Now: func() time.Time { return time.Now().Add(5 * time.Second) }, Logger: &rqlite.Logger{Out: &strings.Builder{}}})
			must(t, err)
			_, err = s.EnqueueDue(b.ctx)
			must(t, err)
			want := []string{o, f}
			if rq2 {
				want = []string{f, o}
			}
			if got := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); !slices.Equal(got, want) {
				t.Errorf("queue %v, want %v", got, want)
			}
		})
	}
}
