package rqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// recorder is a set of tasks that note what they run.
type recorder struct {
	mu      sync.Mutex
	ran     []string
	release chan struct{} // closed to let Block return
}

func (r *recorder) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = append(r.ran, s)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ran...)
}

func workerSetup(t *testing.T) (*bundle, *recorder) {
	b := setup(t)
	r := &recorder{release: make(chan struct{})}
	must(t, b.reg.Register("test.note", func(s string) string { r.note(s); return strings.ToUpper(s) }, "s"))
	must(t, b.reg.Register("test.fail", func(s string) error { r.note(s); return errors.New("Hoy no me puedo levantar ♪♫") }, "s"))
	must(t, b.reg.Register("test.panic", func() { panic(fmt.Errorf("no hay %s", "café")) }))
	must(t, b.reg.Register("test.nothing", func() {}))
	must(t, b.reg.Register("test.block", func(ctx context.Context) (string, error) {
		r.note("block")
		select {
		case <-r.release:
			return "released", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}))
	must(t, b.reg.Register("test.stubborn", func() { r.note("stubborn"); <-r.release }))
	must(t, b.reg.Register("test.on_success", func(ctx context.Context, j *rqlite.Job, result any) error {
		r.note(fmt.Sprintf("success %s %v", j.ID, result))
		return nil
	}))
	must(t, b.reg.Register("test.on_failure", func(j *rqlite.Job, err error) {
		r.note(fmt.Sprintf("failure %s %v", j.ID, err))
		panic("the callback breaks too")
	}))
	return b, r
}

func (b *bundle) worker(t *testing.T, queues []string, o *rqlite.WorkerOptions) (*rqlite.Worker, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	if o == nil {
		o = &rqlite.WorkerOptions{}
	}
	if o.Name == "" {
		o.Name = "w1"
	}
	o.Tasks = b.reg
	o.Logger = &rqlite.Logger{Out: &log, Err: &log, Now: func() time.Time { return time.Date(2026, 1, 1, 15, 9, 0, 0, time.Local) }}
	w, err := rqlite.NewWorker(b.rdb, queues, o)
	must(t, err)
	return w, &log
}

// waitFor waits for cond, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	rqtest.WaitFor(t, 10*time.Second, what, cond)
}

func TestBurstWorkerRunsQueuesInPriorityOrder(t *testing.T) {
	b, r := workerSetup(t)
	for _, q := range []string{"low", "default", "high", "default", "low"} {
		_, err := b.queue(q).Enqueue(b.ctx, "test.note", q)
		must(t, err)
	}
	w, log := b.worker(t, []string{"high", "default", "low"}, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if got := strings.Join(r.got(), " "); got != "high default default low low" {
		t.Errorf("ran %s, want high first, then default, then low", got)
	}
	want := `15:09:00 Worker rq:worker:w1: started, version ` + rqlite.Version + `
15:09:00 Subscribing to channel rq:pubsub:w1
15:09:00 \*\*\* Listening on high, default, low...
15:09:00 Cleaning registries for queue: high
15:09:00 Cleaning registries for queue: default
15:09:00 Cleaning registries for queue: low
15:09:00 high: test.note\('high'\) \(job-3\)
15:09:00 high: Job OK \(job-3\)
15:09:00 Result is kept for 500 seconds
15:09:00 default: test.note\('default'\) \(job-2\)
(?s:.*)15:09:00 Worker rq:worker:w1: done, quitting
15:09:00 Unsubscribing from channel rq:pubsub:w1
$`
	if !regexp.MustCompile("^" + want).MatchString(log.String()) {
		t.Errorf("log:\n%s\nwant:\n%s", log, want)
	}
}

func TestWorkerSuccessWritesRQState(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, "test.note", "hola")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))

	h := b.hash(t, job.ID)
	if h["status"] != "finished" || h["worker_name"] != "w1" || h["started_at"] == "" || h["ended_at"] == "" || h["last_heartbeat"] == "" {
		t.Errorf("job hash = %v", h)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+job.ID).Val(); ttl <= 0 || ttl > 500*time.Second {
		t.Errorf("job TTL = %v, want 500s", ttl)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:results:"+job.ID).Val(); ttl <= 0 || ttl > 500*time.Second {
		t.Errorf("results TTL = %v, want 500s", ttl)
	}
	if s, err := b.rdb.ZScore(b.ctx, "rq:finished:default", job.ID).Result(); err != nil || s < float64(time.Now().Unix()+490) {
		t.Errorf("finished score = %v, %v; want now+500", s, err)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
		t.Errorf("%d jobs left in the started registry", n)
	}
	entries := b.rdb.XRange(b.ctx, "rq:results:"+job.ID, "-", "+").Val()
	if len(entries) != 1 || entries[0].Values["type"] != "1" || entries[0].Values["return_value"] != "IkhPTEEi" { // base64 of "HOLA" in JSON
		t.Errorf("results stream = %v", entries)
	}
	v, err := job.ReturnValue(b.ctx)
	if v != "HOLA" || err != nil {
		t.Errorf("ReturnValue = %v, %v", v, err)
	}

	// The dead worker: out of the sets, its hash kept a minute.
	if b.rdb.SIsMember(b.ctx, "rq:workers", "rq:worker:w1").Val() || b.rdb.SIsMember(b.ctx, "rq:workers:default", "rq:worker:w1").Val() {
		t.Error("the worker is still registered")
	}
	wh := b.rdb.HGetAll(b.ctx, "rq:worker:w1").Val()
	for _, f := range []string{"birth", "last_heartbeat", "pid", "hostname", "ip_address", "version", "python_version", "death"} {
		if wh[f] == "" {
			t.Errorf("worker hash has no %s: %v", f, wh)
		}
	}
	if wh["queues"] != "default" || wh["successful_job_count"] != "1" || wh["state"] != "idle" || wh["current_job"] != "" {
		t.Errorf("worker hash = %v", wh)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:worker:w1").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("dead worker TTL = %v", ttl)
	}
}

