package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// Status is the state of a job, as stored in its hash.
type Status string

// The statuses RQ 1.13 writes.
const (
	StatusQueued    Status = "queued"
	StatusStarted   Status = "started"
	StatusFinished  Status = "finished"
	StatusFailed    Status = "failed"
	StatusDeferred  Status = "deferred"
	StatusScheduled Status = "scheduled"
	StatusStopped   Status = "stopped"
	StatusCanceled  Status = "canceled"
)

// A Job is a function call stored in Redis: the hash rq:job:ID, in the
// layout of Python RQ 1.13. Its fields are a snapshot read by FetchJob or
// Refresh; they do not change by themselves.
type Job struct {
	ID          string
	FuncName    string         // the registered name of the task
	Args        []any          // positional arguments, decoded generically
	Kwargs      map[string]any // keyword arguments, decoded generically
	Description string         // by default the call, as in tareas.tarea_pesada_y_falible(3)
	Origin      string         // the queue the job was enqueued into
	Status      Status

	CreatedAt     time.Time
	EnqueuedAt    time.Time // zero while deferred or scheduled
	StartedAt     time.Time
	EndedAt       time.Time
	LastHeartbeat time.Time
	WorkerName    string

	// Timeout is the longest the job may run (Forever for no limit).
	Timeout time.Duration
	// ResultTTL, FailureTTL and TTL are zero when the job does not set
	// them and the defaults apply; see EnqueueOptions.
	ResultTTL  time.Duration
	FailureTTL time.Duration
	TTL        time.Duration

	Meta map[string]any
	// MetaErr is why the job's stored meta could not be decoded (a Python
	// datetime in it is an *UnsupportedValueError), nil if it could. Meta
	// is then nil; the job runs all the same, and SaveMeta refuses to
	// overwrite the meta it could not read.
	MetaErr         error
	DependencyIDs   []string
	OnSuccess       string // name of the task called when the job succeeds
	OnFailure       string // name of the task called when the job fails
	OnStopped       string // name of the task called when the job is stopped
	EnqueueAtFront  bool   // enqueue at the front once its dependencies finish or its time comes
	AllowDepFailure bool   // run even if a dependency fails

	// RetriesLeft is how many more times the job runs if it fails, and
	// RetryIntervals the waits before those runs (see Retry).
	RetriesLeft    int
	RetryIntervals []time.Duration

	// GroupID is the name of the RQ 2.x group the job was enqueued in (its
	// group_id field; see Group), "" for none.
	GroupID string

	c *conn
}

// conn is what a Queue and the jobs it returns share: the Redis client and
// the encodings.
type conn struct {
	rdb        redis.UniversalClient
	serializer Serializer
	now        func() time.Time
	// metaSink, in a work horse, takes the meta a task saves, for the
	// worker to write (a horse does not talk to Redis).
	metaSink func(map[string]any)
}

// client returns the Redis client of job j, or an error wrapping
// ErrNoConnection when it has none: a Job that was not read from Redis or
// enqueued, or the job of a task that runs in a work horse, which does not
// talk to Redis.
func (j *Job) client() (redis.UniversalClient, error) {
	switch {
	case j.c != nil && j.c.rdb != nil:
		return j.c.rdb, nil
	case j.c != nil && j.c.metaSink != nil:
		return nil, fmt.Errorf("%w: job %s runs in a work horse, which does not talk to Redis (SaveMeta is the one call it passes on to its worker)", ErrNoConnection, j.ID)
	}
	return nil, fmt.Errorf("%w: job %s was not read from Redis nor enqueued", ErrNoConnection, j.ID)
}

// FetchJob reads job id from Redis, whatever its queue. It returns an error
// wrapping ErrNoSuchJob when the job does not exist.
func FetchJob(ctx context.Context, rdb redis.UniversalClient, id string, opts *QueueOptions) (*Job, error) {
	return newConn(rdb, opts).fetch(ctx, id)
}

func (c *conn) fetch(ctx context.Context, id string) (*Job, error) {
	h, err := readJobHash(ctx, c.rdb, id)
	if err != nil {
		return nil, err
	}
	j := &Job{ID: id, c: c}
	if err := j.decode(h); err != nil {
		return nil, fmt.Errorf("rqlite: job %s: %w", id, err)
	}
	return j, nil
}

// Refresh reads the job from Redis again.
func (j *Job) Refresh(ctx context.Context) error {
	if _, err := j.client(); err != nil {
		return err
	}
	fresh, err := j.c.fetch(ctx, j.ID)
	if err != nil {
		return err
	}
	*j = *fresh
	return nil
}

// GetStatus reads the job's current status from Redis. It returns an error
// wrapping ErrNoSuchJob when the job no longer exists.
func (j *Job) GetStatus(ctx context.Context) (Status, error) {
	rdb, err := j.client()
	if err != nil {
		return "", err
	}
	s, err := rdb.HGet(ctx, keys.Job(j.ID), "status").Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("%w: %s", ErrNoSuchJob, j.ID)
	}
	if err != nil {
		return "", fmt.Errorf("rqlite: status of job %s: %w", j.ID, err)
	}
	j.Status = Status(s)
	return j.Status, nil
}

// Delete removes the job as RQ's job.delete does: from its queue, from
// every registry of its queue, and its hash and dependency sets; in RQ
// 2.x's layout, its executions and their started entries too. Its results
// stream is left to expire.
func (j *Job) Delete(ctx context.Context) error {
	rdb, err := j.client()
	if err != nil {
		return err
	}
	execs, err := rdb.ZRange(ctx, keys.Executions(j.ID), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("rqlite: delete job %s: %w", j.ID, err)
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		deleteJob(ctx, p, j.ID, j.Origin)
		for _, e := range execs {
			member := j.ID + ":" + e
			if j.Origin != "" {
				p.ZRem(ctx, keys.Started(j.Origin), member)
			}
			p.Del(ctx, keys.Execution(member))
		}
		p.Del(ctx, keys.Executions(j.ID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: delete job %s: %w", j.ID, err)
	}
	return nil
}

func deleteJob(ctx context.Context, p redis.Pipeliner, id, origin string) {
	if origin != "" {
		p.LRem(ctx, keys.Queue(origin), 0, id)
		for _, r := range keys.Registries(origin) {
			p.ZRem(ctx, r, id)
		}
	}
	p.Del(ctx, keys.Job(id), keys.Dependents(id), keys.Dependencies(id))
}

// readJobHash reads the hash of job id; its error wraps ErrNoSuchJob when
// there is none.
func readJobHash(ctx context.Context, rdb redis.UniversalClient, id string) (map[string]string, error) {
	h, err := rdb.HGetAll(ctx, keys.Job(id)).Result()
	if isWrongType(err) {
		// Another program wrote something else under the job's key: there
		// is no job, as RQ's worker, which drops such an ID, sees it.
		return nil, &NotAHashError{ID: id, Key: keys.Job(id)}
	}
	if err != nil {
		return nil, fmt.Errorf("rqlite: fetch job %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchJob, id)
	}
	return h, nil
}

// isWrongType reports whether err is Redis's WRONGTYPE error: a command
// for one type of value on a key that holds another.
func isWrongType(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "WRONGTYPE ")
}
