package rqlite

import (
	"cmp"
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Completion follows RQ's perform_job: a job's callback runs before its
// outcome is recorded, so that whoever reads the job finished or failed
// reads it after its callback's effects; a success callback that fails
// makes the job fail (and runs its failure callback); a failure callback
// that fails replaces the job's exc_info with its own error. Recording the
// outcome may take the worker's next job in the same call (the fetcher's
// slot).

// callbackTimeout is how long a callback may run, RQ's CALLBACK_TIMEOUT,
// unless the job sets its own (see callbackTimeoutOf); the job's
// started-registry entry is kept as long.
const callbackTimeout = 60 * time.Second

// complete runs the job's callbacks and records its outcome, and returns
// the outcome recorded.
func (w *Worker) complete(ctx context.Context, d *dequeued, job *Job, out outcome, elapsed time.Duration, takeUntil time.Time) outcome {
	out = w.runCallbacks(ctx, d, job, out, elapsed)
	if out.err == nil {
		w.recordSuccess(ctx, d, job, out, elapsed, takeUntil)
		return out
	}
	if out.callback == "on_failure" {
		// The function failed: RQ's handle_exception, between the failure
		// callback and the recording of the failure.
		w.handleException(ctx, job, out.err)
	}
	w.recordFailure(ctx, d, job, out, elapsed, takeUntil)
	return out
}

// runCallbacks runs the callback for out, and returns the outcome to record.
func (w *Worker) runCallbacks(ctx context.Context, d *dequeued, job *Job, out outcome, elapsed time.Duration) outcome {
	if out.err == nil {
		err := w.callback(ctx, d, job, "on_success", job.OnSuccess, out.result, nil, elapsed)
		if err == nil {
			return out
		}
		out = failure(err, "on_success callback "+job.OnSuccess)
	}
	name := ""
	switch out.callback {
	case "on_failure":
		name = job.OnFailure
	case "on_stopped":
		name = job.OnStopped
	}
	if err := w.callback(ctx, d, job, out.callback, name, nil, out.err, elapsed); err != nil {
		w.log.Errorf("Worker %s: error while executing %s callback", w.Key(), strings.TrimPrefix(out.callback, "on_"))
		f := failure(err, out.callback+" callback "+name)
		out = outcome{err: err, status: out.status, exc: f.exc, logExc: f.logExc, callback: out.callback}
	}
	return out
}

// callback runs a job's on_success, on_failure or on_stopped callback
// (option), the task called name, if any, and returns its error.
func (w *Worker) callback(ctx context.Context, d *dequeued, job *Job, option, name string, result any, jobErr error, elapsed time.Duration) error {
	if name == "" {
		return nil
	}
	timeout := callbackTimeoutOf(d.hash, option, w.opts.RQ2)
	w.heartbeat(ctx, d, cmp.Or(timeout, callbackTimeout), elapsed)
	task, ok := w.opts.Tasks.Lookup(name)
	if !ok {
		return &UnknownTaskError{Name: name}
	}
	return callWithTimeout(ctx, task, option, name, job, result, jobErr, timeout)
}

// record is an outcome as the finish script writes it.
type record struct {
	status    Status
	ttl       int64 // how long the job is kept, RQ's seconds
	streamTTL bool  // the results stream gets the same TTL
	rtype     ResultType
	field     string // the result entry's field: return_value or exc_string
	value     string // its value, "" to leave it out
	counter   string // the worker counter to increment
	elapsed   time.Duration
}

func (w *Worker) recordSuccess(ctx context.Context, d *dequeued, job *Job, out outcome, elapsed time.Duration, takeUntil time.Time) {
	ttl := job.ResultTTL
	if ttl == 0 {
		ttl = w.opts.ResultTTL
	}
	var rv string
	if out.stored != nil {
		rv = base64.StdEncoding.EncodeToString(out.stored)
	}
	seconds := rqSeconds(ttl)
	w.finish(ctx, d, record{status: StatusFinished, ttl: seconds, streamTTL: true, rtype: ResultSuccessful,
		field: "return_value", value: rv, counter: "successful_job_count", elapsed: elapsed}, takeUntil)
	if n := repeatsLeft(d.hash, w.opts.RQ2); n > 0 {
		// Run again by the finish script (repeat.lua), as RQ 2.3.3's
		// handle_job_success logs it, with repeats_left before the run.
		w.log.Infof("Job %s scheduled to repeat (%d left)", d.id, n)
	}
	if !w.logsInfo() {
		return
	}
	w.logCompleted(d, elapsed)
	w.log.Infof("%s: %s (%s)", w.log.paint(color.FgGreen, d.queue), w.log.paint(color.FgBlue, "Job OK"), d.id)
	switch {
	case seconds == 0:
		w.log.Infof("Result discarded immediately")
	case seconds < 0:
		w.log.Infof("Result will never expire, clean up result key manually")
	default:
		w.log.Infof("Result is kept for %d seconds", seconds)
	}
}

// repeatsLeft is how many more times a job of hash h runs after this
// run: its repeats_left in RQ 2.x's layout, none in RQ 1.13's.
func repeatsLeft(h map[string]string, rq2 bool) int {
	s, ok := h["repeats_left"]
	if !rq2 || !ok {
		return 0
	}
	n, _ := strconv.Atoi(s)
	return n
}

func (w *Worker) recordFailure(ctx context.Context, d *dequeued, job *Job, out outcome, elapsed time.Duration, takeUntil time.Time) {
	ttl := job.FailureTTL
	if ttl == 0 {
		ttl = DefaultFailureTTL
	}
	exc := base64.StdEncoding.EncodeToString(wire.Compress([]byte(out.exc)))
	retried := w.finish(ctx, d, record{status: out.status, ttl: rqSeconds(ttl), streamTTL: job.FailureTTL != 0,
		rtype: ResultFailed, field: "exc_string", value: exc, counter: "failed_job_count", elapsed: elapsed}, takeUntil)
	fn := job.FuncName
	if fn == "" {
		fn = "?"
	}
	w.log.failure(cmp.Or(out.logExc, out.exc), "[Job %s]: exception raised while executing (%s)", d.id, fn)
	if retried {
		// A debug record: RQ logs nothing at INFO when it retries a job.
		w.log.Debugf("%s: Job %s will be retried (%d retries left after this one)", w.log.paint(color.FgGreen, d.queue), d.id, job.RetriesLeft-1)
	}
}

// finish runs the finish script for job d's outcome rec. Until takeUntil
// (the zero time: never), unless the worker was asked to stop meanwhile,
// it takes the worker's next job in the same call, into the fetcher's
// slot. It reports whether the job will be retried.
func (w *Worker) finish(ctx context.Context, d *dequeued, rec record, takeUntil time.Time) (retried bool) {
	now := w.c.now()
	takeNext := now.Before(takeUntil) && ctx.Err() == nil && !w.stopRequested()
	// The outcome is written even during a cold shut down, and through a
	// Redis outage of up to five minutes; after that the job stays in the
	// started registry, and the next cleanup fails it (or retries it).
	ctx, cancel := context.WithTimeout(w.detached(ctx), 5*time.Minute)
	defer cancel()
	args := w.finishArgs(d, rec, now)
	if takeNext {
		args.TakeNext, args.Suspended, args.Queues = true, keys.Suspended, w.fetch.qkeys
	}
	var reply scripts.FinishReply
	err := persist(ctx, w.log, func() (err error) {
		reply, err = scripts.RunFinish(ctx, w.c.rdb, args)
		if err == nil && reply.Gone {
			// Deleted while it ran: written again, as RQ's worker does.
			args.Fields = savedFields(d.hash)
			reply, err = scripts.RunFinish(ctx, w.c.rdb, args)
		}
		return err
	})
	if err != nil {
		w.log.Errorf("Could not record the outcome of job %s: %v", d.id, err)
		return false
	}
	if reply.Next.Job != nil {
		w.fetch.next = taken(reply.Next.Job, "", "")
		w.fetch.reorder(reply.Next.Job.Queue)
	}
	return reply.Retried
}

// finishArgs are the finish script's arguments for job d's outcome rec,
// without the next job's.
func (w *Worker) finishArgs(d *dequeued, rec record, now time.Time) scripts.FinishArgs {
	regs := w.fetch.registriesOf(d.queue)
	registry := regs.finished
	if rec.status != StatusFinished {
		registry = regs.failed
	}
	var nowMicros string // read with an execution only
	if d.execID != "" {
		nowMicros = epochFloat(now)
	}
	_, hasDeps := d.hash["dependency_ids"]
	if !hasDeps {
		_, hasDeps = d.hash["dependency_id"]
	}
	return scripts.FinishArgs{
		Job: keys.Job(d.id), StartedRegistry: regs.started, Worker: w.fetch.key, Results: keys.Results(d.id),
		Registry: registry, Dependents: keys.Dependents(d.id), Dependencies: keys.Dependencies(d.id),
		JobID: d.id, Status: string(rec.status), NowTimestamp: wire.FormatTime(now), NowEpoch: wire.Epoch(now),
		TTL: rec.ttl, ResultsTTL: rec.streamTTL, StreamEntryType: int(rec.rtype), StreamField: rec.field,
		FieldValue: rec.value, WorkerCounter: rec.counter, JobSeconds: strconv.FormatFloat(rec.elapsed.Seconds(), 'f', 6, 64),
		WorkerTTL: int64((w.opts.WorkerTTL + 60*time.Second) / time.Second), QueueName: d.queue, Sync: w.sync,
		StartedMember: d.member(), ExecutionID: d.execID, ExecutionStarted: d.execStart, NowMicroseconds: nowMicros,
		WorkerName: w.name, JobMonitoringInterval: int64(w.opts.JobMonitoringInterval / time.Second),
		DefaultTimeout: int64(DefaultTimeout / time.Second), HasDependencies: hasDeps,
	}
}

// savedFields are the fields of a job hash as RQ's worker saves a job when
// it records its outcome: all but its meta.
func savedFields(h map[string]string) []string {
	fields := make([]string, 0, 2*len(h))
	for f, v := range h {
		if f != "meta" {
			fields = append(fields, f, v)
		}
	}
	return fields
}