func TestWorkerResultTTL(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	discard, err := q.EnqueueCall(b.ctx, "test.nothing", &rqlite.EnqueueOptions{ResultTTL: rqlite.Discard})
	must(t, err)
	keep, err := q.EnqueueCall(b.ctx, "test.nothing", &rqlite.EnqueueOptions{ResultTTL: rqlite.Forever})
	must(t, err)
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if b.rdb.Exists(b.ctx, "rq:job:"+discard.ID).Val() != 0 || b.rdb.ZScore(b.ctx, "rq:finished:default", discard.ID).Err() != redis.Nil {
		t.Error("a job with result_ttl 0 was kept")
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+keep.ID).Val(); ttl != -1 {
		t.Errorf("a job kept for ever has TTL %v", ttl)
	}
	if s := b.rdb.ZScore(b.ctx, "rq:finished:default", keep.ID).Val(); s < 1e300 {
		t.Errorf("finished score = %v, want +inf", s)
	}
	// A None result leaves return_value out.
	if e := b.rdb.XRange(b.ctx, "rq:results:"+keep.ID, "-", "+").Val(); len(e) != 1 || len(e[0].Values) != 1 {
		t.Errorf("results = %v", e)
	}
	for _, line := range []string{"Result discarded immediately", "Result will never expire, clean up result key manually"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q", line)
		}
	}
}

func TestWorkerFailureAndCallbacks(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	failed, err := q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"x"}, OnFailure: "test.on_failure"})
	must(t, err)
	ok, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"y"}, OnSuccess: "test.on_success", FailureTTL: time.Hour})
	must(t, err)
	panicked, err := q.EnqueueCall(b.ctx, "test.panic", &rqlite.EnqueueOptions{FailureTTL: time.Hour})
	must(t, err)
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))

	if got := strings.Join(r.got(), "|"); got != "x|failure job-1 Hoy no me puedo levantar ♪♫|y|success job-2 Y" {
		t.Errorf("ran %s", got)
	}
	h := b.hash(t, failed.ID)
	if h["status"] != "failed" {
		t.Errorf("status = %s", h["status"])
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:"+failed.ID).Val(); ttl < 364*24*time.Hour {
		t.Errorf("failed job TTL = %v, want a year", ttl)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:results:"+failed.ID).Val(); ttl != -1 {
		t.Errorf("results of a job without failure_ttl: TTL %v, want none (as RQ)", ttl)
	}
	if s := b.rdb.ZScore(b.ctx, "rq:failed:default", failed.ID).Val(); s < float64(time.Now().Add(364*24*time.Hour).Unix()) {
		t.Errorf("failed score = %v", s)
	}
	// The failure callback runs before the failure is recorded, and its
	// panic takes the place of the job's error, as in RQ.
	exc, err := failed.ExcInfo(b.ctx)
	const callbackExc = "on_failure callback test.on_failure failed:\npanic: the callback breaks too\n\n"
	if err != nil || !strings.HasPrefix(exc, callbackExc) {
		t.Errorf("ExcInfo = %q, %v; want it to start with %q", exc, err, callbackExc)
	}
	if !strings.Contains(log.String(), "Worker rq:worker:w1: error while executing failure callback\n") ||
		!strings.Contains(log.String(), "[Job job-1]: exception raised while executing (test.fail)\n"+callbackExc) {
		t.Errorf("log:\n%s", log)
	}
	if s, _ := ok.GetStatus(b.ctx); s != rqlite.StatusFinished {
		t.Errorf("status of the job after it = %s", s)
	}
	exc, _ = panicked.ExcInfo(b.ctx)
	if !strings.HasPrefix(exc, "test.panic() failed:\npanic: no hay café\n\ngoroutine ") || !strings.Contains(exc, "worker_test.go") {
		t.Errorf("ExcInfo of a panic = %q", exc)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:results:"+panicked.ID).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("results TTL with failure_ttl 1h = %v", ttl)
	}
	wh := b.rdb.HGetAll(b.ctx, "rq:worker:w1").Val()
	if wh["failed_job_count"] != "2" || wh["successful_job_count"] != "1" {
		t.Errorf("worker counters = %v", wh)
	}
}

