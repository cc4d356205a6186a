package rqlite

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Version is rqlite's version, written in each worker's hash and log.
const Version = "0.1.0"

// Worker defaults, as in RQ.
const (
	// DefaultWorkerTTL bounds how long a worker's key outlives its last
	// heartbeat while it waits for work (plus 60 s).
	DefaultWorkerTTL = 420 * time.Second
	// DefaultJobMonitoringInterval is how often a worker refreshes the
	// heartbeat of the job it runs.
	DefaultJobMonitoringInterval = 30 * time.Second
	// DefaultMaintenanceInterval is how often a worker cleans the
	// registries of its queues.
	DefaultMaintenanceInterval = 600 * time.Second
)

// WorkerOptions configure a Worker. The zero value of each field means the
// default.
type WorkerOptions struct {
	// Name identifies the worker in Redis (rq:worker:NAME); a random hex
	// UUID by default.
	Name string
	// Burst makes Work return once the queues are empty, instead of
	// waiting for more jobs.
	Burst bool
	// MaxJobs makes Work return after that many jobs; 0 means no limit.
	MaxJobs int
	// ResultTTL is the result TTL of jobs that do not set one (RQ's
	// --results-ttl): DefaultResultTTL by default.
	ResultTTL time.Duration
	// WorkerTTL is RQ's --worker-ttl; DefaultWorkerTTL by default.
	WorkerTTL time.Duration
	// JobMonitoringInterval is how often a running job's heartbeat is
	// refreshed; DefaultJobMonitoringInterval by default.
	JobMonitoringInterval time.Duration
	// MaintenanceInterval is how often the registries are cleaned;
	// DefaultMaintenanceInterval by default.
	MaintenanceInterval time.Duration
	// Serializer decodes the jobs and encodes their results; JSON by
	// default. It must be the one the producers use.
	Serializer Serializer
	// Tasks is where the jobs' functions are looked up; DefaultTasks by
	// default.
	Tasks *TaskRegistry
	// Logger writes the worker's log; a Logger on standard output and
	// error by default.
	Logger *Logger
	// Now is the clock of what the worker writes to Redis; time.Now by
	// default.
	Now func() time.Time
	// Isolated runs each job in a child process (a work horse), as RQ's
	// forking Worker, so that a job that ignores its timeout, loops for
	// ever or crashes is killed without taking the worker down. See
	// ServeHorseIfChild.
	Isolated bool
	// RQ2 writes RQ 2.x's layout instead of RQ 1.13's, for a Redis shared
	// with RQ 2.x: started-registry members ID:EXECUTION, the execution
	// keys (rq:execution:ID:EXECUTION, rq:executions:ID) and the extra
	// fields of result entries.
	RQ2 bool
	// WithScheduler runs a Scheduler for the worker's queues while the
	// worker works (rq worker --with-scheduler).
	WithScheduler bool
	// JobDone, if set, is called after each job the worker runs, with the
	// job's ID and final status; a progress bar, for instance.
	JobDone func(id string, status Status)
}

// A Worker takes jobs from its queues, in the order the queues were given,
// and runs them one at a time, as an RQ worker. It registers itself in
// Redis, so that rq info (rqlite's or Python's) lists it.
type Worker struct {
	name   string
	queues []string
	opts   WorkerOptions
	c      *conn
	log    *Logger

	stopOnce sync.Once
	stopping chan struct{} // closed by RequestStop

	sync  bool   // runs jobs for a synchronous queue: no worker hash
	horse *horse // the work horse of an isolated worker, started ahead of need

	// Between jobs: waiting is set after a BLPOP that found nothing, and
	// idleBeat is when the worker last told Redis it is idle (zero since it
	// last did something else).
	waiting  bool
	idleBeat time.Time

	qkeys []string // the queues' keys, made once (queueKeys)

	mu      sync.Mutex
	current *running // the job being run, if any
	done    int      // jobs run so far
}

// running is the state of the job a worker is running.
type running struct {
	id     string
	cancel context.CancelCauseFunc
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
	if o.ResultTTL == 0 {
		o.ResultTTL = DefaultResultTTL
	}
	if o.WorkerTTL == 0 {
		o.WorkerTTL = DefaultWorkerTTL
	}
	if o.JobMonitoringInterval == 0 {
		o.JobMonitoringInterval = DefaultJobMonitoringInterval
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = DefaultMaintenanceInterval
	}
	if o.Tasks == nil {
		o.Tasks = DefaultTasks
	}
	w.c = newConn(rdb, &QueueOptions{Serializer: o.Serializer, Now: o.Now})
	w.log = o.Logger
	if w.log == nil {
		w.log = &Logger{}
	}
	return w, nil
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
	ctx, stop := handleSignals(ctx, w.log, w.RequestStop, w.markShutdownRequested, w.stopRequested)
	defer stop()
	return w.Work(ctx)
}

