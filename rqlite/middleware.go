package rqlite

import (
	"context"
	"slices"
)

// A TaskCall calls a job's function: it binds the job's arguments to the
// function's parameters and calls it with ctx, and returns what it
// returned. A bad binding is an error like the function's own.
type TaskCall func(ctx context.Context, job *Job) (any, error)

// A Middleware wraps each call of a task: the place for tracing, metrics
// or logs around jobs. It returns a TaskCall that calls next (or not) and
// may look at or change what next returns. The job's context gives the job
// to JobFromContext, as to the task.
type Middleware func(next TaskCall) TaskCall

// Use adds middleware around every task call of the jobs that the
// registry's workers run; the first one given is the outermost. As it
// wraps the call itself, it runs where the function runs: in the worker's
// process, or in the work horse of an isolated worker, which must then add
// it before ServeHorseIfChild (or Work) serves the horse: at the top of
// main, or in an init function. It runs for the jobs whose function is
// found in the registry, not for callbacks.
func (r *TaskRegistry) Use(mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.middleware = append(r.middleware, mw...)
}

// wrap returns call inside the registry's middleware.
func (r *TaskRegistry) wrap(call TaskCall) TaskCall {
	r.mu.RLock()
	mw := slices.Clone(r.middleware)
	r.mu.RUnlock()
	for i := len(mw) - 1; i >= 0; i-- {
		call = mw[i](call)
	}
	return call
}

// callWrapped runs call, turning a panic of the middleware into a
// *PanicError, as a task's own panic is.
func callWrapped(ctx context.Context, call TaskCall, job *Job) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, newPanicError(p)
		}
	}()
	return call(ctx, job)
}
