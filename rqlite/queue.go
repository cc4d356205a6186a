package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// DefaultQueue is the name of the queue used when none is given.
const DefaultQueue = "default"

// A Queue is a named list of jobs in Redis (rq:queue:NAME), shared with any
// Python RQ that uses the same Redis. Creating a Queue value touches no
// Redis key: the queue comes into being with its first job.
type Queue struct {
	// Name is the queue's name.
	Name string
	// DefaultTimeout is the JobTimeout of jobs that do not set one.
	DefaultTimeout time.Duration

	c     *conn
	tasks *TaskRegistry
	newID func() string
	sync  bool // run jobs at once (QueueOptions.Synchronous)
	rq2   bool // RQ 2.x's job fields (QueueOptions.RQ2)
	// shared: concurrent Enqueues share writes, keyed by the client,
	// whose dynamic type must then be comparable (see pushShared).
	shared bool
}

// QueueOptions configure a Queue. The zero value of each field means the
// default.
type QueueOptions struct {
	// DefaultTimeout replaces DefaultTimeout (180 s) for this queue's jobs.
	DefaultTimeout time.Duration
	// Serializer encodes the jobs' arguments, meta and results; JSON by
	// default. A Python RQ sharing the queue must use the same one.
	Serializer Serializer
	// Tasks is where task names are looked up; DefaultTasks by
	// default.
	Tasks *TaskRegistry
	// Now is the clock, time.Now by default; tests fix it.
	Now func() time.Time
	// NewID makes job IDs, random UUIDs by default; tests fix it.
	NewID func() string
	// Synchronous makes Enqueue run each job at once, in the caller, and
	// return it finished or failed, as RQ's Queue(is_async=False): for
	// tests and scripts. The job leaves the same state in Redis as if a
	// worker had run it. Deferred and scheduled jobs still wait.
	Synchronous bool
	// RQ2 writes job hashes as RQ 2.x does: always with the fields
	// stopped_callback_name and group_id. See WorkerOptions.RQ2.
	RQ2 bool
}

// NewQueue returns the queue called name ("" means "default") on the Redis
// behind rdb. opts may be nil.
func NewQueue(name string, rdb redis.UniversalClient, opts *QueueOptions) *Queue {
	if name == "" {
		name = DefaultQueue
	}
	if opts == nil {
		opts = &QueueOptions{}
	}
	q := &Queue{
		Name:           name,
		DefaultTimeout: opts.DefaultTimeout,
		c:              newConn(rdb, opts),
		tasks:          opts.Tasks,
		newID:          opts.NewID,
		sync:           opts.Synchronous,
		rq2:            opts.RQ2,
		shared:         isComparable(rdb),
	}
	if q.DefaultTimeout == 0 {
		q.DefaultTimeout = DefaultTimeout
	}
	if q.tasks == nil {
		q.tasks = DefaultTasks
	}
	if q.newID == nil {
		q.newID = newJobID
	}
	return q
}

func newConn(rdb redis.UniversalClient, opts *QueueOptions) *conn {
	c := &conn{rdb: rdb, serializer: JSON, now: time.Now}
	if opts != nil && opts.Serializer != nil {
		c.serializer = opts.Serializer
	}
	if opts != nil && opts.Now != nil {
		c.now = opts.Now
	}
	return c
}

// ValidateQueueName reports whether name can be a queue name: not empty,
// with no spaces, control characters or commas (workers list their queues
// separated by commas).
func ValidateQueueName(name string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return isSpaceOrControl(r) || r == ',' }) {
		return badOption("queue name", name, "use no spaces, commas or control characters")
	}
	return nil
}

// Key is the queue's Redis key, rq:queue:NAME.
func (q *Queue) Key() string { return keys.Queue(q.Name) }

// Count returns the number of jobs waiting in the queue (RQ's len(q)).
func (q *Queue) Count(ctx context.Context) (int64, error) {
	n, err := q.c.rdb.LLen(ctx, q.Key()).Result()
	if err != nil {
		return 0, fmt.Errorf("rqlite: count queue %s: %w", q.Name, err)
	}
	return n, nil
}

