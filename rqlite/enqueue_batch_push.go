package rqlite

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

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
		p.SAdd(ctx, keys.Queues, keys.Queue(q.Name))
		var front, back []any
		for i, j := range jobs {
			from := p.Len()
			queued := q.writeJob(ctx, p, j)
			spans[i] = jobCmds{from: from, to: p.Len(), push: -1}
			switch {
			case !queued:
			case j.atFront:
				front = append(front, j.job.ID)
			default:
				back = append(back, j.job.ID)
			}
		}
		spans = pushIndexes(jobs, spans, p.Len(), len(front) > 0)
		q.pushIDs(ctx, p, front, back)
		return nil
	})
	return jobErrors(jobs, spans, cmds, err)
}

// pushIndexes sets the index of the push of each queued job's ID, the
// pushes coming at index at: the LPUSH first if there is one (hasFront),
// then the RPUSH.
func pushIndexes(jobs []*prepared, spans []jobCmds, at int, hasFront bool) []jobCmds {
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
	return spans
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
