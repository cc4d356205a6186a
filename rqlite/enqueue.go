package rqlite

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Call is one job for Queue.EnqueueMany: a function (registered value or
// name) and its options, the counterpart of RQ's Queue.prepare_data.
type Call struct {
	Func any
	EnqueueOptions
}

// EnqueueAt schedules a call of f with args for time t (RQ's enqueue_at):
// the job waits in the scheduled registry until a scheduler queues it.
func (q *Queue) EnqueueAt(ctx context.Context, t time.Time, f any, args ...any) (*Job, error) {
	o := splitKwargs(args)
	o.At = t
	return q.EnqueueCall(ctx, f, &o)
}

// EnqueueIn schedules a call of f with args to be queued after d (RQ's
// enqueue_in).
func (q *Queue) EnqueueIn(ctx context.Context, d time.Duration, f any, args ...any) (*Job, error) {
	return q.EnqueueAt(ctx, q.c.now().Add(d), f, args...)
}

// splitKwargs makes the options of a call from its arguments, a Kwargs
// last among them being the keyword arguments.
func splitKwargs(args []any) EnqueueOptions {
	var o EnqueueOptions
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(Kwargs); ok {
			o.Kwargs, args = kw, args[:n-1]
		}
	}
	o.Args = args
	return o
}

// Enqueue puts a call of f with args in the queue and returns the job
// without waiting for it to run. f is a function registered with Register,
// or the name it was registered under. A Kwargs as the last of args passes
// keyword arguments, like a Python call f(3, n=4).
func (q *Queue) Enqueue(ctx context.Context, f any, args ...any) (*Job, error) {
	o := splitKwargs(args)
	return q.EnqueueCall(ctx, f, &o)
}

// EnqueueCall puts a call of f in the queue with the given options (nil
// means none), as RQ's enqueue_call.
//
// Concurrent calls on the same Redis client and queue share round trips:
// a call that finds fewer than two writes of this queue's jobs in flight,
// and no call waiting, sends its job at once; calls that come while two
// are in flight wait, and their jobs go together in the next write, in the order the calls came, each job's
// writes all or none. Each call returns its own job's outcome. A call
// whose ctx ends while its job waits returns ctx's error, and the job is
// not written; once the job is in a write being sent, the call waits for
// the write's outcome (bounded by the client's timeouts) whatever ctx
// does. Unique jobs, jobs with dependencies and jobs that a synchronous
// queue runs at once are written alone.
func (q *Queue) EnqueueCall(ctx context.Context, f any, o *EnqueueOptions) (*Job, error) {
	if o == nil {
		o = &EnqueueOptions{}
	}
	j, err := q.prepare(f, o)
	if err != nil {
		return nil, err
	}
	if o.Unique {
		return q.enqueueUnique(ctx, j)
	}
	if len(j.job.DependencyIDs) > 0 {
		return j.job, q.enqueueDependent(ctx, j)
	}
	if q.sync && j.at.IsZero() {
		return q.runSync(ctx, j)
	}
	if err := q.pushShared(ctx, j); err != nil {
		return nil, err
	}
	return j.job, nil
}

// runSync writes a job and runs it at once, in the caller, as a worker
// would (RQ's run_sync).
func (q *Queue) runSync(ctx context.Context, j *prepared) (*Job, error) {
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, keys.Queues, keys.Queue(q.Name))
		p.HSet(ctx, keys.Job(j.job.ID), append([]any{"status", string(StatusQueued)}, j.fields...)...)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
	}
	return q.runWritten(ctx, j)
}

// runWritten runs a job already written, in the caller, and reads it back.
func (q *Queue) runWritten(ctx context.Context, j *prepared) (*Job, error) {
	if err := newSyncWorker(q.c, q.Name, q.tasks).runOne(ctx, j.job.ID); err != nil {
		return nil, fmt.Errorf("rqlite: run %s: %w", j.job.Description, err)
	}
	if err := j.job.Refresh(ctx); err != nil {
		return nil, err
	}
	return j.job, nil
}

// EnqueueMany enqueues every call in one round trip to Redis, as RQ's
// enqueue_many, in one transaction: either all are written or none. A call
// with dependencies is deferred unless they are all met, as RQ 2.x's
// enqueue_many decides (see enqueueManyDependent); the jobs are returned
// in the order of the calls.
func (q *Queue) EnqueueMany(ctx context.Context, calls []Call) ([]*Job, error) {
	batch, err := q.prepareMany(calls)
	if err != nil {
		return nil, err
	}
	return q.writeMany(ctx, batch, nil)
}

