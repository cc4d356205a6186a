package rqlite

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// A fetcher takes a worker's jobs from its queues: the dequeue script when
// jobs are waiting, blocking turns when none is, and a slot for the one job
// that recording the previous job's outcome may take in the same call.
type fetcher struct {
	c      *conn
	log    *Logger
	name   string // the worker's
	key    string // the worker's hash
	queues []string
	qkeys  []string // the queues' keys, highest priority first
	opts   *WorkerOptions
	sync   bool // for a synchronous queue: no worker hash

	// Between jobs: waiting is set after a BLPOP that found nothing, and
	// idleBeat is when the worker last told Redis it is idle (zero since it
	// last did something else).
	waiting  bool
	idleBeat time.Time

	next *dequeued // taken with the previous job's outcome, not yet run

	limits limitState // what the concurrency limits hold back

	// registries holds the registry keys of the queues that jobs were
	// taken from, built once per queue.
	registries map[string]queueRegistries

	// shuffle shuffles the queues for DequeueRandom; rand.Shuffle when nil.
	shuffle func(n int, swap func(i, j int))
}

func newFetcher(w *Worker) *fetcher {
	f := &fetcher{c: w.c, log: w.log, name: w.name, key: w.Key(), queues: w.queues, opts: &w.opts, sync: w.sync}
	for _, q := range w.queues {
		f.qkeys = append(f.qkeys, keys.Queue(q))
	}
	return f
}

// queueRegistries are the keys of a queue's registries that recording a
// job's outcome writes.
type queueRegistries struct {
	started, finished, failed string
}

// registriesOf returns the registry keys of queue, built on its first job.
func (f *fetcher) registriesOf(queue string) queueRegistries {
	r, ok := f.registries[queue]
	if !ok {
		if f.registries == nil {
			f.registries = map[string]queueRegistries{}
		}
		r = queueRegistries{started: keys.Started(queue), finished: keys.Finished(queue), failed: keys.Failed(queue)}
		f.registries[queue] = r
	}
	return r
}

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

var errSuspended = errors.New("workers are suspended")

// prefetched empties the slot of the job taken with the last outcome.
func (f *fetcher) prefetched() *dequeued {
	d := f.next
	f.next = nil
	return d
}

// dequeue takes the next job: at once if one is waiting, otherwise (unless
// in burst mode) after blocking on the queues for a while. It returns nil
// when there is no job.
func (f *fetcher) dequeue(ctx context.Context) (*dequeued, error) {
	if !f.waiting || f.limits.held() {
		job, err := f.take(ctx, "", "")
		switch {
		case job != nil || err != nil:
			f.idleBeat = time.Time{}
			return job, err
		case f.opts.Burst:
			// Jobs held back by a limit are left to the workers that hold
			// its slots (they take them as they end theirs) and to those
			// that do not quit.
			f.idleBeat = time.Time{}
			return nil, nil
		case len(f.limits.blocked) == len(f.queues):
			// Every job waiting waits for a slot.
			return f.waitForSlot(ctx)
		}
	}
	// Nothing waiting: block on every queue at once, in priority order, as
	// RQ's BLPOP. The short timeout lets a stop request be noticed; a turn
	// that found nothing is followed by another at once, without the
	// dequeue script, as the queues were empty a moment ago.
	suspended, err := f.idleTurn(ctx)
	if err != nil || suspended {
		f.waiting, f.idleBeat = false, time.Time{}
		if suspended {
			return nil, errSuspended
		}
		return nil, err
	}
	queueKey, id, err := f.block(ctx)
	if errors.Is(err, redis.Nil) {
		f.waiting = true
		return nil, nil
	}
	f.waiting, f.idleBeat = false, time.Time{}
	if err != nil {
		return nil, err
	}
	return f.take(ctx, queueKey, id)
}

