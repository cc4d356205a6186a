package rqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func TestRetryRequeuesThenFails(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"x"}, Retry: &rqlite.Retry{Max: 2}})
	must(t, err)
	h := b.hash(t, job.ID)
	if h["retries_left"] != "2" || h["retry_intervals"] != "[0]" {
		t.Errorf("retry fields = %q %q", h["retries_left"], h["retry_intervals"])
	}
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	// One run and two retries, then it fails for good.
	if got := strings.Join(r.got(), " "); got != "x x x" {
		t.Errorf("ran %q", got)
	}
	h = b.hash(t, job.ID)
	if h["status"] != "failed" || h["retries_left"] != "0" {
		t.Errorf("after the retries: status %s, retries_left %s", h["status"], h["retries_left"])
	}
	if n := b.rdb.XLen(b.ctx, "rq:results:"+job.ID).Val(); n != 1 {
		t.Errorf("%d results, want only the final failure (as RQ)", n)
	}
	if wh := b.rdb.HGet(b.ctx, "rq:worker:w1", "failed_job_count").Val(); wh != "3" {
		t.Errorf("failed_job_count = %s", wh)
	}
	if strings.Contains(log.String(), "will be retried") {
		t.Errorf("a retry logged at INFO, where RQ logs nothing:\n%s", log)
	}
}

func TestRetryWithIntervalIsScheduled(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, "test.fail", &rqlite.EnqueueOptions{Args: []any{"x"},
		Retry: &rqlite.Retry{Max: 3, Intervals: []time.Duration{10 * time.Second, time.Minute}}})
	must(t, err)
	if h := b.hash(t, job.ID); h["retry_intervals"] != "[10, 60]" {
		t.Errorf("retry_intervals = %s", h["retry_intervals"])
	}
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if len(r.got()) != 1 {
		t.Fatalf("ran %v", r.got())
	}
	// RQ picks intervals[max(len - retries_left, 0)]: with 3 left of [10, 60], 10 s.
	score, err := b.rdb.ZScore(b.ctx, "rq:scheduled:default", job.ID).Result()
	must(t, err)
	if now := float64(time.Now().Unix()); score < now+9 || score > now+11 {
		t.Errorf("scheduled at %v, want now+10", score)
	}
	h := b.hash(t, job.ID)
	if h["status"] != "scheduled" || h["retries_left"] != "2" {
		t.Errorf("status %s, retries_left %s", h["status"], h["retries_left"])
	}
}

func TestEnqueueInAndScheduler(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueIn(b.ctx, time.Minute, "test.note", "later")
	must(t, err)
	if job.Status != rqlite.StatusScheduled {
		t.Errorf("status = %s", job.Status)
	}
	if s := b.rdb.ZScore(b.ctx, "rq:scheduled:default", job.ID).Val(); s != float64(fixedNow.Add(time.Minute).Unix()) {
		t.Errorf("score = %v", s)
	}
	h := b.hash(t, job.ID)
	if h["status"] != "scheduled" || h["enqueued_at"] != "" {
		t.Errorf("scheduled hash = %v", h)
	}
	if n, _ := q.Count(b.ctx); n != 0 {
		t.Errorf("a scheduled job is queued")
	}
	front, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"front"}, At: fixedNow.Add(time.Second), AtFront: true})
	must(t, err)
	_, err = q.Enqueue(b.ctx, "test.note", "now")
	must(t, err)

	clock := fixedNow.Add(30 * time.Second)
	opts := &rqlite.SchedulerOptions{Now: func() time.Time { return clock }, Logger: &rqlite.Logger{Out: &strings.Builder{}}}
	s1, err := rqlite.NewScheduler(b.rdb, []string{"default"}, opts)
	must(t, err)
	s2, err := rqlite.NewScheduler(b.rdb, nil, opts)
	must(t, err)
	if n, err := s1.EnqueueDue(b.ctx); n != 1 || err != nil {
		t.Errorf("first pass queued %d, %v; want the job due after 1 s", n, err)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); strings.Join(ids, " ") != front.ID+" job-3" {
		t.Errorf("queue = %v: the at_front job must lead", ids)
	}
	clock = fixedNow.Add(2 * time.Minute)
	// The lock belongs to s1: s2 moves nothing.
	if n, _ := s2.EnqueueDue(b.ctx); n != 0 {
		t.Errorf("a second scheduler moved %d jobs", n)
	}
	if v := b.rdb.Get(b.ctx, "rq:scheduler-lock:default").Val(); v == "" {
		t.Error("no scheduler lock")
	}
	if n, _ := s1.EnqueueDue(b.ctx); n != 1 {
		t.Errorf("the second pass queued %d", n)
	}
	if h := b.hash(t, job.ID); h["status"] != "queued" || h["enqueued_at"] == "" {
		t.Errorf("due job = %v", h)
	}
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if got := strings.Join(r.got(), " "); got != "front now later" {
		t.Errorf("ran %s", got)
	}
}