func TestWorkerFailsUndecodableJobsAndGoesOn(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	_, err := q.Enqueue(b.ctx, "test.note", "antes")
	must(t, err)
	// A job from another program: a function this worker does not know,
	// and a job whose data is not JSON.
	b.rdb.HSet(b.ctx, "rq:job:ajena", "data", "x\x9c\xcbH\xcd\xc9\xc9\x07\x00\x06,\x02\x15", "origin", "default", "status", "queued")
	b.rdb.HSet(b.ctx, "rq:job:python", "data", `["tareas.solo_en_python", null, [], {}]`, "origin", "default", "status", "queued", "description", "tareas.solo_en_python()")
	b.rdb.RPush(b.ctx, "rq:queue:default", "ajena", "python")
	_, err = q.Enqueue(b.ctx, "test.note", "después")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if got := strings.Join(r.got(), " "); got != "antes después" {
		t.Errorf("ran %s", got)
	}
	for id, want := range map[string]string{
		"ajena":  "Error: cannot read job ajena: cannot decode data with the json serializer",
		"python": `Error: unknown function "tareas.solo_en_python": no task is registered under that name in this worker`,
	} {
		j := &rqlite.Job{}
		_ = j
		got, _ := b.rdb.HGet(b.ctx, "rq:job:"+id, "status").Result()
		if got != "failed" {
			t.Errorf("%s: status %q", id, got)
		}
		entries := b.rdb.XRange(b.ctx, "rq:results:"+id, "-", "+").Val()
		if len(entries) != 1 {
			t.Fatalf("%s: results %v", id, entries)
		}
		exc := unzipB64(t, entries[0].Values["exc_string"].(string))
		if !strings.HasPrefix(exc, want) {
			t.Errorf("%s: exc_info %q, want %q…", id, exc, want)
		}
	}
}

func TestWorkerTimeout(t *testing.T) {
	b, r := workerSetup(t)
	// A task that gives back the cause of its context's end, as Go code
	// often does, times out all the same (issue 14, finding 5).
	must(t, b.reg.Register("test.cause", func(ctx context.Context) error {
		r.note("cause")
		<-ctx.Done()
		return context.Cause(ctx)
	}))
	q := b.queue("default")
	var jobs []*rqlite.Job
	for _, task := range []string{"test.block", "test.cause"} {
		job, err := q.EnqueueCall(b.ctx, task, &rqlite.EnqueueOptions{JobTimeout: time.Second})
		must(t, err)
		jobs = append(jobs, job)
	}
	_, err := q.Enqueue(b.ctx, "test.note", "next")
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	for _, job := range jobs {
		exc, _ := job.ExcInfo(b.ctx)
		if exc != "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)" {
			t.Errorf("%s: exc_info = %q", job.FuncName, exc)
		}
	}
	if got := strings.Join(r.got(), " "); got != "block cause next" {
		t.Errorf("ran %s", got)
	}
}

