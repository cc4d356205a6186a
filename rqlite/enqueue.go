package rqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Default values, as in RQ.
const (
	// DefaultTimeout is how long a job may run when neither the job nor its
	// queue says otherwise.
	DefaultTimeout = 180 * time.Second
	// DefaultResultTTL is how long a finished job and its result are kept.
	DefaultResultTTL = 500 * time.Second
	// DefaultFailureTTL is how long a failed job is kept: one year.
	DefaultFailureTTL = 365 * 24 * time.Hour
)

// EnqueueOptions are the options of an enqueued job: the keyword arguments
// that RQ's enqueue takes for itself. The zero value of each field means
// RQ's default.
type EnqueueOptions struct {
	// Args and Kwargs are the arguments of the call. Queue.Enqueue fills
	// them from its own arguments; Queue.EnqueueCall takes them from here,
	// which is how to pass an argument named like one of these options.
	Args   []any
	Kwargs map[string]any

	// JobTimeout is the longest the job may run before the worker stops it
	// and marks it failed (RQ's job_timeout). Zero means the queue's
	// default (180 s); Forever means no limit. ParseTimeout reads RQ's
	// forms, such as "1h", "30m" or "15s".
	JobTimeout time.Duration
	// ResultTTL is how long a successful job and its result are kept.
	// Zero means 500 s; Forever keeps them until deleted; Discard deletes
	// the job as soon as it succeeds.
	ResultTTL time.Duration
	// FailureTTL is how long a failed job is kept. Zero means one year;
	// Forever keeps it until deleted.
	FailureTTL time.Duration
	// TTL is how long the job may wait in its queue: if no worker has
	// started it by then, it is discarded. Zero means no limit.
	TTL time.Duration

	// OnSuccess and OnFailure name a registered task (or give its function
	// value) that the worker calls after the job succeeds or fails.
	OnSuccess any
	OnFailure any

	// JobID sets the job's ID instead of a random UUID. It may hold
	// letters, digits, '_' and '-' only.
	JobID string
	// AtFront puts the job at the head of its queue instead of the tail.
	AtFront bool
	// Description replaces the default description, the call itself.
	Description string
	// DependsOn holds IDs of jobs that must finish before this one is
	// queued; until then it waits in the deferred registry.
	DependsOn []string
	// AllowDependencyFailure queues the job when its dependencies end,
	// even if some failed.
	AllowDependencyFailure bool
	// Meta is stored with the job, for the caller's own use.
	Meta map[string]any

	// Retry makes a failed job run again, up to Retry.Max more times.
	Retry *Retry
	// OnStopped names a registered task that the worker calls if the job
	// is stopped (an RQ 2.x option), with the same signature as OnFailure.
	OnStopped any
	// At schedules the job: it waits in the scheduled registry until then,
	// and a scheduler (rq scheduler, or rq worker --with-scheduler) queues
	// it. The zero time queues it at once. See Queue.EnqueueAt.
	At time.Time
}

// Retry is RQ's Retry: how many more times a failed job runs, and how long
// to wait before each new run. With no Intervals, a failed job is queued
// again at once; with one, that wait is used every time. With several, RQ
// picks Intervals[max(len(Intervals)-retriesLeft, 0)]: when there are more
// retries than intervals, the first one is used until the retries left
// match the intervals, which then follow in order.
type Retry struct {
	Max       int
	Intervals []time.Duration
}

// Call is one job for Queue.EnqueueMany: a function (registered value or
// name) and its options, the counterpart of RQ's Queue.prepare_data.
type Call struct {
	Func any
	EnqueueOptions
}

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

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
func (q *Queue) EnqueueCall(ctx context.Context, f any, o *EnqueueOptions) (*Job, error) {
	if o == nil {
		o = &EnqueueOptions{}
	}
	j, err := q.prepare(f, o)
	if err != nil {
		return nil, err
	}
	if len(j.job.DependencyIDs) > 0 {
		return j.job, q.enqueueDependent(ctx, j)
	}
	if q.sync && j.at.IsZero() {
		return q.runSync(ctx, j)
	}
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		q.push(ctx, p, j)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
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
	if err := newSyncWorker(q.c, q.Name, q.tasks).runOne(ctx, j.job.ID); err != nil {
		return nil, fmt.Errorf("rqlite: run %s: %w", j.job.Description, err)
	}
	if err := j.job.Refresh(ctx); err != nil {
		return nil, err
	}
	return j.job, nil
}