func TestWorkerWithSchedulerReleasesItsLock(t *testing.T) {
	b, _ := workerSetup(t)
	_, err := b.queue("default").Enqueue(b.ctx, "test.note", "x")
	must(t, err)
	w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, WithScheduler: true})
	must(t, w.Work(b.ctx))
	if b.rdb.Exists(b.ctx, "rq:scheduler-lock:default").Val() != 0 {
		t.Error("the scheduler lock was left behind")
	}
	for _, line := range []string{"Scheduler for default started with PID ", "Scheduler with PID "} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log)
		}
	}
}

func TestCancel(t *testing.T) {
	b, r := workerSetup(t)
	q := b.queue("default")
	parent, err := q.Enqueue(b.ctx, "test.note", "parent")
	must(t, err)
	child, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"child"}, DependsOn: []string{parent.ID}})
	must(t, err)
	must(t, parent.Cancel(b.ctx, true))
	if n, _ := q.Count(b.ctx); n != 1 {
		t.Errorf("queue has %d jobs, want the child only", n)
	}
	if s := b.hash(t, parent.ID)["status"]; s != "canceled" {
		t.Errorf("status = %s", s)
	}
	if b.rdb.ZScore(b.ctx, "rq:canceled:default", parent.ID).Err() != nil {
		t.Error("not in the canceled registry")
	}
	if s, _ := child.GetStatus(b.ctx); s != rqlite.StatusQueued {
		t.Errorf("the dependent is %s, want queued", s)
	}
	if err := parent.Cancel(b.ctx, false); !errors.Is(err, rqlite.ErrAlreadyCanceled) {
		t.Errorf("second cancel: %v", err)
	}
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if got := strings.Join(r.got(), " "); got != "child" {
		t.Errorf("ran %s", got)
	}
}

func TestStopJobAndOnStopped(t *testing.T) {
	b, r := workerSetup(t)
	must(t, b.reg.Register("test.on_stopped", func(j *rqlite.Job, err error) { r.note("stopped " + j.ID) }))
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, "test.block", &rqlite.EnqueueOptions{OnStopped: "test.on_stopped"})
	must(t, err)
	if err := rqlite.StopJob(b.ctx, b.rdb, job.ID); !errors.Is(err, rqlite.ErrNotRunning) {
		t.Errorf("stopping a queued job: %v", err)
	}
	w, _ := b.worker(t, nil, nil)
	done := make(chan error)
	go func() { done <- w.Work(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })
	must(t, rqlite.StopJob(b.ctx, b.rdb, job.ID))
	waitFor(t, "the callback", func() bool { return len(r.got()) == 2 })
	// on_stopped runs before the stop is recorded, as in RQ: wait for it.
	waitFor(t, "the job to be stopped", func() bool {
		s, _ := job.GetStatus(b.ctx)
		return s == rqlite.StatusStopped
	})
	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, w.Name()))
	must(t, <-done)
}

func TestMetaFromTheTask(t *testing.T) {
	b, _ := workerSetup(t)
	must(t, b.reg.Register("test.progress", func(ctx context.Context) error {
		job := rqlite.JobFromContext(ctx)
		job.Meta["progreso"] = 100
		return job.SaveMeta(ctx)
	}))
	job, err := b.queue("default").EnqueueCall(b.ctx, "test.progress", &rqlite.EnqueueOptions{Meta: map[string]any{"autor": "ana"}})
	must(t, err)
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	must(t, job.Refresh(b.ctx))
	if job.Meta["progreso"] != int64(100) || job.Meta["autor"] != "ana" || job.Status != rqlite.StatusFinished {
		t.Errorf("meta = %v, status %s", job.Meta, job.Status)
	}
	if rqlite.JobFromContext(b.ctx) != nil {
		t.Error("a job outside a task")
	}
}