func TestWorkerWarmAndColdShutdown(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	first, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	_, err = q.Enqueue(b.ctx, "test.note", "never")
	must(t, err)

	// Warm: the running job finishes, the next one stays queued.
	w, log := b.worker(t, nil, nil)
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })
	w.RequestStop()
	close(r.release)
	must(t, <-done)
	if s, _ := first.GetStatus(b.ctx); s != rqlite.StatusFinished {
		t.Errorf("after a warm shut down the running job is %s", s)
	}
	if n, _ := q.Count(b.ctx); n != 1 {
		t.Errorf("%d jobs queued, want the one not started", n)
	}
	if !strings.Contains(log.String(), "Worker rq:worker:w1: stopping on request") {
		t.Errorf("log:\n%s", log)
	}

	// Cold: the running job is interrupted and marked failed at once.
	r.release = make(chan struct{})
	second, err := q.EnqueueCall(b.ctx, "test.block", &rqlite.EnqueueOptions{AtFront: true})
	must(t, err)
	w2, _ := b.worker(t, nil, &rqlite.WorkerOptions{Name: "w2"})
	ctx, cancel := context.WithCancel(b.ctx)
	go func() { done <- w2.Work(ctx) }()
	waitFor(t, "the second job to start", func() bool { return len(r.got()) == 2 })
	cancel()
	must(t, <-done)
	if s, _ := second.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("after a cold shut down the running job is %s", s)
	}
	exc, _ := second.ExcInfo(b.ctx)
	if exc != "Job interrupted by a cold shut down of worker rq:worker:w2." {
		t.Errorf("exc_info = %q", exc)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
		t.Errorf("%d jobs left in the started registry", n)
	}
	if b.rdb.SCard(b.ctx, "rq:workers").Val() != 0 {
		t.Error("a stopped worker is still registered")
	}
}

func TestWorkerHeartbeatAndStopJobCommand(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, "test.block")
	must(t, err)
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{JobMonitoringInterval: time.Second})
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })

	wh := b.rdb.HGetAll(b.ctx, "rq:worker:w1").Val()
	if wh["state"] != "busy" || wh["current_job"] != job.ID {
		t.Errorf("busy worker hash = %v", wh)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:worker:w1").Val(); ttl > 61*time.Second {
		t.Errorf("busy worker TTL = %v, want the heartbeat TTL", ttl)
	}
	score := b.rdb.ZScore(b.ctx, "rq:wip:default", job.ID).Val()
	waitFor(t, "a heartbeat", func() bool {
		return b.rdb.HGet(b.ctx, "rq:worker:w1", "current_job_working_time").Val() != "0"
	})
	if s := b.rdb.ZScore(b.ctx, "rq:wip:default", job.ID).Val(); s < score {
		t.Errorf("heartbeat moved the started score back: %v < %v", s, score)
	}

	// RQ's stop-job command, as `rq` or Python's send_stop_job_command sends it.
	must(t, b.rdb.Publish(b.ctx, "rq:pubsub:w1", `{"command": "stop-job", "job_id": "`+job.ID+`"}`).Err())
	waitFor(t, "the job to stop", func() bool { s, _ := job.GetStatus(b.ctx); return s == rqlite.StatusStopped })
	if b.rdb.ZScore(b.ctx, "rq:failed:default", job.ID).Err() != nil {
		t.Error("a stopped job is not in the failed registry")
	}
	must(t, b.rdb.Publish(b.ctx, "rq:pubsub:w1", `{"command": "shutdown"}`).Err())
	must(t, <-done)
	for _, line := range []string{"Job stopped by user, moving job to FailedJobRegistry", "Received shutdown command, sending SIGINT signal."} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log)
		}
	}
}

func TestWorkerEnqueuesDependents(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	a, err := q.Enqueue(b.ctx, "test.note", "a")
	must(t, err)
	c, err := q.Enqueue(b.ctx, "test.fail", "c")
	must(t, err)
	both, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"after a"}, DependsOn: []string{a.ID}})
	must(t, err)
	tolerant, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"after c"}, DependsOn: []string{a.ID, c.ID}, AllowDependencyFailure: true})
	must(t, err)
	strict, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"never"}, DependsOn: []string{c.ID}})
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if got := strings.Join(r.got(), "|"); got != "a|c|after a|after c" {
		t.Errorf("ran %s", got)
	}
	for j, want := range map[*rqlite.Job]rqlite.Status{both: rqlite.StatusFinished, tolerant: rqlite.StatusFinished, strict: rqlite.StatusDeferred} {
		if s, _ := j.GetStatus(b.ctx); s != want {
			t.Errorf("%s is %s, want %s", j.Description, s, want)
		}
	}
	if ids := b.rdb.ZRange(b.ctx, "rq:deferred:default", 0, -1).Val(); len(ids) != 1 || ids[0] != strict.ID {
		t.Errorf("deferred registry = %v", ids)
	}
	// As RQ, only the dependents that were queued leave the set: c's still
	// has the one waiting for it to succeed (after a requeue, say).
	if got := b.rdb.SMembers(b.ctx, "rq:job:"+c.ID+":dependents").Val(); len(got) != 1 || got[0] != strict.ID {
		t.Errorf("dependents of c = %v, want [%s]", got, strict.ID)
	}
}