func (w *Worker) markShutdownRequested(ctx context.Context) {
	w.c.rdb.HSet(ctx, w.Key(), "shutdown_requested_date", wire.FormatTime(w.c.now()))
}

// Work registers the worker and runs jobs until it is asked to stop, or,
// in burst mode, until its queues are empty, or until it has run MaxJobs
// jobs. Cancelling ctx is a cold shut down: the running job's context is
// cancelled and the job is marked failed. Work deregisters the worker
// before it returns.
func (w *Worker) Work(ctx context.Context) (err error) {
	if IsHorse() {
		serveHorseOnce(w.opts.Tasks) // this process is a horse of an isolated worker
	}
	if err := w.registerBirth(ctx); err != nil {
		return err
	}
	if w.opts.Isolated {
		if _, err := w.takeHorse(); err != nil { // started before the first job
			return err
		}
		defer func() {
			if w.horse != nil {
				w.horse.close()
			}
		}()
	}
	w.log.Infof("Worker %s: started, version %s", w.Key(), Version)
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

	var lastMaintenance time.Time
	suspendedLogged := false
	outage := backoff{log: w.log}
	var next *dequeued // taken in the same call that recorded the previous job's outcome
	for {
		job := next
		if job == nil {
			if now := w.c.now(); lastMaintenance.IsZero() || now.Sub(lastMaintenance) >= w.opts.MaintenanceInterval {
				w.maintain(ctx)
				lastMaintenance = now
			}
			if w.stopRequested() {
				w.log.Infof("Worker %s: stopping on request", w.Key())
				return nil
			}
			if ctx.Err() != nil {
				return nil
			}
			var err error
			job, err = w.dequeue(ctx)
			switch {
			case errors.Is(err, errSuspended):
				if w.opts.Burst {
					w.log.Infof("Suspended in burst mode, exiting")
					w.log.Infof("Note: There could still be unfinished jobs on the queue")
					return nil
				}
				if !suspendedLogged {
					w.log.Infof("Worker suspended, run `rq resume` to resume")
					w.c.rdb.HSet(ctx, w.Key(), "state", "suspended")
					suspendedLogged = true
				}
				w.pause(ctx, time.Second)
				continue
			case err != nil && ctx.Err() != nil:
				return nil
			case isConnErr(err):
				// Redis went away: wait and try again, as long as it takes.
				w.pause(ctx, outage.failed(err))
				continue
			case err != nil:
				return fmt.Errorf("rqlite: worker %s: %w", w.name, err)
			case job == nil:
				if w.opts.Burst {
					w.log.Infof("Worker %s: done, quitting", w.Key())
					return nil
				}
				continue
			}
			outage.ok()
			suspendedLogged = false
		}
		// The next job may be taken with this one's outcome, saving a round
		// trip, unless the worker has a reason to stop or to do something
		// else first: its last job, a due maintenance (the stop requests are
		// checked when the outcome is written).
		w.mu.Lock()
		last := w.opts.MaxJobs > 0 && w.done+1 >= w.opts.MaxJobs
		w.mu.Unlock()
		var takeUntil time.Time
		if !last && !w.opts.RQ2 {
			takeUntil = lastMaintenance.Add(w.opts.MaintenanceInterval)
		}
		next = w.perform(ctx, job, takeUntil)
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

// startScheduler runs a scheduler for the worker's queues until the
// returned function is called.
func (w *Worker) startScheduler(ctx context.Context) (stop func(), err error) {
	s, err := NewScheduler(w.c.rdb, w.queues, &SchedulerOptions{Logger: w.log, Now: w.c.now})
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

func (w *Worker) paintQueues(qs []string) string {
	painted := make([]string, len(qs))
	for i, q := range qs {
		painted[i] = w.log.paint(color.FgGreen, q)
	}
	return strings.Join(painted, ", ")
}

// registerBirth writes the worker hash and adds the worker to the worker
// sets, as RQ's register_birth.
func (w *Worker) registerBirth(ctx context.Context) error {
	key := w.Key()
	vals, err := w.c.rdb.HMGet(ctx, key, "birth", "death").Result()
	if err != nil {
		return fmt.Errorf("rqlite: register worker %s: %w", w.name, err)
	}
	if vals[0] != nil && vals[1] == nil {
		return fmt.Errorf("rqlite: there exists an active worker named %q already", w.name)
	}
	host, _ := os.Hostname()
	now := wire.FormatTime(w.c.now())
	_, err = w.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "birth", now, "last_heartbeat", now, "queues", strings.Join(w.queues, ","),
			"pid", os.Getpid(), "hostname", host, "ip_address", w.clientAddress(ctx),
			"version", Version, "python_version", runtime.Version())
		p.SAdd(ctx, keys.Workers, key)
		for _, q := range w.queues {
			p.SAdd(ctx, keys.QueueWorkers(q), key)
		}
		p.Expire(ctx, key, w.opts.WorkerTTL+60*time.Second)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: register worker %s: %w", w.name, err)
	}
	return nil
}

// clientAddress is the address of the worker's Redis connection, as RQ
// records it, or "unknown" when the server cannot tell.
func (w *Worker) clientAddress(ctx context.Context) string {
	info, err := w.c.rdb.Do(ctx, "CLIENT", "INFO").Text()
	if err != nil {
		return "unknown"
	}
	for _, f := range strings.Fields(info) {
		if addr, ok := strings.CutPrefix(f, "addr="); ok {
			return addr
		}
	}
	return "unknown"
}

// registerDeath removes the worker from the worker sets and leaves its hash
// to expire, as RQ's register_death.
func (w *Worker) registerDeath(ctx context.Context) error {
	key := w.Key()
	_, err := w.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, keys.Workers, key)
		for _, q := range w.queues {
			p.SRem(ctx, keys.QueueWorkers(q), key)
		}
		p.HSet(ctx, key, "death", wire.FormatTime(w.c.now()))
		p.Expire(ctx, key, 60*time.Second)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: deregister worker %s: %w", w.name, err)
	}
	return nil
}

