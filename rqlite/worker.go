package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A Worker takes jobs from its queues, in the order the queues were given,
// and runs them one at a time, as an RQ worker. It registers itself in
// Redis, so that rq info (rqlite's or Python's) lists it.
type Worker struct {
	// A worker is made of parts, each in its file: the fetcher takes jobs
	// (worker_fetch.go), a runner runs their functions in process or in a
	// work horse (run.go, horse*.go), execution supervises a run
	// (worker_execute.go), completion runs callbacks and records outcomes
	// in RQ's order (worker_complete.go), presence keeps the worker's hash
	// and the heartbeats (worker_presence.go), and commands take RQ's
	// pub/sub commands (worker_commands.go). Work is the loop over them.

	name   string
	queues []string
	opts   WorkerOptions
	c      *conn
	log    *Logger

	stopOnce sync.Once
	stopping chan struct{} // closed by RequestStop

	sync   bool // runs jobs for a synchronous queue: no worker hash
	fetch  *fetcher
	runner runner // set by Work (a synchronous queue's worker: by newSyncWorker)

	lastMaintenance time.Time
	suspendedLogged bool
	outage          backoff

	unknownFields sync.Map // job fields reported as not understood (job_fields.go)

	hub *commandHub // in a pool: the pool's one subscription to the command channels

	// For the jobs run by loop or runOne: their context without its
	// cancellation (see detached), and the ticker of their heartbeats
	// (see heartbeats).
	detachedCtx context.Context
	hb          *time.Ticker

	mu      sync.Mutex
	current *running // the job being run, if any
	done    int      // jobs run so far
}

// NewWorker returns a worker for the named queues ("default" if none), in
// priority order: a job of the first queue always goes before a job of the
// second. opts may be nil.
func NewWorker(rdb redis.UniversalClient, queues []string, opts *WorkerOptions) (*Worker, error) {
	if len(queues) == 0 {
		queues = []string{DefaultQueue}
	}
	for _, q := range queues {
		if err := ValidateQueueName(q); err != nil {
			return nil, err
		}
	}
	w := &Worker{queues: queues, stopping: make(chan struct{})}
	if opts != nil {
		w.opts = *opts
	}
	o := &w.opts
	if o.Name == "" {
		o.Name = newWorkerName()
	} else if strings.ContainsFunc(o.Name, func(r rune) bool { return isSpaceOrControl(r) || r == ',' }) {
		return nil, badOption("worker name", o.Name, "")
	}
	w.name = o.Name
	if _, err := ParseDequeueStrategy(string(o.DequeueStrategy)); err != nil {
		return nil, err
	}
	o.setDefaults()
	w.c = newConn(rdb, &QueueOptions{Serializer: o.Serializer, Now: o.Now})
	w.log = o.Logger
	if w.log == nil {
		w.log = &Logger{}
	}
	w.outage = backoff{log: w.log}
	w.fetch = newFetcher(w)
	return w, nil
}

// newSyncWorker returns the worker of a synchronous queue, which runs one
// job in its caller (runOne) and keeps no worker hash, as RQ's run_sync.
func newSyncWorker(c *conn, queue string, tasks *TaskRegistry) *Worker {
	w := &Worker{name: "sync", queues: []string{queue}, c: c, sync: true, stopping: make(chan struct{}),
		log: &Logger{Level: LevelError + 1}, opts: WorkerOptions{Tasks: tasks}}
	w.opts.setDefaults()
	w.runner = &inProcess{tasks: w.opts.Tasks, log: w.log}
	w.fetch = newFetcher(w)
	return w
}

// runOne runs job id, queued in the worker's queue: it takes it, runs it
// and records its outcome.
func (w *Worker) runOne(ctx context.Context, id string) error {
	d, err := w.fetch.take(ctx, keys.Queue(w.queues[0]), id)
	if err != nil || d == nil {
		return err
	}
	w.detachedCtx = context.WithoutCancel(ctx)
	defer func() { w.detachedCtx = nil }()
	w.perform(ctx, d, time.Time{})
	return nil
}

// Name is the worker's name.
func (w *Worker) Name() string { return w.name }

// Key is the worker's Redis key, rq:worker:NAME.
func (w *Worker) Key() string { return keys.Worker(w.name) }

// RequestStop asks for a warm shut down: the worker finishes the job it is
// running, if any, and Work returns. It may be called more than once.
func (w *Worker) RequestStop() {
	w.stopOnce.Do(func() { close(w.stopping) })
}

func (w *Worker) stopRequested() bool {
	select {
	case <-w.stopping:
		return true
	default:
		return false
	}
}