// writeMany writes prepared jobs in one transaction: those without
// dependencies as pushAll does, then those with dependencies through
// enqueue_many_dependent.lua, then what also writes, if it is not nil.
func (q *Queue) writeMany(ctx context.Context, batch []*prepared, also func(redis.Pipeliner, []*prepared)) ([]*Job, error) {
	var plain, dependent []*prepared
	for _, j := range batch {
		if len(j.job.DependencyIDs) > 0 {
			dependent = append(dependent, j)
		} else {
			plain = append(plain, j)
		}
	}
	now := q.c.now()
	var read func() (scripts.EnqueueManyDependentReply, error)
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		q.pushAll(ctx, p, plain, nil)
		if len(dependent) > 0 {
			var err error
			if read, err = scripts.PipeEnqueueManyDependent(ctx, p, q.manyDependentArgs(dependent, now)); err != nil {
				return err
			}
		}
		if also != nil {
			also(p, batch)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("rqlite: enqueue %d jobs: %w", len(batch), err)
	}
	if read != nil {
		reply, err := read()
		if err != nil {
			return nil, fmt.Errorf("rqlite: enqueue %d jobs: %w", len(batch), err)
		}
		for i, j := range dependent {
			j.job.EnqueuedAt = now
			if !reply.Queued[i] {
				j.job.Status, j.job.EnqueuedAt = StatusDeferred, time.Time{}
			}
		}
	}
	jobs := make([]*Job, len(batch))
	for i, p := range batch {
		jobs[i] = p.job
	}
	return jobs, nil
}

// manyDependentArgs are the arguments of enqueue_many_dependent.lua for
// jobs with dependencies, at time now.
func (q *Queue) manyDependentArgs(jobs []*prepared, now time.Time) scripts.EnqueueManyDependentArgs {
	records := make([]scripts.ManyDependentJob, len(jobs))
	for i, j := range jobs {
		records[i] = scripts.ManyDependentJob{ID: j.job.ID, DeferredScore: q.deferredScore(now, j.ttl), TTL: j.ttl,
			AtFront: j.atFront, AllowFailures: j.job.AllowDepFailure, DependencyIDs: j.job.DependencyIDs, Fields: j.fields}
	}
	return scripts.NewEnqueueManyDependentArgs(keys.Queue(q.Name), keys.Deferred(q.Name), wire.FormatTime(now), records)
}

// prepared is a job ready to be written: the Job returned to the caller
// and the fields of its hash, in the order RQ writes them.
type prepared struct {
	job     *Job
	fields  []any // field, value, ... without status
	ttl     int64 // seconds; 0 for none
	atFront bool
	at      time.Time // when a scheduled job is due; zero if not scheduled
}

// prepareMany prepares the calls of EnqueueMany. The IDs and times are
// made in the order of the calls (the queue's NewID and Now need not be
// safe for concurrent use); the rest, which is most of the work, is shared
// among the processors for a large batch.
func (q *Queue) prepareMany(calls []Call) ([]*prepared, error) {
	ids := make([]string, len(calls))
	nows := make([]time.Time, len(calls))
	for i := range calls {
		nows[i] = q.c.now()
		if ids[i] = calls[i].JobID; ids[i] == "" {
			ids[i] = q.newID()
		}
	}
	out := make([]*prepared, len(calls))
	errs := make([]error, len(calls))
	prepare := func(from, to int) {
		for i := from; i < to; i++ {
			out[i], errs[i] = q.prepareWith(calls[i].Func, &calls[i].EnqueueOptions, ids[i], nows[i])
		}
	}
	const perGoroutine = 256
	if parts := min(runtime.GOMAXPROCS(0), len(calls)/perGoroutine); parts > 1 {
		var wg sync.WaitGroup
		size := (len(calls) + parts - 1) / parts
		for from := 0; from < len(calls); from += size {
			wg.Go(func() { prepare(from, min(len(calls), from+size)) })
		}
		wg.Wait()
	} else {
		prepare(0, len(calls))
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("call %d: %w", i+1, err)
		}
		if calls[i].Unique {
			return nil, fmt.Errorf("call %d: %w", i+1, badOption("unique", true, "EnqueueMany does not take unique jobs; use EnqueueCall"))
		}
	}
	return out, nil
}

// prepare checks a call and its options and builds the job's hash.
func (q *Queue) prepare(f any, o *EnqueueOptions) (*prepared, error) {
	id := o.JobID
	if id == "" {
		id = q.newID()
	}
	return q.prepareWith(f, o, id, q.c.now())
}

