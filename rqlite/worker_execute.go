package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// outcome is how a job run ended, as the worker records it.
type outcome struct {
	result any    // what the function returned, on success
	stored []byte // result in the job's serializer
	err    error  // nil on success
	status Status
	exc    string // the exc_info text of a failure
	// logExc is exc as the log shows it, with what came from the job on
	// one line; exc itself when empty.
	logExc string
	// callback is the job's callback that a failure runs, as in RQ:
	// on_failure for the function's failures (its errors, panics and
	// timeout), on_stopped for a job stopped by a command; none for a job
	// whose horse died or was killed, or that a cold shut down ended.
	callback string
}

// running is the state of the job a worker is running, for its commands.
type running struct {
	id     string
	cancel context.CancelCauseFunc
}

// execute runs the job's function through the worker's runner, with a
// context that is cancelled at the job's timeout, by a cold shut down or
// by a stop command, and keeps the job's heartbeat while it runs.
func (w *Worker) execute(ctx context.Context, d *dequeued, job *Job) outcome {
	timeout := job.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	jobCtx, cancel := context.WithCancelCause(w.detached(ctx))
	defer cancel(nil)
	if timeout > 0 {
		var stop context.CancelFunc
		jobCtx, stop = context.WithTimeoutCause(jobCtx, timeout, errJobTimeout)
		defer stop()
	}
	w.setCurrent(&running{id: job.ID, cancel: cancel})
	defer w.setCurrent(nil)
	done := w.runner.start(jobCtx, job, d.hash, timeout)
	r := w.supervise(ctx, jobCtx, cancel, d, done, timeout)
	return w.outcomeOf(job, r, timeout)
}

func (w *Worker) setCurrent(r *running) {
	w.mu.Lock()
	w.current = r
	w.mu.Unlock()
}

// supervise waits for a job's ran, beating its heartbeat, and stops the
// job when its context ends: a cold shut down (ctx ends), a stop command
// or its timeout.
func (w *Worker) supervise(ctx, jobCtx context.Context, cancel context.CancelCauseFunc, d *dequeued,
	done <-chan ran, timeout time.Duration) ran {
	hb := w.heartbeats()
	defer hb.Stop()
	started := time.Now()
	stopped := jobCtx.Done()
	var grace <-chan time.Time
	for {
		select {
		case r := <-done:
			return r
		case <-hb.C:
			w.heartbeat(ctx, d, jobHeartbeatTTL(w.opts.JobMonitoringInterval, time.Since(started), timeout), time.Since(started))
		case <-ctx.Done():
			cancel(errColdShutdown)
			ctx = context.WithoutCancel(ctx)
		case <-stopped:
			stopped = nil
			if r, ok := w.runner.interrupt(context.Cause(jobCtx)); ok {
				return r
			}
			grace = time.After(w.runner.grace())
		case <-grace:
			return w.runner.abandon(d.id, context.Cause(jobCtx))
		}
	}
}

// heartbeats returns the ticker of a job's heartbeats, started now: the
// worker's one ticker, reset for each job and stopped after it. (Since Go
// 1.23 a ticker reset or stopped delivers no tick from before.)
func (w *Worker) heartbeats() *time.Ticker {
	if w.hb == nil {
		w.hb = time.NewTicker(w.opts.JobMonitoringInterval)
	} else {
		w.hb.Reset(w.opts.JobMonitoringInterval)
	}
	return w.hb
}

// jobHeartbeatTTL is how long a running job stays in the started registry
// after a heartbeat, as RQ's maintain_heartbeats: the monitoring interval,
// or what is left of the timeout if that is less, plus 60 s.
func jobHeartbeatTTL(interval, elapsed, timeout time.Duration) time.Duration {
	if timeout > 0 && timeout-elapsed < interval {
		return max(timeout-elapsed, 0) + 60*time.Second
	}
	return interval + 60*time.Second
}

// outcomeOf is the outcome of a job's ran.
func (w *Worker) outcomeOf(job *Job, r ran, timeout time.Duration) outcome {
	switch {
	case r.died != "":
		w.log.Warnf("Moving job to FailedJobRegistry (%s)", r.died)
		w.horseKilled(job, r)
		return outcome{err: errors.New(r.died), status: StatusFailed, exc: r.died}
	case r.cause != nil:
		w.horseKilled(job, r) // if its horse was killed at the timeout
		return w.interrupted(r.cause, timeout)
	case r.err != nil && r.uncalled:
		return failure(r.err, "")
	case r.err != nil:
		return failure(r.err, job.Description)
	}
	return outcome{result: r.value, stored: r.stored, status: StatusFinished}
}

// interrupted is the outcome of a job stopped from outside.
func (w *Worker) interrupted(cause error, timeout time.Duration) outcome {
	switch {
	case errors.Is(cause, errJobTimeout):
		return outcome{err: cause, status: StatusFailed, callback: "on_failure",
			exc: fmt.Sprintf("JobTimeoutException: Task exceeded maximum timeout value (%d seconds)", int64(timeout/time.Second))}
	case errors.Is(cause, errStoppedByUser):
		w.log.Warnf("Job stopped by user, moving job to FailedJobRegistry")
		return outcome{err: cause, status: StatusStopped, callback: "on_stopped", exc: "Job stopped by user, work-horse terminated."}
	case errors.Is(cause, errKilled):
		return outcome{err: cause, status: StatusFailed, exc: "Work-horse terminated: the job was killed by a kill-horse command."}
	default:
		return outcome{err: cause, status: StatusFailed, exc: "Job interrupted by a cold shut down of worker " + w.Key() + "."}
	}
}

// failure is the outcome of a job whose function failed; desc names the
// call in the exc_info text.
func failure(err error, desc string) outcome {
	return outcome{err: err, status: StatusFailed, callback: "on_failure",
		exc:    failureText(err, desc, func(s string) string { return s }),
		logExc: failureText(err, desc, func(s string) string { return logSafe(s, MaxLogValue) }),
	}
}

// failureText is the exc_info text of err, raised by the call desc (none
// when empty), with each text from the job (desc, err's text, a panic's
// value) passed through quote.
func failureText(err error, desc string, quote func(string) string) string {
	var b strings.Builder
	if desc != "" {
		b.WriteString(quote(desc))
		b.WriteString(" failed:\n")
	}
	var p *PanicError
	if errors.As(err, &p) {
		fmt.Fprintf(&b, "panic: %s\n\n%s", quote(fmt.Sprint(p.Value)), p.Stack)
	} else {
		fmt.Fprintf(&b, "Error: %s", quote(err.Error()))
	}
	return strings.TrimRight(b.String(), "\n")
}