// Run is Work with RQ's signal handling: the first SIGINT or SIGTERM asks
// for a warm shut down (the running job finishes), the second for a cold
// one (the running job is stopped and marked failed). RQ's shutdown
// command counts as the first, as in RQ, where it sends the worker SIGINT.
func (w *Worker) Run(ctx context.Context) error {
	ctx, stop := handleSignals(ctx, w.log, w.warmShutdownLine(), w.RequestStop, w.markShutdownRequested, w.stopRequested)
	defer stop()
	return w.Work(ctx)
}

// Work registers the worker and runs jobs until it is asked to stop, or,
// in burst mode, until its queues are empty, or until it has run MaxJobs
// jobs. Cancelling ctx is a cold shut down: the running job's context is
// cancelled and the job is marked failed. Work deregisters the worker
// before it returns.
func (w *Worker) Work(ctx context.Context) (err error) {
	if IsHorse() {
		serveHorseOnce(w.opts.Tasks, w.c.serializer) // this process is a horse of an isolated worker
	}
	if w.runner, err = w.newRunner(); err != nil {
		return err
	}
	defer w.runner.close()
	if err := w.registerBirth(ctx); err != nil {
		return err
	}
	w.logStarted()
	stopSub := w.subscribe(ctx)
	defer func() {
		stopSub()
		if derr := w.registerDeath(context.WithoutCancel(ctx)); err == nil {
			err = derr
		}
		w.log.Infof("Unsubscribing from channel %s", keys.PubSub(w.name))
	}()
	if err := w.c.rdb.HSet(ctx, w.Key(), "state", "started").Err(); err != nil {
		return fmt.Errorf("rqlite: worker %s: %w", w.name, err)
	}
	w.log.Infof("*** Listening on %s...", w.paintQueues(w.queues))
	if w.opts.WithScheduler {
		stop, err := w.startScheduler(ctx)
		if err != nil {
			return err
		}
		defer stop()
	}
	return w.loop(ctx)
}

// newRunner returns the runner of the worker's mode: a work horse, started
// before the first job, or the worker's own process.
func (w *Worker) newRunner() (runner, error) {
	if w.opts.Isolated {
		return newHorseRunner(w.c, w.log)
	}
	return &inProcess{tasks: w.opts.Tasks, log: w.log}, nil
}

// loop runs jobs until the worker is to stop.
func (w *Worker) loop(ctx context.Context) error {
	w.detachedCtx = context.WithoutCancel(ctx)
	defer func() { w.detachedCtx = nil }()
	for {
		d, err := w.nextJob(ctx)
		if err != nil || d == nil {
			return err
		}
		w.perform(ctx, d, w.takeUntil())
		w.mu.Lock()
		w.done++
		done := w.done
		w.mu.Unlock()
		if w.opts.MaxJobs > 0 && done >= w.opts.MaxJobs {
			w.log.Infof("Worker %s: finished executing %d jobs, quitting", w.Key(), done)
			return nil
		}
	}
}

// logsInfo reports whether the worker's log writes LevelInfo records:
// the lines logged for each job are only built then.
func (w *Worker) logsInfo() bool {
	w.log.init()
	return w.log.Level <= LevelInfo
}

// detached returns ctx without its cancellation, for what a job's run
// must do through a cold shut down: ctx is the context of loop or runOne,
// which made it once for all their jobs.
func (w *Worker) detached(ctx context.Context) context.Context {
	if w.detachedCtx == nil {
		return context.WithoutCancel(ctx)
	}
	return w.detachedCtx
}

