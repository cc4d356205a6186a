package rqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A FetchedJob is one job read by FetchJobs.
type FetchedJob struct {
	// ID is the ID that was asked for.
	ID string
	// Job is the job, nil when Err is set.
	Job *Job
	// Err wraps ErrNoSuchJob when the job does not exist (its hash has
	// expired or was deleted), or says why its hash cannot be read, for
	// instance when it was written with another serializer.
	Err error
}

// FetchJobs reads the jobs with the given IDs in one round trip to Redis (a
// pipeline of HGETALL), whatever their queues: a page of a queue or of a
// registry, say, without a round trip per job. It returns one entry per
// ID, in the order given. A job that is missing or cannot be decoded has
// its error in its entry; the error returned is for Redis failing to
// answer, and then there are no entries.
func FetchJobs(ctx context.Context, rdb redis.UniversalClient, ids []string, opts *QueueOptions) ([]FetchedJob, error) {
	out := make([]FetchedJob, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	c := newConn(rdb, opts)
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	// The pipeline's own error is that of its first failed command; each
	// command is checked below, to tell a reply error about one key
	// (WRONGTYPE) from a failing connection.
	_, _ = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, keys.Job(id))
		}
		return nil
	})
	for i, id := range ids {
		out[i].ID = id
		h, err := cmds[i].Result()
		var replyErr redis.Error
		switch {
		case errors.As(err, &replyErr):
			out[i].Err = fmt.Errorf("rqlite: fetch job %s: %w", id, err)
			continue
		case err != nil:
			return nil, fmt.Errorf("rqlite: fetch jobs: %w", err)
		case len(h) == 0:
			out[i].Err = fmt.Errorf("%w: %s", ErrNoSuchJob, id)
			continue
		}
		j := &Job{ID: id, c: c}
		if err := j.decode(h); err != nil {
			out[i].Err = fmt.Errorf("rqlite: job %s: %w", id, err)
			continue
		}
		out[i].Job = j
	}
	return out, nil
}
