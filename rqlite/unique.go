package rqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// A DuplicateJobError says that a unique enqueue (EnqueueOptions.Unique)
// found a job with its ID already in Redis, and wrote nothing: RQ 2.8's
// DuplicateJobError.
type DuplicateJobError struct {
	ID string // the ID of the job that exists
}

func (e *DuplicateJobError) Error() string {
	return fmt.Sprintf("rqlite: a job with ID %q already exists", e.ID)
}

// checkUnique checks the options of a unique job as RQ 2.8's enqueue_call
// and enqueue_job do: it needs its own ID, and takes no dependencies.
func checkUnique(o *EnqueueOptions) error {
	switch {
	case !o.Unique:
		return nil
	case o.JobID == "":
		return badOption("unique", true, "a unique job needs its own job ID")
	case len(o.DependsOn) > 0:
		return badOption("unique", true, "a unique job cannot depend on other jobs")
	}
	return nil
}

// enqueueUnique writes a prepared job unless a job with its ID exists, as
// RQ 2.8's save_unique_job (or schedule_unique_job for a scheduled job)
// does: in one script, with the same hash as Enqueue writes. A queue that
// runs its jobs at once then runs it.
func (q *Queue) enqueueUnique(ctx context.Context, j *prepared) (*Job, error) {
	job, err := q.writeOnce(ctx, j, nil)
	if err == nil && job == nil {
		return nil, &DuplicateJobError{ID: j.job.ID}
	}
	return job, err
}

// A claim is a key that only one writer of a job creates, with the job
// (scripts.EnqueueUniqueArgs.Claim).
type claim struct {
	key   string
	ttl   time.Duration
	value string
}

// writeOnce writes a prepared job in one script unless a job with its ID
// exists or, with c, unless c's key exists; then it returns a nil job and
// no error.
func (q *Queue) writeOnce(ctx context.Context, j *prepared, c *claim) (*Job, error) {
	id := j.job.ID
	a := scripts.EnqueueUniqueArgs{Job: keys.Job(id), Queue: keys.Queue(q.Name), AllQueues: keys.Queues,
		ScheduledRegistry: keys.Scheduled(q.Name), JobID: id, Where: scripts.UniqueBack, TTL: j.ttl}
	if c != nil {
		a.Claim, a.ClaimTTL, a.ClaimValue = c.key, c.ttl.Milliseconds(), c.value
	}
	status := StatusQueued
	switch {
	case !j.at.IsZero():
		a.Where, a.ScheduledScore, status = scripts.UniqueScheduled, wire.Epoch(j.at), StatusScheduled
	case q.sync:
		a.Where = scripts.UniqueNowhere
	case j.atFront:
		a.Where = scripts.UniqueFront
	}
	a.Fields = append([]any{"status", string(status)}, j.fields...)
	reply, err := scripts.RunEnqueueUnique(ctx, q.c.rdb, a)
	switch {
	case err != nil:
		return nil, fmt.Errorf("rqlite: enqueue %s: %w", j.job.Description, err)
	case !reply.Written:
		return nil, nil
	case a.Where == scripts.UniqueNowhere:
		return q.runWritten(ctx, j)
	}
	return j.job, nil
}