func TestStartedRegistryCleanupFailsAbandonedJobs(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, "test.note", "x")
	must(t, err)
	// A worker took it and died: its heartbeat expired a minute ago.
	b.rdb.LRem(b.ctx, "rq:queue:default", 0, job.ID)
	b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "status", "started")
	b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: float64(fixedNow.Unix() - 60), Member: job.ID})
	started := q.Registry(rqlite.Started)
	if n, err := started.Count(b.ctx); n != 0 || err != nil {
		t.Errorf("started count = %d, %v", n, err)
	}
	if n, _ := q.Registry(rqlite.Failed).Count(b.ctx); n != 1 {
		t.Errorf("failed count = %d", n)
	}
	exc, _ := job.ExcInfo(b.ctx)
	if !strings.HasPrefix(exc, "Moved to FailedJobRegistry at ") {
		t.Errorf("exc_info = %q", exc)
	}
	if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("status = %s", s)
	}
}

func TestWorkerRefusesADuplicateName(t *testing.T) {
	b, _ := workerSetup(t)
	b.rdb.HSet(b.ctx, "rq:worker:w1", "birth", "2026-11-27T10:00:00.000000Z")
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	if err := w.Work(b.ctx); err == nil || !strings.Contains(err.Error(), `there exists an active worker named "w1" already`) {
		t.Errorf("err = %v", err)
	}
}

func TestCallbackSignatureIsChecked(t *testing.T) {
	b, _ := workerSetup(t)
	_, err := b.queue("default").EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"x"}, OnSuccess: "test.note"})
	if err == nil || !strings.Contains(err.Error(), `on_success: task "test.note"`) {
		t.Errorf("err = %v", err)
	}
}

// A producer that checks nothing (Python's) may name as a callback any
// task: one of the wrong shape fails that callback alone, with a reason,
// and the worker goes on.
func TestWorkerSurvivesCallbacksOfTheWrongShape(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	var ids []string
	for _, field := range []string{"success_callback_name", "failure_callback_name"} {
		for _, name := range []string{"test.nothing", "test.note"} {
			task := "test.note"
			if field == "failure_callback_name" {
				task = "test.fail"
			}
			job, err := q.Enqueue(b.ctx, task, "x")
			must(t, err)
			must(t, b.rdb.HSet(b.ctx, "rq:job:"+job.ID, field, name).Err())
			ids = append(ids, job.ID)
		}
	}
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))

	if got := len(r.got()); got != 4 {
		t.Errorf("ran %d jobs (%v), want 4", got, r.got())
	}
	// As in RQ, a success callback that fails fails the job, and a failure
	// callback that fails takes the place of the job's error.
	for i, want := range []string{
		"on_success callback test.nothing failed:\nError: rqlite: on_success: task \"test.nothing\"",
		"on_success callback test.note failed:\nError: rqlite: on_success: task \"test.note\"",
		"on_failure callback test.nothing failed:\nError: rqlite: on_failure: task \"test.nothing\"",
		"on_failure callback test.note failed:\nError: rqlite: on_failure: task \"test.note\"",
	} {
		h := b.hash(t, ids[i])
		job, err := rqlite.FetchJob(b.ctx, b.rdb, ids[i], nil)
		must(t, err)
		exc, _ := job.ExcInfo(b.ctx)
		if h["status"] != "failed" || !strings.HasPrefix(exc, want) {
			t.Errorf("job %s: status %s, exc_info %q; want failed, %q…", ids[i], h["status"], exc, want)
		}
	}
}