// subscribe listens on the worker's command channel (rq:pubsub:NAME) for
// RQ's commands, and returns the function that stops listening.
func (w *Worker) subscribe(ctx context.Context) func() {
	channel := keys.PubSub(w.name)
	sub := w.c.rdb.Subscribe(ctx, channel)
	w.log.Infof("Subscribing to channel %s", channel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range sub.Channel() {
			w.command(ctx, msg.Payload)
		}
	}()
	return func() {
		sub.Close()
		<-done
	}
}

// command runs one command received on the worker's channel.
func (w *Worker) command(ctx context.Context, payload string) {
	var cmd struct {
		Command string `json:"command"`
		JobID   string `json:"job_id"`
	}
	if err := json.Unmarshal([]byte(payload), &cmd); err != nil {
		w.log.Warnf("Ignoring a command that is not JSON: %q", payload)
		return
	}
	w.mu.Lock()
	cur := w.current
	w.mu.Unlock()
	switch cmd.Command {
	case "shutdown":
		w.log.Infof("Received shutdown command, sending SIGINT signal.")
		w.log.Infof("Warm shut down requested")
		w.markShutdownRequested(ctx)
		w.RequestStop()
	case "kill-horse":
		w.log.Infof("Received kill horse command.")
		if cur == nil {
			w.log.Infof("Worker is not working, kill horse command ignored")
			return
		}
		w.log.Infof("Killing the running job %s", cur.id)
		cur.cancel(errKilled)
	case "stop-job":
		w.log.Debugf("Received command to stop job %s", cmd.JobID)
		if cur == nil || cur.id != cmd.JobID {
			w.log.Infof("Not working on job %s, command ignored.", cmd.JobID)
			return
		}
		cur.cancel(errStoppedByUser)
	default:
		w.log.Warnf("Ignoring unknown command %q", cmd.Command)
	}
}

var (
	errSuspended     = errors.New("workers are suspended")
	errJobTimeout    = errors.New("job timeout")
	errKilled        = errors.New("killed by command")
	errStoppedByUser = errors.New("stopped by user")
	errColdShutdown  = errors.New("cold shut down")
)

// dequeued is a job taken from a queue and marked started.
type dequeued struct {
	queue string
	id    string
	hash  map[string]string

	// In RQ 2.x's layout: the execution's ID and start, epoch seconds.
	execID    string
	execStart string
}

