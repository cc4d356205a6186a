package rqlite

import "errors"

// ErrNoSuchJob is returned when a job ID has no job hash in Redis: it never
// existed, or it expired or was deleted.
var ErrNoSuchJob = errors.New("rqlite: no such job")

// ErrNoConnection is returned by the methods of a Job that need Redis when
// the job has no client: a Job made by hand, or the job of a task running
// in a work horse (see WorkerOptions.Isolated), which does not talk to
// Redis. The error says which.
var ErrNoConnection = errors.New("rqlite: no Redis connection")
