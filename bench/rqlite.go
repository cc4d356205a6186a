package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// quietLogger drops the per-job lines (INFO) of the workers, as the peers
// run with warnings only.
func quietLogger() *rqlite.Logger {
	return &rqlite.Logger{Out: io.Discard, Err: os.Stderr, Level: rqlite.LevelWarning}
}

func (e *env) queue() *rqlite.Queue { return rqlite.NewQueue(benchQueue, e.rdb, nil) }

// rqliteEnqueue enqueues N no-op jobs one call at a time.
func (e *env) rqliteEnqueue() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	q := e.queue()
	t0 := time.Now()
	for i := range e.cfg.n {
		if _, err := q.Enqueue(e.ctx, noop, i); err != nil {
			return 0, err
		}
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.expectQueued(e.cfg.n)
}

// rqliteEnqueueMany enqueues N no-op jobs with EnqueueMany, 1,000 a call.
func (e *env) rqliteEnqueueMany() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	q := e.queue()
	t0 := time.Now()
	for start := 0; start < e.cfg.n; start += 1000 {
		if err := enqueueBatch(e.ctx, q, start, min(e.cfg.n, start+1000)); err != nil {
			return 0, err
		}
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.expectQueued(e.cfg.n)
}

// enqueueBatch enqueues the no-op jobs from to to-1 with one EnqueueMany.
func enqueueBatch(ctx context.Context, q *rqlite.Queue, from, to int) error {
	_, err := q.EnqueueMany(ctx, noopCalls(from, to))
	return err
}

// noopCalls are the calls of the no-op jobs from to to-1.
func noopCalls(from, to int) []rqlite.Call {
	calls := make([]rqlite.Call, 0, to-from)
	for i := from; i < to; i++ {
		calls = append(calls, rqlite.Call{Func: noop, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i}}})
	}
	return calls
}

// fill enqueues n no-op jobs in the bench queue, untimed, with a few
// EnqueueMany callers at once.
func (e *env) fill(n int) error { return e.fillQueue(e.queue(), n) }

func (e *env) fillQueue(q *rqlite.Queue, n int) error {
	const callers = 4
	return together(callers, func(c int) error {
		for start := c * 1000; start < n; start += callers * 1000 {
			if err := enqueueBatch(e.ctx, q, start, min(n, start+1000)); err != nil {
				return err
			}
		}
		return nil
	})
}

