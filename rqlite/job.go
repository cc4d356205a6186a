package rqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
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
	h, err := c.rdb.HGetAll(ctx, keys.Job(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: fetch job %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchJob, id)
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
// every registry of its queue, and its hash and dependency sets. Its
// results stream is left to expire.
func (j *Job) Delete(ctx context.Context) error {
	rdb, err := j.client()
	if err != nil {
		return err
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		deleteJob(ctx, p, j.ID, j.Origin)
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

// encodeCall is the job's data field: the compressed, serialized tuple
// (func_name, instance, args, kwargs) that RQ stores.
func encodeCall(s Serializer, name string, args []any, kwargs map[string]any) ([]byte, error) {
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	b, err := s.Marshal(tuple{name, nil, tuple(args), kwargs})
	if err != nil {
		return nil, err
	}
	return wire.Compress(b), nil
}

// decodeCall undoes encodeCall.
func decodeCall(s Serializer, data []byte) (name string, args []any, kwargs map[string]any, err error) {
	raw, err := wire.Decompress(data)
	if err != nil {
		return "", nil, nil, err
	}
	v, err := s.Unmarshal(raw)
	if err != nil {
		return "", nil, nil, fmt.Errorf("cannot decode data with the %s serializer: %w", s.Name(), err)
	}
	tuple, ok := v.([]any)
	if !ok || len(tuple) != 4 {
		return "", nil, nil, fmt.Errorf("data is not a (func_name, instance, args, kwargs) tuple")
	}
	name, ok = tuple[0].(string)
	if !ok {
		return "", nil, nil, fmt.Errorf("data has a function name of type %T", tuple[0])
	}
	if tuple[1] != nil {
		return "", nil, nil, fmt.Errorf("job calls a method on a Python object, which a Go worker cannot run")
	}
	if args, ok = tuple[2].([]any); !ok && tuple[2] != nil {
		return "", nil, nil, fmt.Errorf("data has args of type %T", tuple[2])
	}
	if kwargs, ok = tuple[3].(map[string]any); !ok && tuple[3] != nil {
		return "", nil, nil, fmt.Errorf("data has kwargs of type %T", tuple[3])
	}
	return name, args, kwargs, nil
}

// decode fills the job from its hash.
func (j *Job) decode(h map[string]string) error {
	data, ok := h["data"]
	if !ok {
		return errors.New("unexpected job format: no data field")
	}
	var err error
	if j.FuncName, j.Args, j.Kwargs, err = decodeCall(j.c.serializer, []byte(data)); err != nil {
		return err
	}
	j.Description = h["description"]
	j.Origin = h["origin"]
	j.Status = Status(h["status"])
	j.WorkerName = h["worker_name"]
	j.OnSuccess = h["success_callback_name"]
	j.OnFailure = h["failure_callback_name"]
	for _, f := range [...]struct {
		name string
		dst  *time.Time
	}{
		{"created_at", &j.CreatedAt}, {"enqueued_at", &j.EnqueuedAt}, {"started_at", &j.StartedAt},
		{"ended_at", &j.EndedAt}, {"last_heartbeat", &j.LastHeartbeat},
	} {
		if *f.dst, err = wire.ParseTime(h[f.name]); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
	}
	for _, f := range [...]struct {
		name string
		dst  *time.Duration
	}{
		{"timeout", &j.Timeout}, {"result_ttl", &j.ResultTTL}, {"failure_ttl", &j.FailureTTL}, {"ttl", &j.TTL},
	} {
		if *f.dst, err = storedDuration(f.name, h[f.name]); err != nil {
			return err
		}
	}
	if m, ok := h["meta"]; ok && m != "" {
		// A meta that cannot be read fails only itself, not the job.
		v, err := j.c.serializer.Unmarshal([]byte(m))
		if err != nil {
			j.MetaErr = fmt.Errorf("field meta: %w", err)
		} else if j.Meta, ok = v.(map[string]any); !ok {
			j.MetaErr = fmt.Errorf("field meta holds %T, not a dictionary", v)
		}
	}
	if ids, ok := h["dependency_ids"]; ok && ids != "" {
		if err := json.Unmarshal([]byte(ids), &j.DependencyIDs); err != nil {
			return fmt.Errorf("field dependency_ids: %w", err)
		}
	} else if id := h["dependency_id"]; id != "" {
		j.DependencyIDs = []string{id}
	}
	j.OnStopped = h["stopped_callback_name"]
	if s := h["retries_left"]; s != "" {
		if j.RetriesLeft, err = strconv.Atoi(s); err != nil {
			return fmt.Errorf("field retries_left: %q is not a number", s)
		}
	}
	if s := h["retry_intervals"]; s != "" {
		var secs []int64
		if err := json.Unmarshal([]byte(s), &secs); err != nil {
			return fmt.Errorf("field retry_intervals: %q is not a list of seconds", s)
		}
		for _, n := range secs {
			j.RetryIntervals = append(j.RetryIntervals, time.Duration(n)*time.Second)
		}
	}
	j.EnqueueAtFront = h["enqueue_at_front"] == "1"
	j.AllowDepFailure = h["allow_dependency_failures"] == "1"
	return nil
}

// storedDuration reads an integer number of seconds as RQ stores timeouts
// and TTLs: -1 is Forever, and a stored result_ttl of 0 is Discard.
func storedDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("field %s: %q is not a whole number of seconds", field, s)
	}
	// More than a time.Duration holds (292 years) is as good as for ever.
	n = max(min(n, maxSeconds), -maxSeconds)
	switch {
	case n == -1:
		return Forever, nil
	case n == 0 && field == "result_ttl":
		return Discard, nil
	}
	return time.Duration(n) * time.Second, nil
}
