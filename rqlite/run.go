package rqlite

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A job's function runs one way, whatever the mode: runTask looks the task
// up, binds the job's arguments, calls it and classifies what it returned.
// An in-process worker calls runTask in a goroutine; an isolated worker's
// horse calls it in the horse and sends the worker the ran it got, with
// the result in the job's serializer. A runner is how a worker starts a
// job's function and, when the job must stop, stops it.

// ran is how a run of a job's function ended.
type ran struct {
	value  any    // what the function returned, on success
	stored []byte // value in the job's serializer, as Redis keeps it; nil for nil
	err    error  // the function's error; a *PanicError for a panic
	cause  error  // the job was stopped from outside: errJobTimeout, errStoppedByUser...
	died   string // the horse died under the job: RQ's text for it
	// The horse that died: its process ID and how it ended.
	horsePID    int
	horseStatus HorseStatus
	// uncalled is set when the function was not called: the job names no
	// task of this program, or its arguments do not fit it.
	uncalled bool
}

// The causes of a job stopped from outside: its context's cancellation
// cause.
var (
	errJobTimeout    = errors.New("job timeout")
	errKilled        = errors.New("killed by command")
	errStoppedByUser = errors.New("stopped by user")
	errColdShutdown  = errors.New("cold shut down")
)

// runTask runs job's function, from tasks, with ctx as the function's
// context (which gives the job to JobFromContext), inside the registry's
// middleware (see TaskRegistry.Use).
func runTask(ctx context.Context, tasks *TaskRegistry, job *Job) ran {
	task, ok := tasks.Lookup(job.FuncName)
	if !ok {
		return ran{err: fmt.Errorf("unknown function %q: no task is registered under that name in this worker", job.FuncName), uncalled: true}
	}
	uncalled := false
	call := func(ctx context.Context, job *Job) (any, error) {
		in, err := task.bind(job.Args, job.Kwargs)
		if err != nil {
			uncalled = true
			return nil, err
		}
		return task.call(ctx, in)
	}
	v, err := callWrapped(withJob(ctx, job), tasks.wrap(call), job)
	if uncalled && err != nil {
		return ran{err: err, uncalled: true}
	}
	return classify(ctx, job.c.serializer, v, err)
}

// classify tells what a function that ran with ctx gave back: a value,
// kept also in serializer s's bytes; an error; or, for a function that
// gives back its context's error or its cause (context.Cause(ctx), as Go
// code often does), a job stopped from outside.
func classify(ctx context.Context, s Serializer, v any, err error) ran {
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && (errors.Is(err, ctx.Err()) || errors.Is(err, cause)) {
			return ran{err: err, cause: cause}
		}
		return ran{err: err}
	}
	r := ran{value: v}
	if v != nil {
		b, err := s.Marshal(v)
		if err != nil {
			b, _ = s.Marshal("Unserializable return value")
		}
		r.stored = b
	}
	return r
}

// A runner runs jobs' functions for a worker: in its own process
// (inProcess) or in a work horse (horseRunner).
type runner interface {
	// start runs job's function with ctx, which the worker cancels at the
	// job's timeout or to stop it, and returns where its ran comes.
	// hash is the job's hash as the worker took it.
	start(ctx context.Context, job *Job, hash map[string]string, timeout time.Duration) <-chan ran
	// interrupt is called when ctx is cancelled with cause. It returns the
	// job's ran and true when it ended the job itself; false to let the
	// function answer within grace.
	interrupt(cause error) (ran, bool)
	// grace is how long a function may take to return after ctx ends.
	grace() time.Duration
	// abandon gives up on a function that did not return within grace.
	abandon(jobID string, cause error) ran
	// close releases what the runner holds.
	close()
}

// gracePeriod is how long a job run in process may take to return after
// its context is cancelled.
const gracePeriod = 5 * time.Second

// inProcess runs jobs in the worker's process, each in a goroutine.
type inProcess struct {
	tasks *TaskRegistry
	log   *Logger
	// ch carries the ran of each job: one channel serves the worker's
	// jobs one after the other, as the worker receives each job's ran
	// from it, unless it abandons the job's function, which may still
	// send; the next job then gets a new channel.
	ch chan ran
}

func (p *inProcess) start(ctx context.Context, job *Job, _ map[string]string, _ time.Duration) <-chan ran {
	if p.ch == nil {
		p.ch = make(chan ran, 1)
	}
	ch := p.ch
	go func() { ch <- runTask(ctx, p.tasks, job) }()
	return ch
}

// interrupt leaves a function in process to see its context end.
func (*inProcess) interrupt(error) (ran, bool) { return ran{}, false }

func (*inProcess) grace() time.Duration { return gracePeriod }

// abandon leaves the goroutine of a function that ignores its context: Go
// cannot stop it.
func (p *inProcess) abandon(jobID string, cause error) ran {
	p.ch = nil // the function may yet send its ran
	p.log.Warnf("Job %s ignored the cancellation of its context; it is left running in the background", jobID)
	return ran{cause: cause}
}

func (*inProcess) close() {}
