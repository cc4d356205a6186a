package rqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// QueueStats is a snapshot of one queue: what django-rq's statistics show
// for it (rqstats and the admin dashboard).
type QueueStats struct {
	// Name is the queue's name.
	Name string
	// Jobs is the number of jobs waiting in the queue.
	Jobs int64
	// OldestJobEnqueuedAt is when the job at the head of the queue was
	// enqueued; zero when the queue is empty or that job is not found.
	OldestJobEnqueuedAt time.Time
	// Workers is the number of workers registered on the queue.
	Workers int64
	// The sizes of the queue's registries.
	Finished, Started, Deferred, Failed, Scheduled int64
}

// Stats reads the queue's statistics as django-rq's get_statistics does.
// Like RQ's len(registry), it first cleans the registries, so expired
// entries are not counted and abandoned started jobs move to the failed
// registry; and like RQ's fetch_job, a head of the queue whose job hash is
// gone is removed from the queue. Its cost is a few round trips to Redis,
// whatever the size of the queue and its registries.
func (q *Queue) Stats(ctx context.Context) (QueueStats, error) {
	st := QueueStats{Name: q.Name}
	// The started cleanup may move jobs to the failed registry, so it goes
	// before the failed one, as in RQ's clean_registries.
	for _, kind := range []RegistryKind{Finished, Started, Failed} {
		if err := q.Registry(kind).Cleanup(ctx); err != nil {
			return st, err
		}
	}

	rdb := q.c.rdb
	var (
		head    *redis.StringCmd
		llen    *redis.IntCmd
		workers *redis.IntCmd
		counts  = map[RegistryKind]*redis.IntCmd{}
		kinds   = []RegistryKind{Finished, Started, Deferred, Failed, Scheduled}
	)
	cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		head = p.LIndex(ctx, q.Key(), 0)
		llen = p.LLen(ctx, q.Key())
		workers = p.SCard(ctx, keys.QueueWorkers(q.Name))
		for _, kind := range kinds {
			counts[kind] = p.ZCard(ctx, q.Registry(kind).Key())
		}
		return nil
	})
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return st, fmt.Errorf("rqlite: statistics of queue %s: %w", q.Name, err)
		}
	}
	st.Jobs = llen.Val()
	st.Workers = workers.Val()
	st.Finished = counts[Finished].Val()
	st.Started = counts[Started].Val()
	st.Deferred = counts[Deferred].Val()
	st.Failed = counts[Failed].Val()
	st.Scheduled = counts[Scheduled].Val()

	id := head.Val()
	if id == "" {
		return st, nil
	}
	oldest, err := q.headEnqueuedAt(ctx, id)
	if err != nil {
		return st, err
	}
	if oldest.removed {
		st.Jobs--
		if st.Jobs < 0 {
			st.Jobs = 0
		}
	}
	st.OldestJobEnqueuedAt = oldest.at
	return st, nil
}

// queueHead is what Stats learns of the job at the head of the queue.
type queueHead struct {
	at      time.Time // its enqueued_at, zero if it is not this queue's
	removed bool      // its hash was gone and the ID left the queue
}

// headEnqueuedAt reads the enqueued_at of job id, the head of the queue,
// as RQ's fetch_job: the job counts only if its origin is this queue, and
// an ID without a hash is removed from the queue.
func (q *Queue) headEnqueuedAt(ctx context.Context, id string) (queueHead, error) {
	var h queueHead
	vals, err := q.c.rdb.HMGet(ctx, keys.Job(id), "origin", "enqueued_at").Result()
	if err != nil {
		return h, fmt.Errorf("rqlite: statistics of queue %s: %w", q.Name, err)
	}
	origin, hasOrigin := vals[0].(string)
	at, _ := vals[1].(string)
	if !hasOrigin && vals[1] == nil {
		// HMGET does not tell a missing hash from missing fields.
		n, err := q.c.rdb.Exists(ctx, keys.Job(id)).Result()
		if err != nil {
			return h, fmt.Errorf("rqlite: statistics of queue %s: %w", q.Name, err)
		}
		if n == 0 {
			removed, err := q.c.rdb.LRem(ctx, q.Key(), 1, id).Result()
			if err != nil {
				return h, fmt.Errorf("rqlite: statistics of queue %s: %w", q.Name, err)
			}
			h.removed = removed > 0
			return h, nil
		}
	}
	if origin != q.Name {
		return h, nil
	}
	h.at, _ = wire.ParseTime(at) // an unreadable time shows as none
	return h, nil
}