// prepareWith is prepare with the job's ID and creation time given: the
// call is checked, made into a job, and the job encoded as its hash.
func (q *Queue) prepareWith(f any, o *EnqueueOptions, id string, now time.Time) (*prepared, error) {
	c, err := q.checkCall(f, o)
	if err != nil {
		return nil, err
	}
	j := c.newJob(q, id, now)
	fields, err := j.encode(q.rq2)
	if err != nil {
		return nil, err
	}
	p := &prepared{job: j, fields: fields, atFront: o.AtFront, at: o.At}
	if o.TTL > 0 {
		p.ttl = int64(o.TTL / time.Second)
	}
	return p, nil
}

// newJob returns the job that a checked call becomes: queued, or
// scheduled; a job with dependencies is deferred when it is written, if
// they have not ended.
func (c *checkedCall) newJob(q *Queue, id string, now time.Time) *Job {
	o := c.opts
	j := &Job{
		ID:              id,
		FuncName:        c.task.Name,
		Args:            o.Args,
		Kwargs:          o.Kwargs,
		Description:     c.description,
		Origin:          q.Name,
		Status:          StatusQueued,
		CreatedAt:       now,
		EnqueuedAt:      now,
		Timeout:         c.timeout,
		ResultTTL:       o.ResultTTL,
		FailureTTL:      o.FailureTTL,
		TTL:             o.TTL,
		Meta:            o.Meta,
		DependencyIDs:   o.DependsOn,
		OnSuccess:       c.onSuccess,
		OnFailure:       c.onFailure,
		OnStopped:       c.onStopped,
		AllowDepFailure: o.AllowDependencyFailure,
		// Where the job goes once its dependencies finish or its time
		// comes.
		EnqueueAtFront: o.AtFront && (len(o.DependsOn) > 0 || !o.At.IsZero()),
		c:              q.c,
	}
	if o.Retry != nil {
		j.RetriesLeft, j.RetryIntervals = o.Retry.Max, o.Retry.Intervals
	}
	if !o.At.IsZero() {
		j.Status, j.EnqueuedAt = StatusScheduled, time.Time{}
	}
	return j
}

// push writes a prepared job and queues it, as RQ's enqueue_job, or
// schedules it, as RQ's schedule_job.
func (q *Queue) push(ctx context.Context, p redis.Pipeliner, j *prepared) {
	q.pushAll(ctx, p, []*prepared{j}, nil)
}

func (q *Queue) enqueueDependent(ctx context.Context, j *prepared) error {
	id, deps := j.job.ID, j.job.DependencyIDs
	now := q.c.now()
	args := scripts.EnqueueDependentArgs{Job: keys.Job(id), Queue: keys.Queue(q.Name), AllQueues: keys.Queues,
		DeferredRegistry: keys.Deferred(q.Name), Dependencies: keys.Dependencies(id), Dependents: keys.Dependents(id),
		JobID: id, DependencyCount: len(deps), DeferredScore: q.deferredScore(now, j.ttl), NowTimestamp: wire.FormatTime(now),
		AtFront: j.atFront, AllowFailures: j.job.AllowDepFailure, TTL: max(j.ttl, 0), DependencyIDs: deps, Fields: j.fields}
	for _, d := range deps {
		args.DependencyHashes = append(args.DependencyHashes, keys.Job(d))
		args.DependencyDependents = append(args.DependencyDependents, keys.Dependents(d))
	}
	reply, err := scripts.RunEnqueueDependent(ctx, q.c.rdb, args)
	switch {
	case err != nil:
		return fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
	case reply.MissingDependency != "":
		return fmt.Errorf("%w: dependency %s of %s", ErrNoSuchJob, reply.MissingDependency, j.job.Description)
	case reply.Deferred:
		j.job.Status = StatusDeferred
		j.job.EnqueuedAt = time.Time{}
	}
	return nil
}

// deferredScore is a deferred job's score in the deferred registry, for a
// job of ttl (none when 0 or less): now in RQ 1.13's layout (its
// Job.register_dependency); in RQ 2.x's, whose registry fails a deferred
// job once its score has passed, now + ttl, or +inf without one
// (DeferredJobRegistry.add).
func (q *Queue) deferredScore(now time.Time, ttl int64) string {
	switch {
	case !q.rq2:
		return strconv.FormatInt(wire.Epoch(now), 10)
	case ttl > 0:
		return strconv.FormatInt(wire.Epoch(now)+ttl, 10)
	}
	return "+inf"
}
