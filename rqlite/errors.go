package rqlite

import "errors"

// ErrNoSuchJob is returned when a job ID has no job hash in Redis: it never
// existed, or it expired or was deleted.
var ErrNoSuchJob = errors.New("rqlite: no such job")