func TestWaitResult(t *testing.T) {
	b, _ := workerSetup(t)
	job, err := b.queue("default").Enqueue(b.ctx, "test.note", "espera")
	must(t, err)
	if r, err := job.WaitResult(b.ctx, 50*time.Millisecond); r != nil || err != nil {
		t.Errorf("a result before any worker: %v, %v", r, err)
	}
	got := make(chan *rqlite.Result)
	go func() {
		r, err := job.WaitResult(b.ctx, 20*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	w, _ := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
	must(t, w.Work(b.ctx))
	if r := <-got; r == nil || r.ReturnValue != "ESPERA" {
		t.Errorf("WaitResult = %+v", r)
	}
}

func TestSynchronousQueue(t *testing.T) {
	b, r := workerSetup(t)
	q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Tasks: b.reg, Synchronous: true})
	job, err := q.Enqueue(b.ctx, "test.note", "ya")
	must(t, err)
	if job.Status != rqlite.StatusFinished || len(r.got()) != 1 {
		t.Errorf("status %s, ran %v", job.Status, r.got())
	}
	if v, _ := job.ReturnValue(b.ctx); v != "YA" {
		t.Errorf("ReturnValue = %v", v)
	}
	if b.rdb.ZScore(b.ctx, "rq:finished:default", job.ID).Err() != nil || b.rdb.LLen(b.ctx, "rq:queue:default").Val() != 0 {
		t.Error("a synchronous job is not in the finished registry, or is queued")
	}
	if b.hash(t, job.ID)["worker_name"] != "sync" || b.rdb.Exists(b.ctx, "rq:worker:sync").Val() != 0 {
		t.Error("a synchronous job must name the sync worker, without a worker hash")
	}
	failed, err := q.Enqueue(b.ctx, "test.fail", "no")
	must(t, err)
	if failed.Status != rqlite.StatusFailed {
		t.Errorf("status = %s", failed.Status)
	}
	if exc, _ := failed.ExcInfo(b.ctx); !strings.Contains(exc, "Hoy no me puedo levantar") {
		t.Errorf("exc_info = %q", exc)
	}
}

func TestAbandonedJobWithRetriesIsRequeued(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"x"}, Retry: &rqlite.Retry{Max: 1}})
	must(t, err)
	b.rdb.LRem(b.ctx, "rq:queue:default", 0, job.ID)
	b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "status", "started")
	b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: float64(fixedNow.Unix() - 1), Member: job.ID})
	must(t, q.Registry(rqlite.Started).Cleanup(b.ctx))
	if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusQueued {
		t.Errorf("status = %s, want queued again", s)
	}
	if n, _ := q.Count(b.ctx); n != 1 {
		t.Errorf("queue has %d jobs", n)
	}
	if b.hash(t, job.ID)["retries_left"] != "0" {
		t.Error("retries_left not decremented")
	}
}

func TestScheduledAndRetryBadInput(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	for _, tc := range []struct {
		o    rqlite.EnqueueOptions
		want string
	}{
		{rqlite.EnqueueOptions{Args: []any{"x"}, Retry: &rqlite.Retry{Max: 0}}, "invalid retry max 0"},
		{rqlite.EnqueueOptions{Args: []any{"x"}, Retry: &rqlite.Retry{Max: 1, Intervals: []time.Duration{-time.Second}}}, "invalid retry interval -1s"},
		{rqlite.EnqueueOptions{Args: []any{"x"}, At: fixedNow, DependsOn: []string{"a"}}, "cannot both be scheduled and depend"},
		{rqlite.EnqueueOptions{Args: []any{"x"}, OnStopped: "test.note"}, `on_stopped: task "test.note"`},
	} {
		if _, err := q.EnqueueCall(b.ctx, "test.note", &tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v, want %q", err, tc.want)
		}
	}
}

func TestEnqueueExternalFunction(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	job, err := q.EnqueueCall(b.ctx, rqlite.External("informes.generar"), &rqlite.EnqueueOptions{
		Args: []any{2026}, Kwargs: map[string]any{"formato": "pdf"}, OnSuccess: rqlite.External("informes.avisar")})
	must(t, err)
	h := b.hash(t, job.ID)
	if h["data"] != `["informes.generar", null, [2026], {"formato": "pdf"}]` || h["description"] != "informes.generar(2026, formato='pdf')" || h["success_callback_name"] != "informes.avisar" {
		t.Errorf("hash = %v", h)
	}
	// The same name as a plain string is refused: it is no task of ours.
	var unknown *rqlite.UnknownTaskError
	if _, err := q.Enqueue(b.ctx, "informes.generar", 2026); !errors.As(err, &unknown) || unknown.Name != "informes.generar" {
		t.Errorf("err = %v, want an *UnknownTaskError for informes.generar", err)
	}
	if _, err := q.Enqueue(b.ctx, rqlite.External("mal nombre")); err == nil {
		t.Error("an external name with a space was accepted")
	}
}
