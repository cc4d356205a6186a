package rqlite

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// LimitKind says what a concurrency limit applies to.
//
// A concurrency limit bounds how many jobs of one queue, or calling one
// task, rqlite's workers run at once, across every worker of the Redis.
// The limits live in Redis, so that every worker sees them as soon as
// they are set. A job whose limit is full is not started: it stays first
// in its queue, in its place, and the worker takes from its other queues
// meanwhile, or waits a little before it looks again. A job holds its slot
// until it ends, whatever the end (finished, failed, stopped, run again,
// abandoned by a worker that died: the slot of a dead worker's job is free
// once its heartbeat expires, as the job is then taken for abandoned).
// A running job that is canceled or deleted keeps its slot until its
// worker records its end, as it keeps running.
//
// The limits are rqlite's own: Python RQ's workers, on the same queues,
// neither respect nor count them.
type LimitKind string

const (
	LimitQueue LimitKind = "queue" // the jobs of one queue
	LimitTask  LimitKind = "task"  // the jobs that call one task, whatever their queue
)

// MaxConcurrencyLimit is the largest concurrency limit: 15 digits.
const MaxConcurrencyLimit = 999_999_999_999_999

// ConcurrencyLimit is one limit as ConcurrencyLimits reads it.
type ConcurrencyLimit struct {
	Kind  LimitKind
	Name  string // the queue's or the task's
	Max   int64  // the most jobs at once; 0 when Value is not a limit
	InUse int64  // the slots held now, by jobs running
	// Value is the limit as stored in Redis, which workers ignore when it
	// is not a whole number from 1 to MaxConcurrencyLimit (then Max is 0).
	Value string
}

func (k LimitKind) hash() (string, error) {
	switch k {
	case LimitQueue:
		return keys.QueueLimits, nil
	case LimitTask:
		return keys.TaskLimits, nil
	}
	return "", badOption("limit kind", string(k), "use queue or task")
}

func (k LimitKind) slots(name string) string {
	if k == LimitTask {
		return keys.TaskSlots(name)
	}
	return keys.QueueSlots(name)
}

// SetConcurrencyLimit lets at most n jobs of queue or task name (as kind
// says) run at once, from now on. Jobs already running keep running; a
// lower limit holds new jobs back until enough of them have ended.
func SetConcurrencyLimit(ctx context.Context, rdb redis.UniversalClient, kind LimitKind, name string, n int64) error {
	hash, err := kind.hash()
	if err != nil {
		return err
	}
	if name == "" {
		return badOption(string(kind)+" name", name, "give the name the limit applies to")
	}
	if n < 1 || n > MaxConcurrencyLimit {
		return badOption("concurrency limit", n, fmt.Sprintf("use a whole number from 1 to %d", MaxConcurrencyLimit))
	}
	if err := rdb.HSet(ctx, hash, name, n).Err(); err != nil {
		return fmt.Errorf("rqlite: set the concurrency limit of %s %q: %w", kind, name, err)
	}
	return nil
}

// RemoveConcurrencyLimit removes the limit of queue or task name; it
// reports whether there was one. Jobs held back by it may start at once.
func RemoveConcurrencyLimit(ctx context.Context, rdb redis.UniversalClient, kind LimitKind, name string) (bool, error) {
	hash, err := kind.hash()
	if err != nil {
		return false, err
	}
	n, err := rdb.HDel(ctx, hash, name).Result()
	if err != nil {
		return false, fmt.Errorf("rqlite: remove the concurrency limit of %s %q: %w", kind, name, err)
	}
	return n == 1, nil
}

// ConcurrencyLimits lists the limits set, queues first, each kind by name,
// with the slots in use: those of running jobs whose heartbeat has not
// expired.
func ConcurrencyLimits(ctx context.Context, rdb redis.UniversalClient) ([]ConcurrencyLimit, error) {
	var out []ConcurrencyLimit
	for _, kind := range []LimitKind{LimitQueue, LimitTask} {
		limits, err := readLimits(ctx, rdb, kind)
		if err != nil {
			return nil, fmt.Errorf("rqlite: read the concurrency limits: %w", err)
		}
		out = append(out, limits...)
	}
	return out, nil
}

// readLimits reads the limits of one kind.
func readLimits(ctx context.Context, rdb redis.UniversalClient, kind LimitKind) ([]ConcurrencyLimit, error) {
	hash, _ := kind.hash()
	all, err := rdb.HGetAll(ctx, hash).Result()
	if err != nil {
		return nil, err
	}
	out := make([]ConcurrencyLimit, 0, len(all))
	for name, v := range all {
		out = append(out, ConcurrencyLimit{Kind: kind, Name: name, Max: parseLimit(v), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	now := strconv.FormatInt(time.Now().Unix(), 10)
	counts := make([]*redis.IntCmd, len(out))
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range out {
			counts[i] = p.ZCount(ctx, kind.slots(l.Name), "("+now, "+inf")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].InUse = counts[i].Val()
	}
	return out, nil
}

// parseLimit reads a limit as the scripts do (concurrency.lua): a whole
// number from 1 to MaxConcurrencyLimit, without sign or leading zeros; 0 otherwise.
func parseLimit(v string) int64 {
	if len(v) == 0 || len(v) > 15 || v[0] < '1' || v[0] > '9' {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
