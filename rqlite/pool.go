package rqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// A WorkerPool runs several workers in one process, each registered under
// its own name and each running one job at a time, as RQ's worker-pool:
// the Go way to run more than one job at once without changing RQ's
// model of a worker.
type WorkerPool struct {
	Workers []*Worker
	log     *Logger
}

// NewWorkerPool returns n workers for the same queues. Their names are
// opts.Name (or a random name) followed by "-1", "-2"...
func NewWorkerPool(rdb redis.UniversalClient, queues []string, n int, opts *WorkerOptions) (*WorkerPool, error) {
	if n < 1 {
		return nil, fmt.Errorf("rqlite: a worker pool needs at least one worker, not %d", n)
	}
	var o WorkerOptions
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = &Logger{}
	}
	base := o.Name
	p := &WorkerPool{log: o.Logger}
	hub := newCommandHub(rdb)
	for i := range n {
		wo := o
		wo.Name = ""
		wo.WithScheduler = o.WithScheduler && i == 0 // one scheduler is enough
		if base != "" {
			wo.Name = fmt.Sprintf("%s-%d", base, i+1)
		}
		w, err := NewWorker(rdb, queues, &wo)
		if err != nil {
			return nil, err
		}
		w.hub = hub
		p.Workers = append(p.Workers, w)
	}
	return p, nil
}

// RequestStop asks every worker for a warm shut down.
func (p *WorkerPool) RequestStop() {
	for _, w := range p.Workers {
		w.RequestStop()
	}
}

// Work runs every worker until all have returned (in burst mode, when the
// queues are empty). Cancelling ctx is a cold shut down of all of them.
func (p *WorkerPool) Work(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(p.Workers))
	for i, w := range p.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.Work(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run is Work with the signal handling of Worker.Run, for the whole pool.
func (p *WorkerPool) Run(ctx context.Context) error {
	ctx, stop := p.handleSignals(ctx)
	defer stop()
	return p.Work(ctx)
}

// handleSignals turns the first SIGINT or SIGTERM into a warm shut down of
// every worker and the second into a cold one (ctx is cancelled).
func (p *WorkerPool) handleSignals(ctx context.Context) (context.Context, func()) {
	return handleSignals(ctx, p.log, "Warm shut down requested", p.RequestStop, func(ctx context.Context) {
		for _, w := range p.Workers {
			w.markShutdownRequested(ctx)
		}
	}, func() bool {
		for _, w := range p.Workers {
			if !w.stopRequested() {
				return false
			}
		}
		return true
	})
}

// handleSignals is the signal handling shared by Worker.Run and
// WorkerPool.Run.
//
// warmLine is the record of the first signal, a warm shut down. A warm
// shut down already asked for another way (RQ's shutdown command,
// which sends the worker SIGINT) counts as the first signal: warmed reports
// it.
func handleSignals(ctx context.Context, log *Logger, warmLine string, warm func(), mark func(context.Context), warmed func() bool) (context.Context, func()) {
	ctx, cold := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		signalled := false
		for {
			select {
			case <-done:
				return
			case <-sigs:
				if !signalled && !warmed() {
					signalled = true
					log.Infof("%s", warmLine)
					mark(ctx)
					warm()
					continue
				}
				log.Warnf("Cold shut down")
				cold()
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cold()
	}
}