// nextJob returns the job to run next, or nil when the worker is to stop:
// the job taken with the last outcome, or one from the queues. Between
// jobs it cleans the registries when due, and waits through a suspension
// or a Redis outage.
func (w *Worker) nextJob(ctx context.Context) (*dequeued, error) {
	if d := w.fetch.prefetched(); d != nil {
		return d, nil
	}
	idleSince := time.Now()
	for {
		w.maintainIfDue(ctx)
		if w.stopRequested() {
			w.log.Infof("Worker %s: stopping on request", w.Key())
			return nil, nil
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		d, err := w.fetch.dequeue(ctx)
		if !errors.Is(err, errSuspended) {
			w.suspendedLogged = false // a suspension is over: the next is logged too
		}
		switch {
		case errors.Is(err, errSuspended):
			if w.opts.Burst {
				w.log.Infof("Suspended in burst mode, exiting")
				w.log.Infof("Note: There could still be unfinished jobs on the queue")
				return nil, nil
			}
			w.suspended(ctx)
			idleSince = time.Now()
		case err != nil && ctx.Err() != nil:
			return nil, nil
		case isConnErr(err):
			// Redis went away: wait and try again, as long as it takes.
			w.pause(ctx, w.outage.failed(err))
		case err != nil:
			return nil, fmt.Errorf("rqlite: worker %s: %w", w.name, err)
		case d != nil:
			w.outage.ok()
			return d, nil
		case w.opts.Burst:
			w.log.Infof("Worker %s: done, quitting", w.Key())
			return nil, nil
		case w.idledOut(idleSince):
			return nil, nil
		}
	}
}

// idledOut reports whether the worker, waiting for a job since since, has
// waited its MaxIdleTime, and logs RQ's line if so.
func (w *Worker) idledOut(since time.Time) bool {
	if w.opts.MaxIdleTime <= 0 || time.Since(since) < w.opts.MaxIdleTime {
		return false
	}
	seconds := int64((w.opts.MaxIdleTime + time.Second - 1) / time.Second)
	w.log.Infof("Worker %s: idle for %d seconds, quitting", w.Key(), seconds)
	return true
}

// suspended logs a suspension once, marks the worker suspended as RQ
// does, and waits a little.
func (w *Worker) suspended(ctx context.Context) {
	if !w.suspendedLogged {
		w.log.Infof("Worker suspended, run `rq resume` to resume")
		w.c.rdb.HSet(ctx, w.Key(), "state", "suspended")
		w.suspendedLogged = true
	}
	w.pause(ctx, time.Second)
}

// takeUntil is until when recording a job's outcome may take the next
// job, saving a round trip: not for the worker's last job, nor past a due
// maintenance, nor in RQ 2.x's layout (stop requests are checked when the
// outcome is written). The zero time means never.
func (w *Worker) takeUntil() time.Time {
	w.mu.Lock()
	last := w.opts.MaxJobs > 0 && w.done+1 >= w.opts.MaxJobs
	w.mu.Unlock()
	if last || w.opts.RQ2 {
		return time.Time{}
	}
	return w.lastMaintenance.Add(w.opts.MaintenanceInterval)
}

// perform runs a dequeued job and records its outcome.
func (w *Worker) perform(ctx context.Context, d *dequeued, takeUntil time.Time) {
	job := &Job{ID: d.id, c: w.c}
	decodeErr := job.decode(d.hash)
	w.warnUnknownFields(d.id, d.hash)
	if w.logsInfo() {
		w.logDequeued(d)
	}
	start := time.Now()
	var out outcome
	if decodeErr != nil {
		out = failure(fmt.Errorf("cannot read job %s: %w", d.id, decodeErr), "")
	} else {
		out = w.execute(ctx, d, job)
	}
	out = w.complete(ctx, d, job, out, time.Since(start), takeUntil)
	if w.opts.JobDone != nil {
		w.opts.JobDone(d.id, out.status)
	}
}

// startScheduler runs a scheduler for the worker's queues until the
// returned function is called.
func (w *Worker) startScheduler(ctx context.Context) (stop func(), err error) {
	s, err := NewScheduler(w.c.rdb, w.queues, &SchedulerOptions{Logger: w.log, Now: w.c.now, RQ2: w.opts.RQ2})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// pause waits for d, or less if the worker is asked to stop.
func (w *Worker) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-w.stopping:
	}
}

func (w *Worker) paintQueues(qs []string) painted {
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = string(w.log.paint(color.FgGreen, q))
	}
	return painted(strings.Join(names, ", "))
}

// CleanupGhostWorkers gives a TTL to registered workers whose key has none
// (written by a buggy or old client), so that they eventually disappear, as
// RQ's command line does before starting a worker.
func CleanupGhostWorkers(ctx context.Context, rdb redis.UniversalClient) error {
	members, err := rdb.SMembers(ctx, keys.Workers).Result()
	if err != nil {
		return fmt.Errorf("rqlite: list workers: %w", err)
	}
	for _, m := range members {
		if ttl, err := rdb.TTL(ctx, m).Result(); err == nil && ttl == -1 {
			rdb.Expire(ctx, m, DefaultWorkerTTL)
		}
	}
	return nil
}

// Suspended reports whether workers are suspended (rq suspend).
func Suspended(ctx context.Context, rdb redis.UniversalClient) (bool, error) {
	n, err := rdb.Exists(ctx, keys.Suspended).Result()
	if err != nil {
		return false, fmt.Errorf("rqlite: %w", err)
	}
	return n == 1, nil
}
