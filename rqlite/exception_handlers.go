package rqlite

import (
	"context"
	"slices"
	"strings"
)

// An ExceptionHandler is told that a job's function failed, as RQ's
// exception handlers: job is the job and err its error (the failure
// callback's, if that failed too). Handlers are called in order; one that
// returns false stops the chain. They run in the worker's process, in
// either mode, after the job's failure callback and before its failure is
// recorded, whether or not the job will be retried; not for a job stopped
// by a command, ended by a cold shut down or whose work horse died (see
// WorkerOptions.HorseKilled), nor, as in RQ 1.13 but not 2.x, for the
// abandoned jobs that the registries' cleaning fails. A handler that panics is logged, and the
// handlers after it are not called, as in RQ, where the exception escapes
// the chain; the job's failure is recorded all the same.
type ExceptionHandler func(ctx context.Context, job *Job, err error) (next bool)

// RegisterExceptionHandler registers h under name in the DefaultTasks, for
// rq worker --exception-handler NAME. It panics if the name is taken or
// invalid, as Register does, since that is a programming error.
func RegisterExceptionHandler(name string, h ExceptionHandler) {
	if err := DefaultTasks.RegisterExceptionHandler(name, h); err != nil {
		panic(err)
	}
}

// RegisterExceptionHandler registers h under name, for a worker started by
// rq worker --exception-handler NAME (see ExceptionHandlers).
func (r *TaskRegistry) RegisterExceptionHandler(name string, h ExceptionHandler) error {
	if name == "" || strings.ContainsFunc(name, isSpaceOrControl) {
		return badOption("exception handler name", name, "")
	}
	if h == nil {
		return badOption("exception handler", name, "the function is nil")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[name]; dup {
		return badOption("exception handler", name, "a handler is already registered under that name")
	}
	if r.handlers == nil {
		r.handlers = map[string]ExceptionHandler{}
	}
	r.handlers[name] = h
	return nil
}

// ExceptionHandlers returns the handlers registered under names, in that
// order, or an *OptionError naming the first name that has none.
func (r *TaskRegistry) ExceptionHandlers(names ...string) ([]ExceptionHandler, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	hs := make([]ExceptionHandler, 0, len(names))
	for _, n := range names {
		h, ok := r.handlers[n]
		if !ok {
			return nil, badOption("exception handler", n, "none is registered under that name; registered: "+r.handlerNames())
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// handlerNames lists the registered handlers' names, for messages.
func (r *TaskRegistry) handlerNames() string {
	names := make([]string, 0, len(r.handlers))
	for n := range r.handlers {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// handleException calls the worker's exception handlers for job, which
// failed with err, as RQ's handle_exception.
func (w *Worker) handleException(ctx context.Context, job *Job, err error) {
	ctx = context.WithoutCancel(ctx)
	for i, h := range w.opts.ExceptionHandlers {
		next, perr := callExceptionHandler(ctx, h, job, err)
		if perr != nil {
			w.log.failure(failureText(perr, "", func(s string) string { return s }),
				"[Job %s]: exception handler %d panicked; the handlers after it are skipped", job.ID, i+1)
			return
		}
		if !next {
			return
		}
	}
}

// callExceptionHandler calls h, turning a panic into a *PanicError.
func callExceptionHandler(ctx context.Context, h ExceptionHandler, job *Job, err error) (next bool, panicked error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = newPanicError(p)
		}
	}()
	return h(ctx, job, err), nil
}
