package rqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// requeueBatch is how many IDs one run of the requeue script takes, so that
// requeueing a large registry does not block Redis in one long script.
const requeueBatch = 500

// emptyExcInfo is what Python's zlib.compress returns for an empty byte
// string, the exc_info that RQ writes into a requeued job. Go's zlib writes
// other bytes for the same empty text; these keep the hash byte for byte as
// RQ leaves it.
const emptyExcInfo = "x\x9c\x03\x00\x00\x00\x00\x01"

// Requeue puts failed jobs back at the back of their queue, as RQ 1.13's
// FailedJobRegistry.requeue: each job leaves the failed registry, its
// start and end times and its exception are cleared, and it is queued
// again with a new enqueued_at. Each job is requeued atomically. The job's
// keys lose the expiry its failure gave them (its ttl, if it has one, is
// set again), so that a requeued job waits for a worker however short its
// failure TTL was.
//
// Only the Failed registry can requeue. IDs that are not in the registry
// are left alone and reported together in an error wrapping ErrNoSuchJob;
// the others are requeued all the same. An entry whose job hash no longer
// exists is removed from the registry and reported the same way. Requeue
// returns the IDs it requeued, in the order given.
func (r *JobRegistry) Requeue(ctx context.Context, ids ...string) ([]string, error) {
	if r.Kind != Failed {
		return nil, fmt.Errorf("rqlite: cannot requeue from the %s job registry of %s: only failed jobs can be requeued", r.Kind, r.Queue)
	}
	requeued := make([]string, 0, len(ids))
	var missing []string
	for start := 0; start < len(ids); start += requeueBatch {
		batch := ids[start:min(start+requeueBatch, len(ids))]
		reply, err := scripts.RunRequeue(ctx, r.c.rdb, scripts.RequeueArgs{
			FailedRegistry: r.Key(),
			AllQueues:      keys.Queues,
			NowTimestamp:   wire.FormatTime(r.c.now()),
			EmptyExcInfo:   emptyExcInfo,
			Queue:          r.Queue,
			DefaultTimeout: int64(DefaultTimeout / time.Second),
			JobIDs:         batch,
		})
		if err != nil {
			return requeued, fmt.Errorf("rqlite: requeue failed jobs of %s: %w", r.Queue, err)
		}
		for i, outcome := range reply.Outcomes {
			if outcome == scripts.Requeued {
				requeued = append(requeued, batch[i])
			} else {
				missing = append(missing, batch[i])
			}
		}
	}
	if len(missing) > 0 {
		return requeued, fmt.Errorf("%w in the failed job registry of %s: %s", ErrNoSuchJob, r.Queue, strings.Join(missing, ", "))
	}
	return requeued, nil
}

// RequeueAll requeues every job of the failed registry, after removing the
// expired entries, as `rq requeue --all` does. It returns the IDs
// requeued.
func (r *JobRegistry) RequeueAll(ctx context.Context) ([]string, error) {
	if r.Kind != Failed {
		return nil, fmt.Errorf("rqlite: cannot requeue from the %s job registry of %s: only failed jobs can be requeued", r.Kind, r.Queue)
	}
	ids, err := r.JobIDs(ctx, 0, -1)
	if err != nil {
		return nil, err
	}
	return r.Requeue(ctx, ids...)
}