// member is the job's member in the started registry.
func (d *dequeued) member() string {
	if d.execID != "" {
		return d.id + ":" + d.execID
	}
	return d.id
}

// epochFloat is a time as RQ 2.x's executions write it: epoch seconds with
// microseconds.
func epochFloat(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMicro())/1e6, 'f', 6, 64)
}

// dequeue takes the next job: at once if one is waiting, otherwise (unless
// in burst mode) after blocking on the queues for a while. It returns nil
// when there is no job.
func (w *Worker) dequeue(ctx context.Context) (*dequeued, error) {
	if !w.waiting {
		job, err := w.takeJob(ctx, "", "")
		if job != nil || err != nil || w.opts.Burst {
			w.idleBeat = time.Time{}
			return job, err
		}
	}
	// Nothing waiting: block on every queue at once, in priority order, as
	// RQ's BLPOP. The short timeout lets a stop request be noticed; a turn
	// that found nothing is followed by another at once, without the
	// dequeue script, as the queues were empty a moment ago.
	suspended, err := w.idleTurn(ctx)
	if err != nil || suspended {
		w.waiting, w.idleBeat = false, time.Time{}
		if suspended {
			return nil, errSuspended
		}
		return nil, err
	}
	res, err := w.c.rdb.BLPop(ctx, time.Second, w.queueKeys()...).Result()
	if errors.Is(err, redis.Nil) {
		w.waiting = true
		return nil, nil
	}
	w.waiting, w.idleBeat = false, time.Time{}
	if err != nil {
		return nil, err
	}
	return w.takeJob(ctx, res[0], res[1])
}

// queueKeys are the keys of the worker's queues, highest priority first.
func (w *Worker) queueKeys() []string {
	if w.qkeys == nil {
		for _, q := range w.queues {
			w.qkeys = append(w.qkeys, keys.Queue(q))
		}
	}
	return w.qkeys
}

