package rqlite

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// pushAll writes prepared jobs and queues or schedules them, as push does
// for each, in fewer commands: the queue is added to rq:queues once, and
// the IDs are pushed together. The queue ends as it would with a push per
// job: the jobs at the front in reverse order of the calls (each LPUSH
// goes before the previous one), the others at the back in order. When
// spans is not nil, it gets which commands of p are each job's (see
// jobCmds).
func (q *Queue) pushAll(ctx context.Context, p redis.Pipeliner, jobs []*prepared, spans []jobCmds) {
	queue := keys.Queue(q.Name)
	p.SAdd(ctx, keys.Queues, queue)
	var front, back []any
	for i, j := range jobs {
		from := p.Len()
		queued := q.writeJob(ctx, p, j)
		if spans != nil {
			spans[i] = jobCmds{from: from, to: p.Len(), push: -1}
		}
		switch {
		case !queued:
		case j.atFront:
			front = append(front, j.job.ID)
		default:
			back = append(back, j.job.ID)
		}
	}
	if spans != nil {
		pushIndexes(jobs, spans, p.Len(), len(front) > 0)
	}
	pushIDs(ctx, p, queue, front, back)
}

// writeJob writes a prepared job's hash, with its expiry, or schedules the
// job, and reports whether its ID is still to be pushed to the queue.
func (q *Queue) writeJob(ctx context.Context, p redis.Pipeliner, j *prepared) bool {
	id := j.job.ID
	status := StatusQueued
	if !j.at.IsZero() {
		p.ZAdd(ctx, keys.Scheduled(q.Name), redis.Z{Score: float64(wire.Epoch(j.at)), Member: id})
		status = StatusScheduled
	}
	key := keys.Job(id)
	// HSET's arguments in one slice, which go-redis's HSet would copy.
	args := make([]any, 0, len(j.fields)+4)
	args = append(args, "hset", key, "status", string(status))
	p.Do(ctx, append(args, j.fields...)...)
	if status == StatusScheduled {
		return false
	}
	if j.ttl > 0 {
		d := time.Duration(j.ttl) * time.Second
		p.Expire(ctx, key, d)
		p.Expire(ctx, keys.Dependents(id), d)
		p.Expire(ctx, keys.Dependencies(id), d)
	}
	return true
}

// pushIDs pushes job IDs to the front of the queue list queue (the last
// of front ends first, as with an LPUSH each) and to its back.
func pushIDs(ctx context.Context, p redis.Pipeliner, queue string, front, back []any) {
	if len(front) > 0 {
		p.LPush(ctx, queue, front...)
	}
	if len(back) > 0 {
		p.RPush(ctx, queue, back...)
	}
}

// A jobCmds says which commands of a shared write are a job's: its own,
// from and to (excluded), and the push of its ID to the queue (-1 for a
// scheduled job, which is not pushed).
type jobCmds struct {
	from, to, push int
}

// pushEach writes prepared jobs and queues or schedules them in one
// transaction, as pushAll does, and returns the outcome of each job: the
// first error among its own commands, then those it shares with the
// others (the queue's name added to rq:queues, the push of its ID), then
// an error of the whole transaction.
func (q *Queue) pushEach(ctx context.Context, jobs []*prepared) []error {
	spans := make([]jobCmds, len(jobs))
	cmds, err := q.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		q.pushAll(ctx, p, jobs, spans)
		return nil
	})
	return jobErrors(jobs, spans, cmds, err)
}

// pushIndexes sets the index of the push of each queued job's ID, the
// pushes coming at index at: the LPUSH first if there is one (hasFront),
// then the RPUSH.
func pushIndexes(jobs []*prepared, spans []jobCmds, at int, hasFront bool) {
	for i, j := range jobs {
		switch {
		case !j.at.IsZero():
		case j.atFront:
			spans[i].push = at
		case hasFront:
			spans[i].push = at + 1
		default:
			spans[i].push = at
		}
	}
}

// jobErrors gives each job of a shared write its outcome, from the
// replies of its commands and the error err of the write: err is each
// job's unless it is only a command's reply (Redis ran the others).
func jobErrors(jobs []*prepared, spans []jobCmds, cmds []redis.Cmder, err error) []error {
	cmdErr := func(k int) error {
		if k >= 0 && k < len(cmds) {
			return cmds[k].Err()
		}
		return nil
	}
	whole := err
	for k := range cmds {
		if e := cmdErr(k); e != nil {
			if errors.Is(err, e) {
				whole = nil
			}
			break
		}
	}
	errs := make([]error, len(jobs))
	for i, s := range spans {
		var e error
		for k := s.from; k < s.to && e == nil; k++ {
			e = cmdErr(k)
		}
		if e == nil {
			e = cmdErr(0)
		}
		if e == nil {
			e = cmdErr(s.push)
		}
		if e == nil {
			e = whole
		}
		if e != nil {
			errs[i] = enqueueError(jobs[i], e)
		}
	}
	return errs
}
