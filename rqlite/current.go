package rqlite

import (
	"context"
	"fmt"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

type currentJobKey struct{}

// JobFromContext returns the job a task is running for, from the context
// the worker gives the task (RQ's get_current_job), or nil outside a job.
func JobFromContext(ctx context.Context) *Job {
	j, _ := ctx.Value(currentJobKey{}).(*Job)
	return j
}

func withJob(ctx context.Context, j *Job) context.Context {
	return context.WithValue(ctx, currentJobKey{}, j)
}

// SaveMeta writes the job's Meta to Redis (RQ's job.save_meta), so that
// others can read, for example, a task's progress while it runs.
func (j *Job) SaveMeta(ctx context.Context) error {
	if j.MetaErr != nil {
		return fmt.Errorf("rqlite: job %s: its stored meta could not be read, so SaveMeta does not overwrite it: %w", j.ID, j.MetaErr)
	}
	if j.Meta == nil {
		j.Meta = map[string]any{}
	}
	if j.c == nil {
		_, err := j.client()
		return err
	}
	b, err := j.c.serializer.Marshal(j.Meta)
	if err != nil {
		return fmt.Errorf("rqlite: the meta of job %s cannot be serialized: %w", j.ID, err)
	}
	if j.c.metaSink != nil {
		j.c.metaSink(j.Meta)
		return nil
	}
	return j.c.writeMeta(ctx, j.ID, b)
}

// writeMeta writes a job's meta, in c's serializer.
func (c *conn) writeMeta(ctx context.Context, id string, meta []byte) error {
	rdb, err := (&Job{ID: id, c: c}).client()
	if err != nil {
		return err
	}
	if err := rdb.HSet(ctx, keys.Job(id), "meta", meta).Err(); err != nil {
		return fmt.Errorf("rqlite: save meta of job %s: %w", id, err)
	}
	return nil
}