// takeJob runs the dequeue script; queueKey and id name a job already
// popped by BLPOP, to be started first.
func (w *Worker) takeJob(ctx context.Context, queueKey, id string) (*dequeued, error) {
	now := w.c.now()
	ks := []string{w.Key(), keys.Suspended}
	if queueKey != "" {
		ks = append(ks, queueKey)
	} else {
		ks = append(ks, w.queueKeys()...)
	}
	execID := ""
	if w.opts.RQ2 {
		execID = strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	argv := []any{w.name, wire.FormatTime(now), wire.Epoch(now),
		int64(w.opts.JobMonitoringInterval / time.Second), int64(DefaultTimeout / time.Second), id, flag(w.sync),
		execID, epochFloat(now)}
	var res any
	run := func() (err error) {
		res, err = scripts.Dequeue.Run(ctx, w.c.rdb, ks, argv...).Result()
		return err
	}
	var err error
	if id != "" {
		// The job has left its queue: it must be marked started, whatever
		// it takes, or it would be lost.
		err = w.persist(context.WithoutCancel(ctx), run)
	} else {
		err = run()
	}
	if errors.Is(err, redis.Nil) {
		if queueKey != "" {
			return w.takeJob(ctx, "", "") // the popped job was gone: try the others
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s, ok := res.(string); ok && s == "suspended" {
		return nil, errSuspended
	}
	items, _ := res.([]any)
	return taken(items, execID, epochFloat(now))
}

// taken reads the reply of the scripts that take a job: its queue, its ID
// and its hash, as field, value...
func taken(items []any, execID, execStart string) (*dequeued, error) {
	if len(items) < 2 || len(items)%2 != 0 {
		return nil, fmt.Errorf("unexpected reply from the script that takes a job: %v", items)
	}
	queue, _ := items[0].(string)
	id, _ := items[1].(string)
	job := &dequeued{queue: queue, id: id, hash: make(map[string]string, len(items)/2-1), execID: execID, execStart: execStart}
	for i := 2; i+1 < len(items); i += 2 {
		f, _ := items[i].(string)
		v, _ := items[i+1].(string)
		job.hash[f] = v
	}
	return job, nil
}

// idleBeatEvery is how often a worker waiting for jobs tells Redis it is
// alive (at most: never less often than its WorkerTTL).
const idleBeatEvery = 10 * time.Second

// idleTurn is the round trip before each BLPOP of a worker waiting for
// jobs: it checks that workers are not suspended and, when it is time (on
// the first turn, then every idleBeatEvery), tells Redis the worker is
// alive and idle.
func (w *Worker) idleTurn(ctx context.Context) (suspended bool, err error) {
	now := w.c.now()
	beat := w.idleBeat.IsZero() || now.Sub(w.idleBeat) >= min(idleBeatEvery, w.opts.WorkerTTL)
	var exists *redis.IntCmd
	_, err = w.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, keys.Suspended)
		if beat {
			p.HSet(ctx, w.Key(), "state", "idle", "last_heartbeat", wire.FormatTime(now))
			p.Expire(ctx, w.Key(), w.opts.WorkerTTL+60*time.Second)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if beat {
		w.idleBeat = now
	}
	return exists.Val() == 1, nil
}

// maintain cleans the registries of the worker's queues, unless another
// worker did it recently, as RQ's clean_registries.
func (w *Worker) maintain(ctx context.Context) {
	for _, q := range w.queues {
		ok, err := w.c.rdb.SetNX(ctx, keys.CleaningLock(q), 1, 899*time.Second).Result()
		if err != nil || !ok {
			continue
		}
		w.log.Infof("Cleaning registries for queue: %s", q)
		if err := cleanRegistries(ctx, w.c, q, w.opts.RQ2); err != nil {
			w.log.Errorf("Cleaning registries for queue %s: %v", q, err)
		}
	}
}

// outcome is how a job run ended.
type outcome struct {
	result any
	err    error // nil on success
	status Status
	exc    string // the exc_info text of a failure
}

// perform runs a dequeued job and records its outcome. Until takeUntil
// (the zero time: never), it takes the worker's next job in the same call
// and returns it, started; it returns nil when it took none.
func (w *Worker) perform(ctx context.Context, d *dequeued, takeUntil time.Time) *dequeued {
	job := &Job{ID: d.id, c: w.c}
	decodeErr := job.decode(d.hash)
	desc := d.hash["description"]
	if desc == "" {
		desc = d.id
	}
	w.log.Infof("%s: %s (%s)", w.log.paint(color.FgGreen, d.queue), w.log.paint(color.FgBlue, desc), d.id)

	start := time.Now()
	var out outcome
	switch {
	case decodeErr != nil:
		out = failure(fmt.Errorf("cannot read job %s: %w", d.id, decodeErr), "")
	default:
		out = w.execute(ctx, d, job)
	}
	elapsed := time.Since(start)

	var next *dequeued
	if out.err == nil {
		next = w.finishSuccess(ctx, d, job, out.result, elapsed, takeUntil)
	} else {
		next = w.finishFailure(ctx, d, job, out, elapsed, takeUntil)
	}
	if w.opts.JobDone != nil {
		w.opts.JobDone(d.id, out.status)
	}
	return next
}

// execute calls the job's function with a context that is cancelled at the
// job's timeout, by a cold shut down, or by a stop command.
func (w *Worker) execute(ctx context.Context, d *dequeued, job *Job) outcome {
	task, ok := w.opts.Tasks.Lookup(job.FuncName)
	if !ok {
		return failure(fmt.Errorf("unknown function %q: no task is registered under that name in this worker", job.FuncName), "")
	}
	in, err := task.bind(job.Args, job.Kwargs)
	if err != nil {
		return failure(err, "")
	}

	jobCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	timeout := job.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if timeout > 0 {
		var stop context.CancelFunc
		jobCtx, stop = context.WithTimeoutCause(jobCtx, timeout, errJobTimeout)
		defer stop()
	}
	w.mu.Lock()
	w.current = &running{id: job.ID, cancel: cancel}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.current = nil
		w.mu.Unlock()
	}()

	var (
		done  <-chan jobReturn
		kill  func() // stops the job for good; nil in process
		grace = gracePeriod
	)
	if w.opts.Isolated {
		h, err := w.takeHorse()
		if err != nil {
			return failure(err, "")
		}
		done = w.runInHorse(ctx, h, job, timeout)
		kill = func() {
			h.kill()
			w.log.Infof("Killed horse pid %d", h.cmd.Process.Pid)
			w.replaceHorse()
		}
		grace = horseGrace
	} else {
		ch := make(chan jobReturn, 1)
		go func() {
			v, err := task.call(withJob(jobCtx, job), in)
			ch <- jobReturn{v: v, err: err}
		}()
		done = ch
	}

	hb := time.NewTicker(w.opts.JobMonitoringInterval)
	defer hb.Stop()
	started := time.Now()
	var graceTimer <-chan time.Time
	for {
		select {
		case r := <-done:
			switch {
			case r.died != "":
				w.log.Warnf("Moving job to FailedJobRegistry (%s)", r.died)
				w.replaceHorse()
				return outcome{err: errors.New(r.died), status: StatusFailed, exc: r.died}
			case r.timedOut:
				return w.interrupted(job, errJobTimeout, timeout)
			}
			// A task that gives back its context's error, or its cause
			// (context.Cause(ctx), as Go code often does), was stopped.
			if cause := context.Cause(jobCtx); cause != nil && r.err != nil &&
				(errors.Is(r.err, jobCtx.Err()) || errors.Is(r.err, cause)) {
				return w.interrupted(job, cause, timeout)
			}
			if r.err != nil {
				return failure(r.err, job.Description)
			}
			return outcome{result: r.v, status: StatusFinished}
		case <-hb.C:
			w.heartbeat(ctx, d, time.Since(started), timeout)
		case <-ctx.Done():
			cancel(errColdShutdown)
			ctx = context.WithoutCancel(ctx)
		case <-jobCtx.Done():
			if kill != nil && !errors.Is(context.Cause(jobCtx), errJobTimeout) {
				// Stopped from outside: a horse is killed at once.
				h := w.horse
				kill()
				if errors.Is(context.Cause(jobCtx), errKilled) {
					died := h.diedReason() // RQ's kill-horse is a horse that died
					return outcome{err: errors.New(died), status: StatusFailed, exc: died}
				}
				return w.interrupted(job, context.Cause(jobCtx), timeout)
			}
			// The function should return now that its context is done; if it
			// ignores the context, the worker stops waiting for it.
			if graceTimer == nil {
				graceTimer = time.After(grace)
			}
		case <-graceTimer:
			if kill != nil {
				w.log.Warnf("Job %s did not stop at its timeout: killing its work horse", job.ID)
				kill()
			} else {
				w.log.Warnf("Job %s ignored the cancellation of its context; it is left running in the background", job.ID)
			}
			return w.interrupted(job, context.Cause(jobCtx), timeout)
		}
	}
}

// jobReturn is what a job's function gave back, or how its horse died.
type jobReturn struct {
	v        any
	err      error
	timedOut bool   // the horse reports that the job stopped at its timeout
	died     string // the horse died: RQ's reason text
}

// replaceHorse starts a new horse in place of one that died or was killed,
// so that the next job does not wait for it.
func (w *Worker) replaceHorse() {
	w.horse = nil
	if _, err := w.takeHorse(); err != nil {
		w.log.Errorf("%v", err)
	}
}

// takeHorse returns the worker's horse, starting one if needed.
func (w *Worker) takeHorse() (*horse, error) {
	if w.horse == nil {
		h, err := startHorse()
		if err != nil {
			return nil, err
		}
		w.horse = h
	}
	return w.horse, nil
}

// runInHorse sends a job to the horse and returns the channel of its
// outcome. Meta that the task saves is written on the way.
func (w *Worker) runInHorse(ctx context.Context, h *horse, job *Job, timeout time.Duration) <-chan jobReturn {
	out := make(chan jobReturn, 1)
	req := horseRequest{ID: job.ID, Func: job.FuncName, Args: job.Args, Kwargs: job.Kwargs, Origin: job.Origin,
		Description: job.Description, Meta: job.Meta}
	if req.Args == nil {
		req.Args = []any{}
	}
	if timeout > 0 {
		req.TimeoutMS = timeout.Milliseconds()
	}
	if err := h.req.Encode(&req); err != nil {
		h.kill()
		w.horse = nil
		out <- jobReturn{died: h.diedReason()}
		return out
	}
	go func() {
		for {
			select {
			case m := <-h.replies:
				switch m.Kind {
				case "meta":
					j := &Job{ID: job.ID, Meta: m.Meta, MetaErr: job.MetaErr, c: w.c}
					if err := j.SaveMeta(context.WithoutCancel(ctx)); err != nil {
						w.log.Errorf("%v", err)
					}
					continue
				case "ok":
					v, err := horseResult(m.Result)
					out <- jobReturn{v: v, err: err}
				case "timeout":
					out <- jobReturn{timedOut: true}
				case "panic":
					out <- jobReturn{err: &PanicError{Value: m.Error, Stack: []byte(m.Stack)}}
				default:
					out <- jobReturn{err: errors.New(m.Error)}
				}
				return
			case <-h.exited:
				// Replies read before the exit are still in the channel.
				select {
				case m := <-h.replies:
					h.replies <- m
					continue
				default:
				}
				out <- jobReturn{died: h.diedReason()}
				return
			}
		}
	}()
	return out
}

// gracePeriod is how long a job may take to return after its context is
// cancelled.
const gracePeriod = 5 * time.Second

// interrupted is the outcome of a job stopped from outside.
func (w *Worker) interrupted(job *Job, cause error, timeout time.Duration) outcome {
	switch {
	case errors.Is(cause, errJobTimeout):
		return outcome{err: cause, status: StatusFailed,
			exc: fmt.Sprintf("JobTimeoutException: Task exceeded maximum timeout value (%d seconds)", int64(timeout/time.Second))}
	case errors.Is(cause, errStoppedByUser):
		w.log.Warnf("Job stopped by user, moving job to FailedJobRegistry")
		return outcome{err: cause, status: StatusStopped, exc: "Job stopped by user, work-horse terminated."}
	case errors.Is(cause, errKilled):
		return outcome{err: cause, status: StatusFailed, exc: "Work-horse terminated: the job was killed by a kill-horse command."}
	default:
		return outcome{err: cause, status: StatusFailed, exc: "Job interrupted by a cold shut down of worker " + w.Key() + "."}
	}
}

// failure is the outcome of a job whose function failed; desc names the
// call in the exc_info text.
func failure(err error, desc string) outcome {
	var b strings.Builder
	if desc != "" {
		b.WriteString(desc)
		b.WriteString(" failed:\n")
	}
	var p *PanicError
	if errors.As(err, &p) {
		fmt.Fprintf(&b, "panic: %v\n\n%s", p.Value, p.Stack)
	} else {
		fmt.Fprintf(&b, "Error: %v", err)
	}
	return outcome{err: err, status: StatusFailed, exc: strings.TrimRight(b.String(), "\n")}
}

// heartbeat keeps the running job in the started registry, as RQ's
// maintain_heartbeats.
func (w *Worker) heartbeat(ctx context.Context, d *dequeued, elapsed, timeout time.Duration) {
	interval := w.opts.JobMonitoringInterval
	ttl := interval + 60*time.Second
	if timeout > 0 && timeout-elapsed < interval {
		ttl = max(timeout-elapsed, 0) + 60*time.Second
	}
	now := w.c.now()
	err := scripts.Heartbeat.Run(ctx, w.c.rdb,
		[]string{w.Key(), keys.Job(d.id), keys.Started(d.queue)},
		d.id, wire.FormatTime(now), wire.Epoch(now)+int64(ttl/time.Second), int64(ttl/time.Second),
		strconv.FormatFloat(elapsed.Seconds(), 'f', 6, 64), d.member(), d.execID, epochFloat(now)).Err()
	if err != nil {
		w.log.Errorf("Heartbeat of job %s: %v", d.id, err)
	}
}

func (w *Worker) finishSuccess(ctx context.Context, d *dequeued, job *Job, result any, elapsed time.Duration, takeUntil time.Time) *dequeued {
	ttl := job.ResultTTL
	if ttl == 0 {
		ttl = w.opts.ResultTTL
	}
	var rv string
	if result != nil {
		b, err := w.c.serializer.Marshal(result)
		if err != nil {
			b, _ = w.c.serializer.Marshal("Unserializable return value")
		}
		rv = base64.StdEncoding.EncodeToString(b)
	}
	seconds := rqSeconds(ttl)
	if job.OnSuccess != "" {
		takeUntil = time.Time{} // the callback runs before the next job
	}
	_, next := w.finish(ctx, d, StatusFinished, seconds, true, ResultSuccessful, "return_value", rv, "successful_job_count", elapsed, takeUntil)
	w.log.Infof("%s: %s (%s)", w.log.paint(color.FgGreen, d.queue), w.log.paint(color.FgBlue, "Job OK"), d.id)
	switch {
	case seconds == 0:
		w.log.Infof("Result discarded immediately")
	case seconds < 0:
		w.log.Infof("Result will never expire, clean up result key manually")
	default:
		w.log.Infof("Result is kept for %d seconds", seconds)
	}
	w.callback(ctx, job, "on_success", job.OnSuccess, result, nil)
	return next
}

func (w *Worker) finishFailure(ctx context.Context, d *dequeued, job *Job, out outcome, elapsed time.Duration, takeUntil time.Time) *dequeued {
	ttl := job.FailureTTL
	if ttl == 0 {
		ttl = DefaultFailureTTL
	}
	exc := base64.StdEncoding.EncodeToString(wire.Compress([]byte(out.exc)))
	option, callback := "on_failure", job.OnFailure
	if out.status == StatusStopped {
		option, callback = "on_stopped", job.OnStopped
	}
	if callback != "" {
		takeUntil = time.Time{} // the callback runs before the next job
	}
	retried, next := w.finish(ctx, d, out.status, rqSeconds(ttl), job.FailureTTL != 0, ResultFailed, "exc_string", exc, "failed_job_count", elapsed, takeUntil)
	fn := job.FuncName
	if fn == "" {
		fn = "?"
	}
	w.log.Errorf("[Job %s]: exception raised while executing (%s)\n%s", d.id, fn, out.exc)
	if retried {
		w.log.Infof("%s: Job %s will be retried (%d retries left after this one)", w.log.paint(color.FgGreen, d.queue), d.id, job.RetriesLeft-1)
	}
	w.callback(ctx, job, option, callback, nil, out.err)
	return next
}

func (w *Worker) finish(ctx context.Context, d *dequeued, status Status, ttl int64, streamTTL bool,
	rtype ResultType, field, value, counter string, elapsed time.Duration, takeUntil time.Time) (retried bool, next *dequeued) {
	now := w.c.now()
	// The next job is taken unless the worker was asked to stop meanwhile
	// (or takeUntil, zero when it may not take one, has passed).
	takeNext := now.Before(takeUntil) && ctx.Err() == nil && !w.stopRequested()
	// The outcome is written even during a cold shut down, and through a
	// Redis outage of up to five minutes; after that the job stays in the
	// started registry, and the next cleanup fails it (or retries it).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	registry := keys.Finished(d.queue)
	if status != StatusFinished {
		registry = keys.Failed(d.queue)
	}
	ks := []string{keys.Job(d.id), keys.Started(d.queue), w.Key(), keys.Results(d.id), registry,
		keys.Dependents(d.id), keys.Dependencies(d.id)}
	if takeNext {
		ks = append(ks, keys.Suspended)
		ks = append(ks, w.queueKeys()...)
	}
	_, hasDeps := d.hash["dependency_ids"]
	if !hasDeps {
		_, hasDeps = d.hash["dependency_id"]
	}
	argv := []any{d.id, string(status), wire.FormatTime(now), wire.Epoch(now), ttl, flag(streamTTL),
		int(rtype), field, value, counter, strconv.FormatFloat(elapsed.Seconds(), 'f', 6, 64),
		int64((w.opts.WorkerTTL + 60*time.Second) / time.Second), d.queue, flag(w.sync),
		d.member(), d.execID, d.execStart, epochFloat(now), w.name,
		flag(takeNext), int64(w.opts.JobMonitoringInterval / time.Second), int64(DefaultTimeout / time.Second), flag(hasDeps)}
	var res []any
	err := w.persist(ctx, func() (err error) {
		res, err = scripts.Finish.Run(ctx, w.c.rdb, ks, argv...).Slice()
		return err
	})
	if err != nil {
		w.log.Errorf("Could not record the outcome of job %s: %v", d.id, err)
		return false, nil
	}
	if len(res) < 2 {
		w.log.Errorf("Unexpected reply from the finish script for job %s: %v", d.id, res)
		return false, nil
	}
	retried = res[1] == int64(1)
	if len(res) > 3 {
		next, err = taken(res[2:], "", epochFloat(now))
		if err != nil {
			w.log.Errorf("%v", err)
		}
	}
	return retried, next
}

// callback runs a job's on_success, on_failure or on_stopped callback
// (option), the task called name. Its failure is logged and changes
// nothing of the job's outcome.
func (w *Worker) callback(ctx context.Context, job *Job, option, name string, result any, jobErr error) {
	if name == "" {
		return
	}
	task, ok := w.opts.Tasks.Lookup(name)
	if !ok {
		w.log.Errorf("Callback %s of job %s: no task is registered under that name", name, job.ID)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := task.callback(ctx, option, job, result, jobErr); err != nil {
		w.log.Errorf("Callback %s of job %s failed: %v", name, job.ID, err)
	}
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

// horseResult reads a horse's result, which encoding/json wrote: numbers
// as plainNumbers reads them (an int beyond int64 exactly).
func horseResult(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return plainNumbers(v), nil
}