// JobIDs returns the IDs of the waiting jobs, from the head of the queue
// (RQ's q.job_ids). offset and length select a part; length < 0 means all.
func (q *Queue) JobIDs(ctx context.Context, offset, length int64) ([]string, error) {
	end := int64(-1)
	if length >= 0 {
		end = offset + length - 1
	}
	ids, err := q.c.rdb.LRange(ctx, q.Key(), offset, end).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: list queue %s: %w", q.Name, err)
	}
	return ids, nil
}

// Jobs returns the waiting jobs, from the head of the queue (RQ's q.jobs).
// Jobs whose hash has expired or been deleted are left out.
func (q *Queue) Jobs(ctx context.Context) ([]*Job, error) {
	ids, err := q.JobIDs(ctx, 0, -1)
	if err != nil {
		return nil, err
	}
	jobs := make([]*Job, 0, len(ids))
	for _, id := range ids {
		j, err := q.FetchJob(ctx, id)
		if errors.Is(err, ErrNoSuchJob) {
			continue
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// FetchJob returns the job with the given ID if it belongs to this queue,
// and an error wrapping ErrNoSuchJob otherwise (RQ's q.fetch_job).
func (q *Queue) FetchJob(ctx context.Context, id string) (*Job, error) {
	j, err := q.c.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Origin != q.Name {
		return nil, fmt.Errorf("%w: %s is in queue %q, not %q", ErrNoSuchJob, id, j.Origin, q.Name)
	}
	return j, nil
}

// Empty removes every waiting job from the queue and deletes those jobs,
// returning how many there were (RQ's q.empty()).
func (q *Queue) Empty(ctx context.Context) (int64, error) {
	reply, err := scripts.RunEmpty(ctx, q.c.rdb, scripts.EmptyArgs{Queue: q.Key()})
	if err != nil {
		return 0, fmt.Errorf("rqlite: empty queue %s: %w", q.Name, err)
	}
	return reply.Removed, nil
}

// DeleteJob deletes the job with the given ID: it leaves the queue and its
// registries, and its hash is removed. A job that does not exist is an
// error wrapping ErrNoSuchJob.
func (q *Queue) DeleteJob(ctx context.Context, id string) error {
	j, err := q.FetchJob(ctx, id)
	if err != nil {
		return err
	}
	return j.Delete(ctx)
}

// AllQueues returns the names of the queues that Redis knows of (the set
// rq:queues, which gets a queue's name with its first job), unsorted, as
// RQ's Queue.all.
func AllQueues(ctx context.Context, rdb redis.UniversalClient) ([]string, error) {
	members, err := rdb.SMembers(ctx, keys.Queues).Result()
	if err != nil {
		return nil, fmt.Errorf("rqlite: list queues: %w", err)
	}
	return queueNames(members), nil
}

// ListQueues is AllQueues for pages and metrics, bounded whatever rq:queues
// holds: it returns the names of at most n of the queues, sorted, and how
// many more the set has (n <= 0: every queue). Which n are listed, out of
// more, is up to Redis. A member longer than 4 KiB is not read: it is
// counted among the more.
func ListQueues(ctx context.Context, rdb redis.UniversalClient, n int) ([]string, int64, error) {
	members, more, err := readSet(ctx, rdb, keys.Queues, n)
	if err != nil {
		return nil, 0, fmt.Errorf("rqlite: list queues: %w", err)
	}
	return queueNames(members), more, nil
}

// queueNames are the names of the queue keys among members of rq:queues:
// a member that is not one is left out, as RQ would fail on it.
func queueNames(members []string) []string {
	names := make([]string, 0, len(members))
	for _, m := range members {
		if name, ok := strings.CutPrefix(m, keys.QueuePrefix); ok {
			names = append(names, name)
		}
	}
	return names
}