// TestWorkerStopsTakingJobs checks the cases where a worker must not take
// its next job in the call that records a job's outcome: its last job
// (MaxJobs), and workers suspended while the job ran. In both, the jobs
// left stay queued and none is left started.
func TestWorkerStopsTakingJobs(t *testing.T) {
	t.Run("MaxJobs", func(t *testing.T) {
		b, r := workerSetup(t)
		q := b.queue("default")
		for _, s := range []string{"a", "b", "c", "d", "e"} {
			_, err := q.Enqueue(b.ctx, "test.note", s)
			must(t, err)
		}
		w, log := b.worker(t, []string{"default"}, &rqlite.WorkerOptions{Burst: true, MaxJobs: 2})
		must(t, w.Work(b.ctx))
		if got := r.got(); strings.Join(got, ",") != "a,b" {
			t.Errorf("ran %q, want a and b", got)
		}
		if !strings.Contains(log.String(), "finished executing 2 jobs, quitting") {
			t.Errorf("log:\n%s", log)
		}
		checkLeft(t, b, q, 3)
	})
	t.Run("suspended", func(t *testing.T) {
		b, r := workerSetup(t)
		must(t, b.reg.Register("test.suspend", func(ctx context.Context) error {
			r.note("suspend")
			return rqlite.Suspend(ctx, b.rdb, 0)
		}))
		q := b.queue("default")
		_, err := q.Enqueue(b.ctx, "test.suspend")
		must(t, err)
		for _, s := range []string{"b", "c"} {
			_, err := q.Enqueue(b.ctx, "test.note", s)
			must(t, err)
		}
		w, log := b.worker(t, []string{"default"}, &rqlite.WorkerOptions{Burst: true})
		must(t, w.Work(b.ctx))
		if got := r.got(); strings.Join(got, ",") != "suspend" {
			t.Errorf("ran %q, want only the job that suspends the workers", got)
		}
		if !strings.Contains(log.String(), "Suspended in burst mode, exiting") {
			t.Errorf("log:\n%s", log)
		}
		checkLeft(t, b, q, 2)
	})
}

// checkLeft checks that n jobs are still queued in q, and none started.
func checkLeft(t *testing.T, b *bundle, q *rqlite.Queue, n int64) {
	t.Helper()
	if left, err := q.Count(b.ctx); left != n || err != nil {
		t.Errorf("%d jobs queued (%v), want %d", left, err, n)
	}
	if started, err := q.Registry(rqlite.Started).Count(b.ctx); started != 0 || err != nil {
		t.Errorf("%d jobs started (%v), want none", started, err)
	}
}

// TestIdleWorkerBlocks checks what a worker waiting for jobs sends to
// Redis: after one run of the dequeue script, only a BLMOVE per turn (it
// has one queue) and a check that workers are not suspended, without the
// script; and that it still notices a suspension and a job.
func TestIdleWorkerBlocks(t *testing.T) {
	b, r := workerSetup(t)
	counter := rqtest.WatchCommands(b.rdb)
	w, _ := b.worker(t, []string{"default"}, nil)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Work(ctx) }()
	waitFor(t, "a first BLMOVE turn", func() bool { return counter.Count("blmove") >= 1 })
	scripts := counter.Count("evalsha") // the registries' cleaning and one dequeue
	waitFor(t, "three more BLMOVE turns", func() bool { return counter.Count("blmove") >= 4 })
	if n := counter.Count("evalsha") - scripts; n != 0 {
		t.Errorf("the idle worker ran %d scripts in three turns, want none", n)
	}
	if n := counter.Count("exists"); n < 4 {
		t.Errorf("the idle worker checked for a suspension %d times in 4 turns", n)
	}
	if state := b.rdb.HGet(b.ctx, w.Key(), "state").Val(); state != "idle" {
		t.Errorf("worker state %q, want idle", state)
	}

	must(t, rqlite.Suspend(b.ctx, b.rdb, 0))
	waitFor(t, "the worker to notice the suspension", func() bool {
		return b.rdb.HGet(b.ctx, w.Key(), "state").Val() == "suspended"
	})
	must(t, rqlite.Resume(b.ctx, b.rdb))
	waitFor(t, "the worker to be idle again", func() bool { return b.rdb.HGet(b.ctx, w.Key(), "state").Val() == "idle" })
	// A second suspension, with no job between, is noticed as the first.
	must(t, rqlite.Suspend(b.ctx, b.rdb, 0))
	waitFor(t, "the worker to notice the second suspension", func() bool {
		return b.rdb.HGet(b.ctx, w.Key(), "state").Val() == "suspended"
	})
	must(t, rqlite.Resume(b.ctx, b.rdb))
	waitFor(t, "the worker to be idle once more", func() bool { return b.rdb.HGet(b.ctx, w.Key(), "state").Val() == "idle" })
	_, err := b.queue("default").Enqueue(b.ctx, "test.note", "hola")
	must(t, err)
	waitFor(t, "the job to run", func() bool { return len(r.got()) == 1 })
	w.RequestStop()
	must(t, <-done)
}
