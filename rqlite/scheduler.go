package rqlite

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// DefaultSchedulerInterval is how often a scheduler looks for due jobs.
const DefaultSchedulerInterval = time.Second

// scheduledBatch is how many due jobs of a queue one script call moves, so
// that a large backlog does not block Redis in one long script.
const scheduledBatch = 1000

// SchedulerOptions configure a Scheduler. The zero value of each field
// means the default.
type SchedulerOptions struct {
	// Interval between passes; DefaultSchedulerInterval by default.
	Interval time.Duration
	// Logger writes the scheduler's log; a Logger on standard output by
	// default.
	Logger *Logger
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// RQ2 queues as RQ 2.x's scheduler does: a job that ran before and has
	// enqueue_at_front_on_retry goes to the front of its queue
	// (Job.should_enqueue_at_front). RQ 1.13 knows no such field.
	RQ2 bool
}

// A Scheduler queues scheduled jobs (EnqueueAt, EnqueueIn, retries with an
// interval) when their time comes, as RQ's scheduler. Per queue it holds
// RQ's lock (rq:scheduler-lock:Q), so that only one scheduler, rqlite's or
// Python's, moves the jobs of a queue.
type Scheduler struct {
	queues   []string // nil: every queue Redis knows of
	c        *conn
	log      *Logger
	interval time.Duration
	value    string          // what the scheduler writes in its locks: its PID, as RQ 1.13
	held     map[string]bool // queues whose lock this scheduler holds
	rq2      bool            // SchedulerOptions.RQ2
}

// NewScheduler returns a scheduler for the named queues; with none, for
// every queue Redis knows of (rq:queues), looked up on each pass. opts may
// be nil.
func NewScheduler(rdb redis.UniversalClient, queues []string, opts *SchedulerOptions) (*Scheduler, error) {
	for _, q := range queues {
		if err := ValidateQueueName(q); err != nil {
			return nil, err
		}
	}
	var o SchedulerOptions
	if opts != nil {
		o = *opts
	}
	if o.Interval <= 0 {
		o.Interval = DefaultSchedulerInterval
	}
	if o.Logger == nil {
		o.Logger = &Logger{}
	}
	return &Scheduler{
		queues:   queues,
		c:        newConn(rdb, &QueueOptions{Now: o.Now}),
		log:      o.Logger,
		interval: o.Interval,
		value:    fmt.Sprint(os.Getpid()),
		held:     map[string]bool{},
		rq2:      o.RQ2,
	}, nil
}

// lockTTL is how long a scheduler's lock outlives its last pass: RQ's
// interval + 60 s.
func (s *Scheduler) lockTTL() time.Duration { return s.interval + 60*time.Second }

// Run moves due jobs every interval until ctx is done, then releases its
// locks.
func (s *Scheduler) Run(ctx context.Context) error {
	names := strings.Join(s.queues, ",")
	if names == "" {
		names = "all queues"
	}
	s.log.Infof("Scheduler for %s started with PID %s", names, s.value)
	defer func() {
		s.release(context.WithoutCancel(ctx))
		s.log.Infof("Scheduler with PID %s has stopped", s.value)
	}()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if _, err := s.EnqueueDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Errorf("Scheduler: %v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// EnqueueDue makes one pass: it takes the locks of the queues it can, and
// queues their due jobs. It returns how many jobs it queued.
func (s *Scheduler) EnqueueDue(ctx context.Context) (int, error) {
	queues := s.queues
	if queues == nil {
		all, err := AllQueues(ctx, s.c.rdb)
		if err != nil {
			return 0, err
		}
		sort.Strings(all)
		queues = all
	}
	total := 0
	for _, q := range queues {
		ok, err := s.lock(ctx, q)
		if err != nil {
			return total, err
		}
		if !ok {
			continue
		}
		for {
			now := s.c.now()
			reply, err := scripts.RunEnqueueScheduled(ctx, s.c.rdb, scripts.EnqueueScheduledArgs{
				ScheduledRegistry: keys.Scheduled(q),
				Queue:             keys.Queue(q),
				NowEpoch:          wire.Epoch(now),
				NowTimestamp:      wire.FormatTime(now),
				Limit:             scheduledBatch,
				RQ2Front:          s.rq2,
			})
			if err != nil {
				return total, fmt.Errorf("rqlite: enqueue scheduled jobs of %s: %w", q, err)
			}
			total += reply.Queued
			if reply.Queued < scheduledBatch {
				break
			}
		}
	}
	return total, nil
}

// lock takes or keeps the scheduler lock of queue q.
func (s *Scheduler) lock(ctx context.Context, q string) (bool, error) {
	key := keys.SchedulerLock(q)
	if s.held[q] {
		ok, err := s.c.rdb.Expire(ctx, key, s.lockTTL()).Result()
		if err == nil && ok && s.c.rdb.Get(ctx, key).Val() == s.value {
			return true, nil
		}
		delete(s.held, q) // it expired and may be someone else's now
	}
	ok, err := s.c.rdb.SetNX(ctx, key, s.value, s.lockTTL()).Result()
	if err != nil {
		return false, fmt.Errorf("rqlite: scheduler lock of %s: %w", q, err)
	}
	if ok {
		s.held[q] = true
	}
	return ok, nil
}

// release gives up the locks this scheduler holds.
func (s *Scheduler) release(ctx context.Context) {
	if len(s.held) == 0 {
		return
	}
	names := make([]string, 0, len(s.held))
	for q := range s.held {
		names = append(names, q)
	}
	sort.Strings(names)
	s.log.Infof("Scheduler stopping, releasing locks for %s...", strings.Join(names, ","))
	for _, q := range names {
		// A lock not released expires with its TTL.
		_, _ = scripts.RunReleaseLock(ctx, s.c.rdb, scripts.ReleaseLockArgs{Lock: keys.SchedulerLock(q), Value: s.value})
		delete(s.held, q)
	}
}
