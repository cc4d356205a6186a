package rqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
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
}

// Call is one job for Queue.EnqueueMany: a function (registered value or
// name) and its options, the counterpart of RQ's Queue.prepare_data.
type Call struct {
	Func any
	EnqueueOptions
}

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Enqueue puts a call of f with args in the queue and returns the job
// without waiting for it to run. f is a function registered with Register,
// or the name it was registered under. A Kwargs as the last of args passes
// keyword arguments, like a Python call f(3, n=4).
func (q *Queue) Enqueue(ctx context.Context, f any, args ...any) (*Job, error) {
	var o EnqueueOptions
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(Kwargs); ok {
			o.Kwargs, args = kw, args[:n-1]
		}
	}
	o.Args = args
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
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		q.push(ctx, p, j)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
	}
	return j.job, nil
}

// EnqueueMany enqueues every call in one round trip to Redis, as RQ's
// enqueue_many. Either all are enqueued or none. Calls with dependencies
// are not accepted here: use EnqueueCall for them.
func (q *Queue) EnqueueMany(ctx context.Context, calls []Call) ([]*Job, error) {
	prepared := make([]*prepared, len(calls))
	for i := range calls {
		p, err := q.prepare(calls[i].Func, &calls[i].EnqueueOptions)
		if err != nil {
			return nil, fmt.Errorf("call %d: %w", i+1, err)
		}
		if len(p.job.DependencyIDs) > 0 {
			return nil, fmt.Errorf("rqlite: call %d: EnqueueMany does not take dependencies; use EnqueueCall", i+1)
		}
		prepared[i] = p
	}
	if _, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, j := range prepared {
			q.push(ctx, p, j)
		}
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
}

// prepare checks a call and its options and builds the job's hash.
func (q *Queue) prepare(f any, o *EnqueueOptions) (*prepared, error) {
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
	now := q.c.now()
	j := &Job{
		ID:              o.JobID,
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
	if j.ID == "" {
		j.ID = q.newID()
	} else if !jobIDPattern.MatchString(j.ID) {
		return nil, fmt.Errorf("rqlite: invalid job ID %q: use only letters, digits, '_' and '-'", j.ID)
	}
	for _, id := range o.DependsOn {
		if !jobIDPattern.MatchString(id) {
			return nil, fmt.Errorf("rqlite: invalid dependency job ID %q", id)
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
		return nil, fmt.Errorf("rqlite: invalid ttl %v: it must be positive (leave it zero for no limit)", o.TTL)
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
		"enqueued_at", wire.FormatTime(now),
		"timeout", timeout,
	}
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
		if o.AtFront {
			fields = append(fields, "enqueue_at_front", "1")
			j.EnqueueAtFront = true
		}
	}
	p := &prepared{job: j, fields: fields, atFront: o.AtFront}
	if o.TTL > 0 {
		p.ttl = int64(o.TTL / time.Second)
	}
	return p, nil
}

// push writes a prepared job and queues it, as RQ's enqueue_job.
func (q *Queue) push(ctx context.Context, p redis.Pipeliner, j *prepared) {
	id := j.job.ID
	p.SAdd(ctx, keys.Queues, keys.Queue(q.Name))
	args := make([]any, 0, len(j.fields)+2)
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
		p.LPush(ctx, keys.Queue(q.Name), id)
	} else {
		p.RPush(ctx, keys.Queue(q.Name), id)
	}
}

func (q *Queue) enqueueDependent(ctx context.Context, j *prepared) error {
	id, deps := j.job.ID, j.job.DependencyIDs
	ks := []string{keys.Job(id), keys.Queue(q.Name), keys.Queues, keys.Deferred(q.Name), keys.Dependencies(id), keys.Dependents(id)}
	for _, d := range deps {
		ks = append(ks, keys.Job(d))
	}
	for _, d := range deps {
		ks = append(ks, keys.Dependents(d))
	}
	now := q.c.now()
	argv := []any{id, len(deps), wire.Epoch(now), wire.FormatTime(now), flag(j.atFront), flag(j.job.AllowDepFailure), ""}
	if j.ttl > 0 {
		argv[6] = j.ttl
	}
	for _, d := range deps {
		argv = append(argv, d)
	}
	for i := 0; i < len(j.fields); i += 2 {
		if j.fields[i] != "enqueued_at" { // the script sets it only if the job is queued
			argv = append(argv, j.fields[i], j.fields[i+1])
		}
	}
	res, err := scripts.EnqueueDependent.Run(ctx, q.c.rdb, ks, argv...).Int64Slice()
	if err != nil {
		return fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
	}
	switch res[0] {
	case 0:
		j.job.Status = StatusDeferred
		j.job.EnqueuedAt = time.Time{}
	case -1:
		return fmt.Errorf("%w: dependency %s of %s", ErrNoSuchJob, deps[res[1]-1], j.job.Description)
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
	case d == Forever:
		return "-1", nil
	case d == Discard && discardOK:
		return "0", nil
	case d < 0:
		return "", fmt.Errorf("rqlite: invalid %s %v: it must be positive, or rqlite.Forever", option, d)
	}
	n, err := wholeSeconds(option, d)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(n, 10), nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
