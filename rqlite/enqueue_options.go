package rqlite

import (
	"fmt"
	"regexp"
	"time"
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
	// Unique writes the job only if no job with its ID exists (RQ 2.8's
	// unique=True): the check and the write are one step, so of many
	// callers enqueueing one ID exactly one succeeds, and the others get a
	// *DuplicateJobError. It needs JobID, and cannot go with DependsOn.
	// It works in both layouts (RQ 1.13 has no unique option, but its
	// workers read the job as any other).
	Unique bool
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

// A checkedCall is a call and its options once checked, as RQ's
// Queue.create_job checks them: what the job and its hash are made from.
type checkedCall struct {
	task *Task
	opts *EnqueueOptions

	description string        // the options' own, or the call
	timeout     time.Duration // the job's, or else its queue's default
	// The names of the callback tasks, "" for none.
	onSuccess, onFailure, onStopped string
}

// checkCall checks a call of f and its options, and returns them checked.
// A bad name or value is an *OptionError (a duration that is not a whole
// number of seconds aside), an unknown task an *UnknownTaskError, and
// arguments that do not fit the task say why as Python would.
func (q *Queue) checkCall(f any, o *EnqueueOptions) (*checkedCall, error) {
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
	if err := checkJobIDs(o); err != nil {
		return nil, err
	}
	if err := checkUnique(o); err != nil {
		return nil, err
	}
	c := &checkedCall{task: task, opts: o, description: o.Description, timeout: o.JobTimeout}
	if c.description == "" {
		c.description = callString(task.Name, o.Args, o.Kwargs)
	}
	if c.timeout == 0 {
		c.timeout = q.DefaultTimeout
	}
	if c.onSuccess, err = q.callbackName("on_success", o.OnSuccess); err != nil {
		return nil, err
	}
	if c.onFailure, err = q.callbackName("on_failure", o.OnFailure); err != nil {
		return nil, err
	}
	if err := checkDurations(c.timeout, o); err != nil {
		return nil, err
	}
	if err := checkRetry(o.Retry); err != nil {
		return nil, err
	}
	if c.onStopped, err = q.callbackName("on_stopped", o.OnStopped); err != nil {
		return nil, err
	}
	if err := checkSchedule(o); err != nil {
		return nil, err
	}
	return c, nil
}

// checkSchedule checks the time a job is scheduled at: the scheduled
// registry is scored by Unix time, and RQ's scheduler takes the jobs
// scored from 0 to now, so a job scheduled before 1970 would never be
// queued.
func checkSchedule(o *EnqueueOptions) error {
	if o.At.IsZero() {
		return nil
	}
	if o.At.Unix() < 0 {
		return badOption("scheduled time", o.At.Format(time.RFC3339), "it is before 1970-01-01 UTC, and the scheduler would never queue the job")
	}
	if len(o.DependsOn) > 0 {
		return fmt.Errorf("rqlite: a job cannot both be scheduled and depend on other jobs")
	}
	return nil
}

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkJobIDs checks the job's own ID, if it is given, and those of its
// dependencies.
func checkJobIDs(o *EnqueueOptions) error {
	if o.JobID != "" && !jobIDPattern.MatchString(o.JobID) {
		return badOption("job ID", o.JobID, "use only letters, digits, '_' and '-'")
	}
	for _, id := range o.DependsOn {
		if !jobIDPattern.MatchString(id) {
			return badOption("dependency job ID", id, "")
		}
	}
	return nil
}

// callbackName checks a callback option and returns the name of its task,
// "" when the option is unset.
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

// checkDurations checks the job's timeout and TTLs as RQ's
// Queue.create_job does.
func checkDurations(timeout time.Duration, o *EnqueueOptions) error {
	for _, d := range []struct {
		option    string
		value     time.Duration
		discardOK bool
	}{
		{"job_timeout", timeout, false}, {"result_ttl", o.ResultTTL, true},
		{"failure_ttl", o.FailureTTL, false}, {"ttl", o.TTL, false},
	} {
		if err := checkDuration(d.option, d.value, d.discardOK); err != nil {
			return err
		}
	}
	if o.TTL == Forever {
		return badOption("ttl", o.TTL, "it must be positive (leave it zero for no limit)")
	}
	return nil
}

// checkDuration checks a duration option: zero (unset), Forever, Discard
// where discardOK, or a positive whole number of seconds.
func checkDuration(option string, d time.Duration, discardOK bool) error {
	switch {
	case d == 0, d == Forever, d == Discard && discardOK:
		return nil
	case d < 0:
		return badOption(option, d, "it must be positive, or rqlite.Forever")
	}
	_, err := wholeSeconds(option, d)
	return err
}

// checkRetry checks a Retry: at least one more run, and waits of whole
// seconds, 0 or more.
func checkRetry(r *Retry) error {
	if r == nil {
		return nil
	}
	if r.Max < 1 {
		return badOption("retry max", r.Max, "it must be 1 or more")
	}
	for _, d := range r.Intervals {
		if n, err := wholeSeconds("retry interval", d); err != nil || n < 0 {
			return badOption("retry interval", d, "use whole seconds, 0 or more")
		}
	}
	return nil
}
