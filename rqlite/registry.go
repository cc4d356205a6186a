package rqlite

import (
	"context"
	"encoding/base64"
	"fmt"
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
	rq2   bool // the started registry is in RQ 2.x's layout (QueueOptions.RQ2)
}

// Registry returns the queue's registry of the given kind. Its started
// registry is read in the layout the queue was made for (QueueOptions.RQ2).
func (q *Queue) Registry(kind RegistryKind) *JobRegistry {
	return &JobRegistry{Kind: kind, Queue: q.Name, c: q.c, rq2: q.rq2}
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
// cleanup; offset and length select a part (length < 0 means all). The
// started registry's members are job IDs as they are in RQ 1.13's layout;
// in RQ 2.x's (QueueOptions.RQ2) the execution is taken off the members
// RQ 2.x writes, ID:EXECUTION (see startedJobID).
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
			ids[i] = startedJobID(id, r.rq2)
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
		_, err = cleanStarted(ctx, r.c, r.Queue, r.rq2)
	}
	if err != nil {
		return fmt.Errorf("rqlite: clean %s registry of %s: %w", r.Kind, r.Queue, err)
	}
	return nil
}

// cleanStarted moves the abandoned jobs of queue q to its failed registry.
// rq2 says the started registry is in RQ 2.x's layout (members
// ID:EXECUTION) rather than RQ 1.13's (members are IDs); see startedJobID.
// In RQ 2.x's layout the abandoned jobs are also failed as RQ 2.2+ fails
// them (see clean_started.lua), and the reply lists those whose on_failure
// callback is to run.
func cleanStarted(ctx context.Context, c *conn, q string, rq2 bool) (scripts.CleanStartedReply, error) {
	now := c.now()
	text := "Moved to FailedJobRegistry at " + now.Local().Format("2006-01-02 15:04:05.000000")
	layout := scripts.LayoutRQ1
	if rq2 {
		// RQ 2.x's exc_string: f'... at {now()}', an aware UTC datetime.
		text = "Moved to FailedJobRegistry, due to AbandonedJobError, at " + now.UTC().Format("2006-01-02 15:04:05.000000-07:00")
		layout = scripts.LayoutRQ2
	}
	exc := wire.Compress([]byte(text))
	return scripts.RunCleanStarted(ctx, c.rdb, scripts.CleanStartedArgs{
		StartedRegistry:   keys.Started(q),
		FailedRegistry:    keys.Failed(q),
		NowEpoch:          wire.Epoch(now),
		ExcInfo:           exc,
		DefaultFailureTTL: int64(DefaultFailureTTL / time.Second),
		NowTimestamp:      wire.FormatTime(now),
		QueueName:         q,
		Layout:            layout,
		ResultExcString:   base64.StdEncoding.EncodeToString(exc),
	})
}

// cleanRegistries is the maintenance RQ's workers do for each queue: clean
// the finished, started and failed registries, forget workers of the queue
// whose key has expired, and recover what dead workers left in its
// intermediate list. rq2 is the worker's layout (WorkerOptions.RQ2).
// It returns the IDs of the abandoned jobs whose on_failure callback is to
// run (RQ 2.x's layout only).
func cleanRegistries(ctx context.Context, c *conn, q string, rq2 bool) (callbacks []string, err error) {
	now := strconv.FormatInt(wire.Epoch(c.now()), 10)
	if err := c.rdb.ZRemRangeByScore(ctx, keys.Finished(q), "0", now).Err(); err != nil {
		return nil, err
	}
	reply, err := cleanStarted(ctx, c, q, rq2)
	if err != nil {
		return nil, err
	}
	if err := c.rdb.ZRemRangeByScore(ctx, keys.Failed(q), "0", now).Err(); err != nil {
		return reply.Callbacks, err
	}
	if err := cleanWorkers(ctx, c.rdb, q); err != nil {
		return reply.Callbacks, err
	}
	_, err = cleanIntermediate(ctx, c, q, rq2)
	return reply.Callbacks, err
}

// stuckExcInfo is the exc_info of a job left in an intermediate list, RQ's.
const stuckExcInfo = "Job was stuck in intermediate queue."

// cleanIntermediate recovers the jobs that workers that died left in queue
// q's intermediate list (see keys.Intermediate), as RQ 1.15+ does, and
// returns the IDs of those that failed.
func cleanIntermediate(ctx context.Context, c *conn, q string, rq2 bool) ([]string, error) {
	now := c.now()
	layout := scripts.LayoutRQ1
	if rq2 {
		layout = scripts.LayoutRQ2
	}
	reply, err := scripts.RunCleanIntermediate(ctx, c.rdb, scripts.CleanIntermediateArgs{
		Intermediate:      keys.Intermediate(q),
		StartedRegistry:   keys.Started(q),
		FailedRegistry:    keys.Failed(q),
		NowEpoch:          wire.Epoch(now),
		ExcInfo:           wire.Compress([]byte(stuckExcInfo)),
		DefaultFailureTTL: int64(DefaultFailureTTL / time.Second),
		NowTimestamp:      wire.FormatTime(now),
		QueueName:         q,
		Layout:            layout,
		FirstSeenPrefix:   keys.IntermediateFirstSeen(q, ""),
	})
	return reply.Failed, err
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

// executionIDLen is the length of the execution IDs of RQ 2.x: uuid4().hex,
// 32 lowercase hex digits (rq/executions.py, Execution.create).
const executionIDLen = 32

// startedJobID is the job ID of a started-registry member. What a member is
// depends on the layout, never on how the member looks:
//
//   - RQ 1.13 (rq2 false) adds the job ID itself (Job.heartbeat), and its
//     job IDs may hold any character, ':' too: the member is the ID.
//   - RQ 2.x (rq2 true) adds Execution.composite_key, f'{job_id}:{id}' with
//     id = uuid4().hex (rq/executions.py); RQ 2.x reads it back with
//     parse_composite_key (rq/utils.py), which also takes a lone job ID.
//     Only that composite form is split, at its last ':', so that a plain
//     member, or one whose tail is not an execution ID (report:2024), is
//     kept whole, as RQ 2.x does with a member without ':'.
//
// clean_started.lua applies the same rule.
func startedJobID(member string, rq2 bool) string {
	if !rq2 {
		return member
	}
	n := len(member) - executionIDLen - 1
	if n <= 0 || member[n] != ':' {
		return member
	}
	for _, c := range []byte(member[n+1:]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return member
		}
	}
	return member[:n]
}