// cloneFill queues n no-op jobs in q faster than Enqueue can, for the
// scale figures, where filling is not what is measured: it enqueues one job
// and writes n-1 copies of its hash under new IDs, queued after it.
func (e *env) cloneFill(q *rqlite.Queue, n int) error {
	job, err := q.Enqueue(e.ctx, noop, 0)
	if err != nil {
		return err
	}
	fields, err := e.rdb.HGetAll(e.ctx, "rq:job:"+job.ID).Result()
	if err != nil {
		return err
	}
	const callers, batch = 4, 1000
	if err := together(callers, func(c int) error {
		for start := 1 + c*batch; start < n; start += callers * batch {
			if _, err := e.rdb.Pipelined(e.ctx, func(p redis.Pipeliner) error {
				ids := make([]any, 0, batch)
				for i := start; i < min(n, start+batch); i++ {
					id := fmt.Sprintf("%s-%08d", job.ID, i)
					p.HSet(e.ctx, "rq:job:"+id, fields)
					ids = append(ids, id)
				}
				p.RPush(e.ctx, q.Key(), ids...)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if got, err := q.Count(e.ctx); err != nil || got != int64(n) {
		return fmt.Errorf("queue %s holds %d jobs (%v), want %d", q.Name, got, err, n)
	}
	return nil
}

func (e *env) expectQueued(n int) error {
	got, err := e.queue().Count(e.ctx)
	if err != nil {
		return err
	}
	if got != int64(n) {
		return fmt.Errorf("%d jobs queued, want %d", got, n)
	}
	return nil
}

// expectFinished checks that the bench queue is empty and that n jobs
// finished, so that a figure never counts failed or lost jobs.
func (e *env) expectFinished(q *rqlite.Queue, n int) error {
	left, err := q.Count(e.ctx)
	if err != nil {
		return err
	}
	done, err := q.Registry(rqlite.Finished).Count(e.ctx)
	if err != nil {
		return err
	}
	if left != 0 || done != int64(n) {
		return fmt.Errorf("%d jobs finished and %d left in the queue, want %d finished", done, left, n)
	}
	return nil
}

// rqliteDrain times burst workers draining n queued no-op jobs: one Worker
// (isolated or not) when workers is 1, else a WorkerPool.
func (e *env) rqliteDrain(n, workers int, isolated bool) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	if err := e.fill(n); err != nil {
		return 0, err
	}
	opts := &rqlite.WorkerOptions{Burst: true, Isolated: isolated, Logger: quietLogger()}
	t0 := time.Now()
	if workers == 1 {
		w, err := rqlite.NewWorker(e.rdb, []string{benchQueue}, opts)
		if err != nil {
			return 0, err
		}
		if err := w.Work(e.ctx); err != nil {
			return 0, err
		}
	} else {
		p, err := rqlite.NewWorkerPool(e.rdb, []string{benchQueue}, workers, opts)
		if err != nil {
			return 0, err
		}
		if err := p.Work(e.ctx); err != nil {
			return 0, err
		}
	}
	el := time.Since(t0)
	return perSecond(n, el), e.expectFinished(e.queue(), n)
}

// marks receives the start time of each bench.mark job.
var marks = make(chan time.Time, 1)

// mark is the job of the latency figure: it tells when it started.
func mark(i int) {
	select {
	case marks <- time.Now():
	default:
	}
}

// rqliteLatency enqueues one job at a time for a worker that waits for
// work, and returns the 50th and 99th percentiles of the time from the
// Enqueue call to the job's start, in milliseconds.
func (e *env) rqliteLatency(samples int) (p50, p99 float64, err error) {
	if err := e.flush(); err != nil {
		return 0, 0, err
	}
	done := make(chan struct{}, 1)
	w, err := rqlite.NewWorker(e.rdb, []string{benchQueue}, &rqlite.WorkerOptions{Logger: quietLogger(),
		JobDone: func(string, rqlite.Status) { done <- struct{}{} }})
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	workErr := make(chan error, 1)
	go func() { workErr <- w.Work(ctx) }()
	defer func() {
		w.RequestStop()
		if werr := <-workErr; err == nil {
			err = werr
		}
	}()
	if err := e.waitWorkers(1, 10*time.Second); err != nil {
		return 0, 0, err
	}
	q := e.queue()
	lat := make([]float64, 0, samples)
	for i := range samples + 10 {
		time.Sleep(3 * time.Millisecond) // the worker is back waiting in BLPOP
		t0 := time.Now()
		if _, err := q.Enqueue(e.ctx, mark, i); err != nil {
			return 0, 0, err
		}
		var started time.Time
		select {
		case started = <-marks:
		case <-time.After(10 * time.Second):
			return 0, 0, errors.New("a job did not start within 10 s")
		}
		<-done
		if i >= 10 { // the first ones warm up connections
			lat = append(lat, float64(started.Sub(t0).Microseconds())/1000)
		}
	}
	slices.Sort(lat)
	return round(percentile(lat, 50), 3), round(percentile(lat, 99), 3), nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// waitWorkers waits until n workers are registered on the bench queue.
func (e *env) waitWorkers(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ws, err := rqlite.Workers(e.ctx, e.rdb, benchQueue)
		if err != nil {
			return err
		}
		if len(ws) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d workers registered after %v, want %d", len(ws), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rqliteRSS starts an idle worker, or a pool of them (./cmd/rqliteworker),
// and returns its resident memory after a second without jobs.
func (e *env) rqliteRSS(workers int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	dir, err := e.helpers()
	if err != nil {
		return 0, err
	}
	return e.childRSS(filepath.Join(dir, "rqliteworker"), []string{"-url", e.cfg.url, "-queue", benchQueue, "-workers", fmt.Sprint(workers)},
		func() error { return e.waitWorkers(workers, 10*time.Second) })
}

// rqliteDrainQueues is the drain rate of a worker with 1,000 jobs in its
// queue and, if large > 0, of a worker with `large` jobs in its queue. The
// rate is timed over rounds of 1,000 jobs, each drained by a new burst
// worker (MaxJobs 1,000), each queue being refilled to its size between
// rounds. Both queues live in the same database and their rounds take
// turns, so that only the length of the queue differs between the two,
// not the machine's load.
func (e *env) rqliteDrainQueues(large, rounds int) (small1k, largeRate *float64, err error) {
	if err := e.flush(); err != nil {
		return nil, nil, err
	}
	qs := rqlite.NewQueue("drain-1k", e.rdb, nil)
	if err := e.fillQueue(qs, 1000); err != nil {
		return nil, nil, err
	}
	queues := []*rqlite.Queue{qs}
	if large > 0 {
		e.logf("filling a queue with %s jobs...", thousands(large))
		ql := rqlite.NewQueue("drain-large", e.rdb, nil)
		if err := e.cloneFill(ql, large); err != nil {
			return nil, nil, err
		}
		queues = append(queues, ql)
	}
	totals := make([]time.Duration, len(queues))
	for r := range rounds {
		for i, q := range queues {
			if r > 0 {
				if err := enqueueBatch(e.ctx, q, 0, 1000); err != nil {
					return nil, nil, err
				}
			}
			w, err := rqlite.NewWorker(e.rdb, []string{q.Name}, &rqlite.WorkerOptions{Burst: true, MaxJobs: 1000, Logger: quietLogger()})
			if err != nil {
				return nil, nil, err
			}
			t0 := time.Now()
			if err := w.Work(e.ctx); err != nil {
				return nil, nil, err
			}
			totals[i] += time.Since(t0)
		}
	}
	rates := make([]*float64, 2)
	for i, q := range queues {
		done, err := q.Registry(rqlite.Finished).Count(e.ctx)
		if err != nil {
			return nil, nil, err
		}
		if done != int64(rounds*1000) {
			return nil, nil, fmt.Errorf("queue %s: %d jobs finished, want %d", q.Name, done, rounds*1000)
		}
		rates[i] = ptr(perSecond(rounds*1000, totals[i]))
	}
	return rates[0], rates[1], nil
}

// statsTimes are the median times of Queue.Stats, the work of `rq stats`
// for each queue (the command adds a connection and its printing), for a
// queue whose queue and registries hold `small` jobs each, and for one
// whose hold `large` jobs each. The two are timed in turns, so that a
// change of the machine's load affects both alike.
func (e *env) statsTimes(small, large int) (smallMS, largeMS float64, err error) {
	if err := e.flush(); err != nil {
		return 0, 0, err
	}
	qs, err := e.statsQueue("stats-small", small)
	if err != nil {
		return 0, 0, err
	}
	ql, err := e.statsQueue("stats-large", large)
	if err != nil {
		return 0, 0, err
	}
	const runs = 100
	var ts, tl []float64
	for i := range runs + 5 {
		for _, m := range []struct {
			q     *rqlite.Queue
			times *[]float64
		}{{qs, &ts}, {ql, &tl}} {
			t0 := time.Now()
			if _, err := m.q.Stats(e.ctx); err != nil {
				return 0, 0, err
			}
			if i >= 5 {
				*m.times = append(*m.times, float64(time.Since(t0).Microseconds())/1000)
			}
		}
	}
	slices.Sort(ts)
	slices.Sort(tl)
	return round(percentile(ts, 50), 3), round(percentile(tl, 50), 3), nil
}

// statsQueue makes a queue whose queue and registries (finished, started,
// failed, deferred, scheduled) hold `entries` jobs each.
func (e *env) statsQueue(name string, entries int) (*rqlite.Queue, error) {
	q := rqlite.NewQueue(name, e.rdb, nil)
	if _, err := q.Enqueue(e.ctx, noop, 0); err != nil { // a real job heads the queue
		return nil, err
	}
	// The other entries are IDs alone, as the sizes are what matters;
	// their scores are in the future, so that no cleanup removes them.
	future := float64(time.Now().Add(24 * time.Hour).Unix())
	regs := []rqlite.RegistryKind{rqlite.Finished, rqlite.Started, rqlite.Failed, rqlite.Deferred, rqlite.Scheduled}
	const batch = 10_000
	for start := 0; start < entries; start += batch {
		end := min(entries, start+batch)
		if _, err := e.rdb.Pipelined(e.ctx, func(p redis.Pipeliner) error {
			ids := make([]any, 0, end-start)
			zs := make([]redis.Z, 0, end-start)
			for i := start; i < end; i++ {
				id := fmt.Sprintf("%s-%08d", name, i)
				ids = append(ids, id)
				zs = append(zs, redis.Z{Score: future, Member: id})
			}
			if start == 0 {
				ids = ids[1:] // the real job is one of the queue's entries
			}
			if len(ids) > 0 {
				p.RPush(e.ctx, q.Key(), ids...)
			}
			for _, k := range regs {
				p.ZAdd(e.ctx, q.Registry(k).Key(), zs...)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if n, err := q.Count(e.ctx); err != nil || n != int64(entries) {
		return nil, fmt.Errorf("queue %s holds %d jobs (%v), want %d", name, n, err, entries)
	}
	return q, nil
}
