package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Callback timeouts and the callbacks of abandoned jobs, as RQ 2.x runs
// them.

// callbackTimeoutFields are the job fields that bound each callback, RQ
// 2.x's Callback(func, timeout=...) (rq/job.py, Job.to_dict).
var callbackTimeoutFields = map[string]string{
	"on_success": "success_callback_timeout",
	"on_failure": "failure_callback_timeout",
	"on_stopped": "stopped_callback_timeout",
}

// callbackTimeoutOf is how long the callback option of the job whose hash
// is h may run. In RQ 2.x's layout (rq2) it is the job's
// <kind>_callback_timeout when it has one, as RQ 2.x's
// job.success_callback_timeout and the others; a stored timeout of 0 or
// less sets no limit, as RQ's death penalty does with it. Otherwise it is
// RQ's CALLBACK_TIMEOUT: RQ 1.13 knows no such field.
func callbackTimeoutOf(h map[string]string, option string, rq2 bool) time.Duration {
	if !rq2 {
		return callbackTimeout
	}
	s, ok := h[callbackTimeoutFields[option]]
	if !ok || s == "" {
		return callbackTimeout
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return callbackTimeout
	}
	if n <= 0 {
		return 0
	}
	return time.Duration(min(n, maxSeconds)) * time.Second
}

// A CallbackTimeoutError is the error of a callback that ran past its
// timeout, as RQ's death penalty raises JobTimeoutException in it. The
// callback's goroutine is left to end by itself: Go cannot stop it.
type CallbackTimeoutError struct {
	Callback string        // on_success, on_failure or on_stopped
	Name     string        // the task called
	Timeout  time.Duration // its timeout
}

func (e *CallbackTimeoutError) Error() string {
	return fmt.Sprintf("JobTimeoutException: Task exceeded maximum timeout value (%d seconds)", int64(e.Timeout/time.Second))
}

// callWithTimeout calls the task name as the callback option of job, with
// result or jobErr, for at most timeout (0: no limit).
func callWithTimeout(ctx context.Context, task *Task, option, name string, job *Job, result any, jobErr error, timeout time.Duration) error {
	ctx = context.WithoutCancel(ctx)
	if timeout <= 0 {
		return task.callback(ctx, option, job, result, jobErr)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- task.callback(ctx, option, job, result, jobErr) }()
	var err error
	select {
	case err = <-done:
		if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return err
		}
	case <-ctx.Done():
	}
	return &CallbackTimeoutError{Callback: option, Name: name, Timeout: timeout}
}

// An AbandonedJobError is what the on_failure callback and the exception
// handlers of an abandoned job get, RQ's AbandonedJobError: the job was in
// the started registry when its worker's heartbeat expired.
type AbandonedJobError struct {
	JobID string
}

func (e *AbandonedJobError) Error() string {
	return fmt.Sprintf("AbandonedJobError: job %s was abandoned by its worker", e.JobID)
}

// abandonedCallbacks runs, after the maintenance moved them, the on_failure
// callbacks of abandoned jobs, and the worker's exception handlers, as RQ
// 2.x's StartedJobRegistry.cleanup does (rq/registry.py). A callback that
// fails is logged; unlike RQ's, whose error ends the cleanup, the others
// still run.
func (w *Worker) abandonedCallbacks(ctx context.Context, ids []string) {
	for _, id := range ids {
		h, err := readJobHash(ctx, w.c.rdb, id)
		job := &Job{ID: id, c: w.c}
		if err == nil {
			err = job.decode(h)
		}
		if err != nil {
			w.log.Errorf("Job %s was abandoned, but cannot be read for its failure callback: %v", id, err)
			continue
		}
		jobErr := &AbandonedJobError{JobID: id}
		if task, ok := w.opts.Tasks.Lookup(job.OnFailure); !ok {
			err = &UnknownTaskError{Name: job.OnFailure}
		} else {
			err = callWithTimeout(ctx, task, "on_failure", job.OnFailure, job, nil, jobErr, callbackTimeoutOf(h, "on_failure", true))
		}
		if err != nil {
			w.log.failure(failureText(err, "on_failure callback "+job.OnFailure, func(s string) string { return logSafe(s, MaxLogValue) }),
				"Job %s: error while executing failure callback", id)
		}
		w.handleException(ctx, job, jobErr)
	}
}
