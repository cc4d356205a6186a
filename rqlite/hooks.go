package rqlite

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Hooks replace, for the whole process, what makes a program's output
// differ from one run to the next: the random job IDs and worker names, and
// the clock that log lines show. A program whose output is compared with a
// saved copy (a golden test, the tutorial's examples) sets them once, before
// it makes queues or workers. Options given explicitly (QueueOptions.NewID,
// WorkerOptions.Name, Logger.Now) still win; a nil field keeps rqlite's
// default.
//
// The clock hook changes only what the log shows: timestamps written to
// Redis always come from the queue's or worker's own clock.
type Hooks struct {
	NewJobID      func() string    // random UUIDs (uuid4) by default
	NewWorkerName func() string    // 32 random hexadecimal digits by default
	LogClock      func() time.Time // time.Now by default
}

var hooks atomic.Pointer[Hooks]

// SetHooks installs h for the rest of the process.
func SetHooks(h Hooks) { hooks.Store(&h) }

func currentHooks() Hooks {
	if h := hooks.Load(); h != nil {
		return *h
	}
	return Hooks{}
}

// newJobID is the default ID of a new job.
func newJobID() string {
	if f := currentHooks().NewJobID; f != nil {
		return f()
	}
	return uuid.NewString()
}

// newWorkerName is the default name of a new worker, as RQ makes it.
func newWorkerName() string {
	if f := currentHooks().NewWorkerName; f != nil {
		return f()
	}
	return strings.ReplaceAll(uuid.NewString(), "-", "")
}

// logClock is the default clock of a Logger.
func logClock() func() time.Time {
	if f := currentHooks().LogClock; f != nil {
		return f
	}
	return time.Now
}
