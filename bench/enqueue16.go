package main

import (
	"github.com/hibiken/asynq"
	"time"
)

// enqueuers is how many goroutines enqueue at once in the figures of a
// web service, whose handlers each enqueue a job.
const enqueuers = 16

// rqliteEnqueue16 enqueues N no-op jobs with one Queue shared by 16
// goroutines, each making one call at a time.
func (e *env) rqliteEnqueue16() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	q := e.queue()
	t0 := time.Now()
	if err := together(enqueuers, func(c int) error {
		for i := c; i < e.cfg.n; i += enqueuers {
			if _, err := q.Enqueue(e.ctx, noop, i); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.expectQueued(e.cfg.n)
}

// asynqEnqueue16 enqueues N no-op tasks with one asynq client shared by
// 16 goroutines, each making one call at a time.
func (e *env) asynqEnqueue16() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	cl := asynq.NewClient(asynqOpt(e.opts))
	defer cl.Close()
	t0 := time.Now()
	if err := together(enqueuers, func(c int) error {
		for i := c; i < e.cfg.n; i += enqueuers {
			if _, err := cl.Enqueue(noopTask(i), asynq.Queue(benchQueue)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.asynqExpectPending(e.cfg.n)
}