// EnqueueMany enqueues every call in one round trip to Redis, as RQ's
// enqueue_many. Either all are enqueued or none. Calls with dependencies
// are not accepted here: use EnqueueCall for them.
func (q *Queue) EnqueueMany(ctx context.Context, calls []Call) ([]*Job, error) {
	prepared, err := q.prepareMany(calls)
	if err != nil {
		return nil, err
	}
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		q.pushAll(ctx, p, prepared)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("rqlite: enqueue %d jobs: %w", len(calls), err)
	}
	jobs := make([]*Job, len(prepared))
	for i, p := range prepared {
		jobs[i] = p.job
	}
	return jobs, nil
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
		if len(out[i].job.DependencyIDs) > 0 {
			return nil, fmt.Errorf("rqlite: call %d: EnqueueMany does not take dependencies; use EnqueueCall", i+1)
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

// prepareWith is prepare with the job's ID and creation time given.
func (q *Queue) prepareWith(f any, o *EnqueueOptions, id string, now time.Time) (*prepared, error) {
	if err := ValidateQueueName(q.Name); err != nil {
		return nil, err
	}
	task, err := q.tasks.resolve(f)
	if err != nil {
		return nil, err
	}
	if _, err := task.bind(o.Args, o.Kwargs); err != nil {
		return nil, fmt.Errorf("rqlite: %w", err)
	}
	j := &Job{
		ID:              id,
		FuncName:        task.Name,
		Args:            o.Args,
		Kwargs:          o.Kwargs,
		Description:     o.Description,
		Origin:          q.Name,
		Status:          StatusQueued,
		CreatedAt:       now,
		EnqueuedAt:      now,
		Meta:            o.Meta,
		DependencyIDs:   o.DependsOn,
		AllowDepFailure: o.AllowDependencyFailure,
		c:               q.c,
	}
	if o.JobID != "" && !jobIDPattern.MatchString(j.ID) {
		return nil, badOption("job ID", j.ID, "use only letters, digits, '_' and '-'")
	}
	for _, id := range o.DependsOn {
		if !jobIDPattern.MatchString(id) {
			return nil, badOption("dependency job ID", id, "")
		}
	}
	if j.Description == "" {
		j.Description = callString(task.Name, o.Args, o.Kwargs)
	}
	if j.OnSuccess, err = q.callbackName("on_success", o.OnSuccess); err != nil {
		return nil, err
	}
	if j.OnFailure, err = q.callbackName("on_failure", o.OnFailure); err != nil {
		return nil, err
	}

	// Durations, checked as RQ's Queue.create_job checks them.
	j.Timeout = o.JobTimeout
	if j.Timeout == 0 {
		j.Timeout = q.DefaultTimeout
	}
	timeout, err := durationField("job_timeout", j.Timeout, false)
	if err != nil {
		return nil, err
	}
	j.ResultTTL, j.FailureTTL, j.TTL = o.ResultTTL, o.FailureTTL, o.TTL
	resultTTL, err := durationField("result_ttl", o.ResultTTL, true)
	if err != nil {
		return nil, err
	}
	failureTTL, err := durationField("failure_ttl", o.FailureTTL, false)
	if err != nil {
		return nil, err
	}
	ttl, err := durationField("ttl", o.TTL, false)
	if err != nil {
		return nil, err
	}
	if ttl == "-1" {
		return nil, badOption("ttl", o.TTL, "it must be positive (leave it zero for no limit)")
	}

	data, err := encodeCall(q.c.serializer, task.Name, o.Args, o.Kwargs)
	if err != nil {
		return nil, fmt.Errorf("rqlite: the arguments of %s cannot be serialized with %s: %w", j.Description, q.c.serializer.Name(), err)
	}
	created := wire.FormatTime(now)
	fields := []any{
		"created_at", created,
		"data", data,
		"success_callback_name", j.OnSuccess,
		"failure_callback_name", j.OnFailure,
		"started_at", "",
		"ended_at", "",
		"last_heartbeat", "",
		"worker_name", "",
		"origin", q.Name,
		"description", j.Description,
	}
	if o.At.IsZero() && len(o.DependsOn) == 0 {
		// Queued at once. A scheduled job gets its enqueued_at when its
		// time comes, a dependent one when its dependencies end.
		fields = append(fields, "enqueued_at", created)
	}
	fields = append(fields, "timeout", timeout)
	for _, f := range [][2]string{{"result_ttl", resultTTL}, {"failure_ttl", failureTTL}, {"ttl", ttl}} {
		if f[1] != "" {
			fields = append(fields, f[0], f[1])
		}
	}
	if len(o.Meta) > 0 {
		meta, err := q.c.serializer.Marshal(o.Meta)
		if err != nil {
			return nil, fmt.Errorf("rqlite: the meta of %s cannot be serialized: %w", j.Description, err)
		}
		fields = append(fields, "meta", meta)
	}
	if len(o.DependsOn) > 0 {
		ids, _ := json.Marshal(o.DependsOn)
		fields = append(fields, "dependency_id", o.DependsOn[0], "dependency_ids", string(pythonJSON(ids)))
		if o.AllowDependencyFailure {
			fields = append(fields, "allow_dependency_failures", "1")
		}
	}
	if o.AtFront && (len(o.DependsOn) > 0 || !o.At.IsZero()) {
		// Where the job goes once its dependencies finish or its time comes.
		fields = append(fields, "enqueue_at_front", "1")
		j.EnqueueAtFront = true
	}
	if o.Retry != nil {
		if o.Retry.Max < 1 {
			return nil, badOption("retry max", o.Retry.Max, "it must be 1 or more")
		}
		intervals := make([]int64, 0, len(o.Retry.Intervals))
		for _, d := range o.Retry.Intervals {
			n, err := wholeSeconds("retry interval", d)
			if err != nil || n < 0 {
				return nil, badOption("retry interval", d, "use whole seconds, 0 or more")
			}
			intervals = append(intervals, n)
		}
		if len(intervals) == 0 {
			intervals = []int64{0} // as RQ's Retry(max=N)
		}
		b, _ := json.Marshal(intervals)
		fields = append(fields, "retries_left", strconv.Itoa(o.Retry.Max), "retry_intervals", string(pythonJSON(b)))
		j.RetriesLeft, j.RetryIntervals = o.Retry.Max, o.Retry.Intervals
	}
	if o.OnStopped != nil {
		name, err := q.callbackName("on_stopped", o.OnStopped)
		if err != nil {
			return nil, err
		}
		fields = append(fields, "stopped_callback_name", name)
		j.OnStopped = name
	}
	if q.rq2 {
		if o.OnStopped == nil {
			fields = append(fields, "stopped_callback_name", "")
		}
		fields = append(fields, "group_id", "")
	}
	if !o.At.IsZero() {
		if len(o.DependsOn) > 0 {
			return nil, fmt.Errorf("rqlite: a job cannot both be scheduled and depend on other jobs")
		}
		j.Status, j.EnqueuedAt = StatusScheduled, time.Time{}
	}
	p := &prepared{job: j, fields: fields, atFront: o.AtFront, at: o.At}
	if o.TTL > 0 {
		p.ttl = int64(o.TTL / time.Second)
	}
	return p, nil
}

// push writes a prepared job and queues it, as RQ's enqueue_job, or
// schedules it, as RQ's schedule_job.
func (q *Queue) push(ctx context.Context, p redis.Pipeliner, j *prepared) {
	q.pushAll(ctx, p, []*prepared{j})
}

// pushAll writes prepared jobs and queues or schedules them, as push does
// for each, in fewer commands: the queue is added to rq:queues once, and
// the IDs are pushed together. The queue ends as it would with a push per
// job: the jobs at the front in reverse order of the calls (each LPUSH
// goes before the previous one), the others at the back in order.
func (q *Queue) pushAll(ctx context.Context, p redis.Pipeliner, jobs []*prepared) {
	p.SAdd(ctx, keys.Queues, keys.Queue(q.Name))
	var front, back []any
	for _, j := range jobs {
		id := j.job.ID
		args := make([]any, 0, len(j.fields)+2)
		if !j.at.IsZero() {
			p.ZAdd(ctx, keys.Scheduled(q.Name), redis.Z{Score: float64(wire.Epoch(j.at)), Member: id})
			args = append(args, "status", string(StatusScheduled))
			p.HSet(ctx, keys.Job(id), append(args, j.fields...)...)
			continue
		}
		args = append(args, "status", string(StatusQueued))
		args = append(args, j.fields...)
		p.HSet(ctx, keys.Job(id), args...)
		if j.ttl > 0 {
			d := time.Duration(j.ttl) * time.Second
			p.Expire(ctx, keys.Job(id), d)
			p.Expire(ctx, keys.Dependents(id), d)
			p.Expire(ctx, keys.Dependencies(id), d)
		}
		if j.atFront {
			front = append(front, id)
		} else {
			back = append(back, id)
		}
	}
	if len(front) > 0 {
		p.LPush(ctx, keys.Queue(q.Name), front...)
	}
	if len(back) > 0 {
		p.RPush(ctx, keys.Queue(q.Name), back...)
	}
}

func (q *Queue) enqueueDependent(ctx context.Context, j *prepared) error {
	id, deps := j.job.ID, j.job.DependencyIDs
	now := q.c.now()
	args := scripts.EnqueueDependentArgs{Job: keys.Job(id), Queue: keys.Queue(q.Name), AllQueues: keys.Queues,
		DeferredRegistry: keys.Deferred(q.Name), Dependencies: keys.Dependencies(id), Dependents: keys.Dependents(id),
		JobID: id, DependencyCount: len(deps), NowEpoch: wire.Epoch(now), NowTimestamp: wire.FormatTime(now),
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

func (q *Queue) callbackName(option string, f any) (string, error) {
	if f == nil {
		return "", nil
	}
	t, err := q.tasks.resolve(f)
	if err != nil {
		return "", fmt.Errorf("rqlite: %s: %w", option, err)
	}
	if err := t.checkCallback(option); err != nil {
		return "", err
	}
	return t.Name, nil
}

// durationField checks a duration option and returns the decimal string RQ
// stores for it, "" when the option is unset.
func durationField(option string, d time.Duration, discardOK bool) (string, error) {
	switch {
	case d == 0:
		return "", nil
	case d == Forever, d == Discard && discardOK:
	case d < 0:
		return "", badOption(option, d, "it must be positive, or rqlite.Forever")
	default:
		if _, err := wholeSeconds(option, d); err != nil {
			return "", err
		}
	}
	return strconv.FormatInt(rqSeconds(d), 10), nil
}
