package rqlite

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// RegistryKind names one of the job registries that RQ keeps per queue:
// sorted sets of job IDs in each stage of a job's life outside the queue.
type RegistryKind string

// The job registries.
const (
	Started   RegistryKind = "started"   // running (rq:wip:Q)
	Finished  RegistryKind = "finished"  // succeeded (rq:finished:Q)
	Failed    RegistryKind = "failed"    // failed or stopped (rq:failed:Q)
	Deferred  RegistryKind = "deferred"  // waiting for dependencies (rq:deferred:Q)
	Scheduled RegistryKind = "scheduled" // waiting for their time (rq:scheduled:Q)
	Canceled  RegistryKind = "canceled"  // canceled (rq:canceled:Q)
)

// A JobRegistry is one of a queue's job registries, as RQ's
// StartedJobRegistry, FinishedJobRegistry and the others.
type JobRegistry struct {
	Kind  RegistryKind
	Queue string
	c     *conn
}

// Registry returns the queue's registry of the given kind.
func (q *Queue) Registry(kind RegistryKind) *JobRegistry {
	return &JobRegistry{Kind: kind, Queue: q.Name, c: q.c}
}

// Key is the registry's Redis key.
func (r *JobRegistry) Key() string {
	switch r.Kind {
	case Started:
		return keys.Started(r.Queue)
	case Finished:
		return keys.Finished(r.Queue)
	case Failed:
		return keys.Failed(r.Queue)
	case Deferred:
		return keys.Deferred(r.Queue)
	case Scheduled:
		return keys.Scheduled(r.Queue)
	case Canceled:
		return keys.Canceled(r.Queue)
	}
	panic(fmt.Sprintf("rqlite: unknown registry kind %q", r.Kind))
}

// Count returns the number of jobs in the registry. Like RQ's len(registry),
// it first cleans the registry, so that expired entries are not counted
// and abandoned started jobs move to the failed registry.
func (r *JobRegistry) Count(ctx context.Context) (int64, error) {
	if err := r.Cleanup(ctx); err != nil {
		return 0, err
	}
	n, err := r.c.rdb.ZCard(ctx, r.Key()).Result()
	if err != nil {
		return 0, fmt.Errorf("rqlite: count %s registry of %s: %w", r.Kind, r.Queue, err)
	}
	return n, nil
}

// JobIDs returns the IDs in the registry, oldest score first, after a
// cleanup; offset and length select a part (length < 0 means all).
func (r *JobRegistry) JobIDs(ctx context.Context, offset, length int64) ([]string, error) {
	if err := r.Cleanup(ctx); err != nil {
		return nil, err
	}
	end := int64(-1)
	if length >= 0 {
		end = offset + length - 1
	}
	ids, err := r.c.rdb.ZRange(ctx, r.Key(), offset, end).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: list %s registry of %s: %w", r.Kind, r.Queue, err)
	}
	if r.Kind == Started {
		for i, id := range ids {
			ids[i] = startedJobID(id)
		}
	}
	return ids, nil
}

// Cleanup removes expired entries as RQ does: finished and failed entries
// whose time has passed, and started entries whose heartbeat has expired
// (their worker died), which move to the failed registry. The other
// registries need no cleanup.
func (r *JobRegistry) Cleanup(ctx context.Context) error {
	var err error
	switch r.Kind {
	case Finished, Failed:
		err = r.c.rdb.ZRemRangeByScore(ctx, r.Key(), "0", strconv.FormatInt(wire.Epoch(r.c.now()), 10)).Err()
	case Started:
		_, err = cleanStarted(ctx, r.c, r.Queue)
	}
	if err != nil {
		return fmt.Errorf("rqlite: clean %s registry of %s: %w", r.Kind, r.Queue, err)
	}
	return nil
}

// cleanStarted moves the abandoned jobs of queue q to its failed registry.
func cleanStarted(ctx context.Context, c *conn, q string) ([]string, error) {
	now := c.now()
	exc := wire.Compress([]byte("Moved to FailedJobRegistry at " + now.Local().Format("2006-01-02 15:04:05.000000")))
	return scripts.CleanStarted.Run(ctx, c.rdb, []string{keys.Started(q), keys.Failed(q)},
		wire.Epoch(now), exc, int64(DefaultFailureTTL/time.Second), wire.FormatTime(now), q).StringSlice()
}

// cleanRegistries is the maintenance RQ's workers do for each queue: clean
// the finished, started and failed registries, and forget workers of the
// queue whose key has expired.
func cleanRegistries(ctx context.Context, c *conn, q string) error {
	now := strconv.FormatInt(wire.Epoch(c.now()), 10)
	if err := c.rdb.ZRemRangeByScore(ctx, keys.Finished(q), "0", now).Err(); err != nil {
		return err
	}
	if _, err := cleanStarted(ctx, c, q); err != nil {
		return err
	}
	if err := c.rdb.ZRemRangeByScore(ctx, keys.Failed(q), "0", now).Err(); err != nil {
		return err
	}
	return cleanWorkers(ctx, c.rdb, q)
}

// cleanWorkers removes from rq:workers:Q (and rq:workers) the workers whose
// key has expired.
func cleanWorkers(ctx context.Context, rdb redis.UniversalClient, q string) error {
	members, err := rdb.SMembers(ctx, keys.QueueWorkers(q)).Result()
	if err != nil || len(members) == 0 {
		return err
	}
	exists := make([]*redis.IntCmd, len(members))
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			exists[i] = p.Exists(ctx, m)
		}
		return nil
	}); err != nil {
		return err
	}
	var dead []any
	for i, e := range exists {
		if e.Val() == 0 {
			dead = append(dead, members[i])
		}
	}
	if len(dead) == 0 {
		return nil
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, keys.QueueWorkers(q), dead...)
		p.SRem(ctx, keys.Workers, dead...)
		return nil
	})
	return err
}

// executionSuffix matches the ":EXECUTION" that RQ 2.x adds to the job IDs
// in the started registry.
var executionSuffix = regexp.MustCompile(`:[0-9a-f]{32}$`)

// startedJobID is the job ID of a started-registry member, in RQ 1.13's
// layout (the ID) or RQ 2.x's (ID:EXECUTION).
func startedJobID(member string) string {
	if loc := executionSuffix.FindStringIndex(member); loc != nil {
		return member[:loc[0]]
	}
	return member
}
