package rqlite

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// Remove takes job id out of the registry, as RQ's
// registry.remove(job_id, delete_job=deleteJob): its member leaves the
// sorted set, and with deleteJob the job is then deleted as Job.Delete
// deletes it (from its queue, every registry of its queue, its hash and
// dependency sets and, in RQ 2.x's layout, its executions). An ID that is
// not in the registry is no error; with deleteJob, a job that does not
// exist is an error wrapping ErrNoSuchJob, as RQ's Job.fetch raises
// NoSuchJobError, after the registry entry is removed all the same.
//
// In the started registry of a queue in RQ 2.x's layout
// (QueueOptions.RQ2), whose members are ID:EXECUTION, the member of each
// of the job's executions is removed, as RQ 2.x's
// StartedJobRegistry.remove_executions does (RQ 2.x's remove raises
// NotImplementedError there), and a bare ID member too.
func (r *JobRegistry) Remove(ctx context.Context, id string, deleteJob bool) error {
	var err error
	if r.Kind == Started && r.rq2 {
		_, err = scripts.RunRemoveStarted(ctx, r.c.rdb, scripts.RemoveStartedArgs{
			Started:    r.Key(),
			Executions: keys.Executions(id),
			JobID:      id,
		})
	} else {
		err = r.c.rdb.ZRem(ctx, r.Key(), id).Err()
	}
	if err != nil {
		return fmt.Errorf("rqlite: remove %s from %s registry of %s: %w", id, r.Kind, r.Queue, err)
	}
	if !deleteJob {
		return nil
	}
	// Job.Delete needs no more than the origin: a job whose arguments or
	// meta cannot be decoded is deleted all the same.
	h, err := readJobHash(ctx, r.c.rdb, id)
	if err != nil {
		return err
	}
	j := &Job{ID: id, Origin: h["origin"], c: r.c}
	return j.Delete(ctx)
}
