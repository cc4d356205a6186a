package rqlite

import (
	"errors"
	"fmt"
)

// ErrNoSuchJob is returned when a job ID has no job hash in Redis: it never
// existed, or it expired or was deleted.
var ErrNoSuchJob = errors.New("rqlite: no such job")

// A NotAHashError says that the key of job ID holds another type than a
// hash: there is no such job, as RQ's worker sees it (it wraps
// ErrNoSuchJob).
type NotAHashError struct {
	ID, Key string
}

func (e *NotAHashError) Error() string {
	return fmt.Sprintf("%v: %s (its key %s is not a hash)", ErrNoSuchJob, e.ID, e.Key)
}

func (e *NotAHashError) Unwrap() error { return ErrNoSuchJob }

// A NotASetError says that a key that RQ keeps as a set (rq:queues,
// rq:workers, rq:workers:Q) holds another type.
type NotASetError struct {
	Key string
}

func (e *NotASetError) Error() string {
	return fmt.Sprintf("rqlite: key %s holds another type than a set", e.Key)
}

// ErrNoConnection is returned by the methods of a Job that need Redis when
// the job has no client: a Job made by hand, or the job of a task running
// in a work horse (see WorkerOptions.Isolated), which does not talk to
// Redis. The error says which.
var ErrNoConnection = errors.New("rqlite: no Redis connection")

// ErrAlreadyCanceled is returned when canceling a job that is canceled.
var ErrAlreadyCanceled = errors.New("rqlite: job is already canceled")

// ErrNotRunning is returned when stopping a job that no worker is running.
var ErrNotRunning = errors.New("rqlite: job is not being run by a worker")

// ErrSharedWritePanicked is the error of an Enqueue whose job went in a
// write shared with concurrent calls, sent by another caller in which it
// panicked (in a go-redis hook): whether the job was written is unknown.
var ErrSharedWritePanicked = errors.New("rqlite: the write shared with this job panicked in another caller; the job may or may not be written")

// An OptionError says that a value given to rqlite (an option, a job ID, a
// queue, task or worker name, a timeout...) cannot be taken, and why.
type OptionError struct {
	Option string // what was given, as the message names it: "job ID", "ttl"...
	Value  any    // the value given
	Reason string // what to give instead; may be empty
}

func (e *OptionError) Error() string {
	value := fmt.Sprint(e.Value)
	if s, ok := e.Value.(string); ok {
		value = fmt.Sprintf("%q", s)
	}
	if e.Reason == "" {
		return fmt.Sprintf("rqlite: invalid %s %s", e.Option, value)
	}
	return fmt.Sprintf("rqlite: invalid %s %s: %s", e.Option, value, e.Reason)
}

// badOption returns an *OptionError.
func badOption(option string, value any, reason string) error {
	return &OptionError{Option: option, Value: value, Reason: reason}
}

// An UnknownTaskError says that no task is registered under Name.
type UnknownTaskError struct {
	Name string
}

func (e *UnknownTaskError) Error() string {
	return fmt.Sprintf("rqlite: unknown function %q: no task is registered under that name", e.Name)
}
