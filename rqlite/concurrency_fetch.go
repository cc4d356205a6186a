package rqlite

import (
	"context"
	"slices"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
)

// limitState is what a worker's fetcher knows of the concurrency limits
// between two takes: the queues whose first job waits for a slot, the task
// names it read for the dequeue script, the ignored limits it has warned
// of, and how long it waits before looking again.
type limitState struct {
	active  bool     // a limit applied to the worker's queues at the last take
	blocked []string // queue keys
	funcs   map[string]string
	warned  map[scripts.BadLimit]bool
	backoff time.Duration
}

const (
	// maxKnownFuncs bounds the task names kept: those of the jobs first in
	// their queues, and of jobs since taken by other workers.
	maxKnownFuncs = 256
	// heldBackoffMin and heldBackoffMax bound the wait of a worker whose
	// every waiting job waits for a slot: it doubles from the first to the
	// second, and is the first again once a job is taken.
	heldBackoffMin = 50 * time.Millisecond
	heldBackoffMax = time.Second
)

// held reports whether a queue's first job waits for a slot.
func (l *limitState) held() bool { return len(l.blocked) > 0 }

// open is qkeys without the queues whose first job waits for a slot.
func (l *limitState) open(qkeys []string) []string {
	if len(l.blocked) == 0 {
		return qkeys
	}
	var out []string
	for _, k := range qkeys {
		if !slices.Contains(l.blocked, k) {
			out = append(out, k)
		}
	}
	return out
}

// funcArgs are the known task names, as DequeueArgs.Funcs.
func (l *limitState) funcArgs() []string {
	var out []string
	for id, name := range l.funcs {
		out = append(out, id, name)
	}
	return out
}

// taken forgets the task name of a job taken.
func (l *limitState) taken(id string) {
	delete(l.funcs, id)
	l.backoff = 0
}

// read records what the dequeue script said of the limits: the queues held
// back, the limits it ignored (warned of once each) and the job whose task
// name it needs, which read decodes with s; resolved reports that one was.
func (l *limitState) read(r *scripts.LimitsReply, s Serializer, log *Logger) (resolved bool) {
	l.blocked, l.active = nil, r != nil
	if r == nil {
		return false
	}
	l.blocked = r.Blocked
	for _, b := range r.BadLimits {
		if !l.warned[b] {
			if l.warned == nil {
				l.warned = map[scripts.BadLimit]bool{}
			}
			l.warned[b] = true
			log.Warnf("Ignoring the concurrency limit of %s %q: %q is not a whole number from 1 to %d", b.Kind, b.Name, b.Value, MaxConcurrencyLimit)
		}
	}
	if r.Resolve == nil {
		return false
	}
	if l.funcs == nil || len(l.funcs) >= maxKnownFuncs {
		l.funcs = map[string]string{}
	}
	// A job whose call cannot be decoded has no task name: its worker
	// fails it as it fails any such job.
	name, _, _, err := decodeCall(s, []byte(r.Resolve.Data))
	if err != nil {
		name = ""
	}
	l.funcs[r.Resolve.ID] = name
	return true
}

// waitForSlot waits, once, while every job waiting waits for a slot.
func (f *fetcher) waitForSlot(ctx context.Context) (*dequeued, error) {
	return nil, f.pause(ctx)
}

// pause waits for the back-off of a worker whose jobs wait for slots,
// telling Redis it is alive and idle when due, as a worker blocked on its
// queues does.
func (f *fetcher) pause(ctx context.Context) error {
	suspended, err := f.idleTurn(ctx)
	if err != nil {
		return err
	}
	if suspended {
		return errSuspended
	}
	f.limits.sleep(ctx)
	return nil
}

// peek waits, while a limit applies to the worker's queues, for a job in the queues whose first
// job does not wait for a slot, without taking it out of its queue: only
// the dequeue script takes jobs then, so that a job held back never leaves
// its place (two workers that each popped a job, and put it back, would
// swap them). On one queue it blocks with BLMOVE from the queue to itself,
// which moves nothing; on several, which no command waits on without
// popping, it waits its back-off and lets the dequeue script look. It
// returns redis.Nil when no job came.
func (f *fetcher) peek(ctx context.Context) error {
	open := f.limits.open(f.qkeys)
	if len(open) == 1 {
		return f.c.rdb.BLMove(ctx, open[0], open[0], "LEFT", "LEFT", time.Second).Err()
	}
	f.limits.sleep(ctx)
	return nil
}

// sleep waits for the next back-off, or until ctx ends.
func (l *limitState) sleep(ctx context.Context) {
	l.backoff = min(max(2*l.backoff, heldBackoffMin), heldBackoffMax)
	t := time.NewTimer(l.backoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
