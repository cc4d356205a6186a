package rqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// GetPosition returns the job's place in its origin queue, 0 at the head
// (the next job a worker takes), as RQ's job.get_position, which asks Redis
// with LPOS. found is false, with no error, when the job is not waiting in
// that queue (it is running, done, deferred or scheduled, or was deleted)
// and when it has no origin, where RQ answers None. It reads nothing but
// the queue list: a job deleted since it was fetched is simply not found.
func (j *Job) GetPosition(ctx context.Context) (pos int64, found bool, err error) {
	rdb, err := j.client()
	if err != nil {
		return 0, false, err
	}
	if j.Origin == "" {
		return 0, false, nil
	}
	pos, err = rdb.LPos(ctx, keys.Queue(j.Origin), j.ID, redis.LPosArgs{}).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("rqlite: position of job %s in queue %s: %w", j.ID, j.Origin, err)
	}
	return pos, true, nil
}
