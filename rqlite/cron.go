package rqlite

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// CronJob is a job that a CronScheduler queues again and again: every
// Interval, or at the times of a Cron expression. Its fields are the
// parameters of RQ 2.x's CronScheduler.register (rq.cron); RQ 2.10's
// webhooks are not supported.
type CronJob struct {
	// Queue is the queue the jobs go to (RQ's queue_name).
	Queue string
	// Task is a registered function value or its name, as for Enqueue.
	Task any
	// Args and Kwargs are the arguments of each call.
	Args   []any
	Kwargs map[string]any

	// Interval queues a job every Interval, the first at once (RQ's
	// interval, in seconds there). Periods are counted from the Unix
	// epoch, so that every scheduler with the same job agrees on them.
	Interval time.Duration
	// Cron queues a job at the times of a standard five-field cron
	// expression ("*/15 * * * *") or of @yearly, @monthly, @weekly,
	// @daily, @hourly, read in UTC, as RQ reads its cron strings.
	Cron string

	// JobTimeout, ResultTTL, TTL, FailureTTL and Meta are given to every
	// job queued, as the EnqueueOptions of the same names (RQ's
	// job_timeout, result_ttl, ttl, failure_ttl, meta).
	JobTimeout time.Duration
	ResultTTL  time.Duration
	TTL        time.Duration
	FailureTTL time.Duration
	Meta       map[string]any
}

// CronOptions configure a CronScheduler. The zero value of each field
// means the default.
type CronOptions struct {
	// Name is the scheduler's name in Redis; RQ's form,
	// HOSTNAME:PID:6 hex digits, by default.
	Name string
	// ConfigFile is recorded in the scheduler's hash (RQ's config_file),
	// for those who list the schedulers.
	ConfigFile string
	// Logger writes the scheduler's log; a Logger on standard output by
	// default.
	Logger *Logger
	// Tasks is where task names are looked up; DefaultTasks by default.
	Tasks *TaskRegistry
	// Serializer and RQ2 are given to the queues the jobs go to (see
	// QueueOptions).
	Serializer Serializer
	RQ2        bool
	// Now is the clock of the jobs' times and of created_at, time.Now by
	// default; tests and demos speed it up. The registry's heartbeats
	// always use the real time.
	Now func() time.Time
	// MaxWait is the longest the scheduler waits between two looks at its
	// jobs, and so between two heartbeats: 60 s by default, as RQ.
	MaxWait time.Duration
}

// A CronScheduler queues its jobs when they are due, as RQ 2.x's
// rq.cron.CronScheduler, and registers itself in Redis in RQ's form, so
// that RQ's CronScheduler.all() lists it. Several schedulers with the same
// jobs may run at once: before queueing a job for a period, each one
// claims the period in Redis, and only the one that gets the claim queues
// it.
type CronScheduler struct {
	rdb       redis.UniversalClient
	opts      CronOptions
	name      string
	hostname  string
	pid       int
	createdAt time.Time
	log       *Logger

	mu      sync.Mutex
	entries []*cronEntry
	queues  map[string]*Queue
}

// NewCronScheduler returns a scheduler with no jobs yet. opts may be nil.
func NewCronScheduler(rdb redis.UniversalClient, opts *CronOptions) (*CronScheduler, error) {
	var o CronOptions
	if opts != nil {
		o = *opts
	}
	if o.Tasks == nil {
		o.Tasks = DefaultTasks
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = &Logger{}
	}
	host, _ := os.Hostname()
	s := &CronScheduler{
		rdb: rdb, opts: o, name: o.Name, hostname: host, pid: os.Getpid(),
		createdAt: o.Now(), log: o.Logger, queues: map[string]*Queue{},
	}
	if s.name == "" {
		s.name = fmt.Sprintf("%s:%d:%s", host, s.pid, strings.ReplaceAll(uuid.NewString(), "-", "")[:6])
	}
	if err := checkCronName(s.name); err != nil {
		return nil, err
	}
	return s, nil
}

// checkCronName refuses a name that cannot be a Redis member and key part
// that RQ reads back: empty, huge, or with control characters.
func checkCronName(name string) error {
	if name == "" || len(name) > 1024 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return badOption("cron scheduler name", name, "it must be 1 to 1024 characters, none of them control characters")
	}
	return nil
}

// Name returns the scheduler's name.
func (s *CronScheduler) Name() string { return s.name }

// Register adds a job, checked as Enqueue would check it, and returns
// what the scheduler knows of it. The first run of an interval job is due
// at once; that of a cron job, at the next time of its expression.
func (s *CronScheduler) Register(j CronJob) (CronJobInfo, error) {
	s.mu.Lock()
	e, err := s.newEntry(j)
	if err != nil {
		s.mu.Unlock()
		return CronJobInfo{}, err
	}
	s.entries = append(s.entries, e)
	info := e.info()
	s.mu.Unlock()
	if j.Interval > 0 {
		s.log.Infof("Registered '%s' to run on %s every %v seconds", e.task.Name, j.Queue, j.Interval.Seconds())
	} else {
		s.log.Infof("Registered '%s' to run on %s with cron schedule '%s'", e.task.Name, j.Queue, j.Cron)
	}
	return info, nil
}

// Jobs returns what the scheduler knows of its jobs, in the order they
// were registered, with the time each is next due.
func (s *CronScheduler) Jobs() []CronJobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CronJobInfo, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.info()
	}
	return out
}

// queue returns the queue called name, made once. s.mu is held.
func (s *CronScheduler) queue(name string) *Queue {
	if q, ok := s.queues[name]; ok {
		return q
	}
	q := NewQueue(name, s.rdb, &QueueOptions{Tasks: s.opts.Tasks, Serializer: s.opts.Serializer, RQ2: s.opts.RQ2, Now: s.opts.Now})
	s.queues[name] = q
	return q
}