// block waits up to a second for a job in the worker's queues and takes
// its ID out of its queue; redis.Nil when none came. As RQ 1.15+, a worker
// on one queue moves the ID into the queue's intermediate list (BLMOVE),
// where maintenance finds it if the worker dies before the dequeue script
// marks it started; on several queues it pops the first that comes
// (BLPOP: BLMOVE waits on one list only), as RQ does.
//
// While a concurrency limit applies to its queues, it waits without taking
// (see peek).
func (f *fetcher) block(ctx context.Context) (queueKey, id string, err error) {
	if f.limits.active {
		return "", "", f.peek(ctx)
	}
	if len(f.queues) == 1 {
		id, err = f.c.rdb.BLMove(ctx, f.qkeys[0], keys.Intermediate(f.queues[0]), "LEFT", "RIGHT", time.Second).Result()
		return f.qkeys[0], id, err
	}
	res, err := f.c.rdb.BLPop(ctx, time.Second, f.qkeys...).Result()
	if err != nil {
		return "", "", err
	}
	return res[0], res[1], nil
}

// take runs the dequeue script; queueKey and id name a job already taken
// out of its queue by block, to be started first. It runs it again when
// the popped job was gone, or held back, or when the script needs a job's
// task name for the task limits, a few times at most.
func (f *fetcher) take(ctx context.Context, queueKey, id string) (*dequeued, error) {
	for range len(f.queues) + 8 {
		d, again, err := f.takeOnce(ctx, queueKey, id)
		if !again {
			return d, err
		}
		queueKey, id = "", ""
	}
	return nil, nil
}

// takeOnce runs the dequeue script once; again is set when it is to run
// once more.
func (f *fetcher) takeOnce(ctx context.Context, queueKey, id string) (d *dequeued, again bool, err error) {
	now := f.c.now()
	args := scripts.DequeueArgs{Worker: f.key, Suspended: keys.Suspended, Queues: f.qkeys,
		WorkerName: f.name, NowTimestamp: wire.FormatTime(now), NowEpoch: wire.Epoch(now),
		JobMonitoringInterval: int64(f.opts.JobMonitoringInterval / time.Second),
		DefaultTimeout:        int64(DefaultTimeout / time.Second), PoppedID: id, Sync: f.sync,
		NowMicroseconds: epochFloat(now), Intermediate: id != "" && len(f.queues) == 1, Funcs: f.limits.funcArgs()}
	if queueKey != "" {
		args.Queues = []string{queueKey}
	}
	if f.opts.RQ2 {
		args.ExecutionID = strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	var reply scripts.DequeueReply
	run := func() (err error) {
		reply, err = scripts.RunDequeue(ctx, f.c.rdb, args)
		return err
	}
	if id != "" {
		// The job has left its queue: it must be marked started, whatever
		// it takes, or it would be lost.
		err = persist(context.WithoutCancel(ctx), f.log, run)
	} else {
		err = run()
	}
	if err != nil {
		return nil, false, err
	}
	resolved := f.limits.read(reply.Limits, f.c.serializer, f.log)
	switch {
	case reply.Suspended:
		return nil, false, errSuspended
	case reply.Job == nil:
		// The popped job was gone or held back, or a task name is known
		// now: try again.
		return nil, queueKey != "" || resolved, nil
	}
	f.limits.taken(reply.Job.ID)
	f.reorder(reply.Job.Queue)
	return taken(reply.Job, args.ExecutionID, args.NowMicroseconds), false, nil
}

// taken is a job that a script took and marked started.
func taken(j *scripts.TakenJob, execID, execStart string) *dequeued {
	return &dequeued{queue: j.Queue, id: j.ID, hash: j.Hash, execID: execID, execStart: execStart}
}

// idleBeatEvery is how often a worker waiting for jobs tells Redis it is
// alive (at most: never less often than its WorkerTTL).
const idleBeatEvery = 10 * time.Second

// idleTurn is the round trip before each BLPOP of a worker waiting for
// jobs: it checks that workers are not suspended and, when it is time (on
// the first turn, then every idleBeatEvery), tells Redis the worker is
// alive and idle.
func (f *fetcher) idleTurn(ctx context.Context) (suspended bool, err error) {
	now := f.c.now()
	beat := f.idleBeat.IsZero() || now.Sub(f.idleBeat) >= min(idleBeatEvery, f.opts.WorkerTTL)
	var exists *redis.IntCmd
	_, err = f.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, keys.Suspended)
		if beat {
			p.HSet(ctx, f.key, "state", "idle", "last_heartbeat", wire.FormatTime(now))
			p.Expire(ctx, f.key, f.opts.WorkerTTL+60*time.Second)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if beat {
		f.idleBeat = now
	}
	return exists.Val() == 1, nil
}
