package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// env is what the measurements share.
type env struct {
	ctx      context.Context
	cfg      *config
	rdb      *redis.Client
	opts     *redis.Options
	progress io.Writer
	failed   int

	helperDir string // the programs built by helpers
	helperErr error
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.progress, "bench: "+format+"\n", args...)
}

// fail reports a measurement that could not be made.
func (e *env) fail(what string, err error) {
	e.failed++
	fmt.Fprintf(e.progress, "bench: %s: FAILED: %v\n", what, err)
}

// together runs f(0) to f(n-1) on n goroutines and returns their errors
// joined.
func together(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// flush empties the database of the URL, and only that one.
func (e *env) flush() error { return e.rdb.FlushDB(e.ctx).Err() }

// perSecond is a throughput, rounded to whole jobs.
func perSecond(jobs int, d time.Duration) float64 {
	return round(float64(jobs)/d.Seconds(), 0)
}

// wanted reports whether the figure called name is to be measured (-only).
func (e *env) wanted(name string) bool {
	return e.cfg.only == nil || e.cfg.only.MatchString(name)
}

// figure runs one measurement and stores its result in *dst, logging it;
// a failure leaves *dst nil.
func (e *env) figure(name, unit string, dst **float64, f func() (float64, error)) {
	if !e.wanted(name) {
		return
	}
	t0 := time.Now()
	v, err := f()
	if err != nil {
		e.fail(name, err)
		return
	}
	*dst = &v
	e.logf("%-40s %12.3f %-6s (%.1f s)", name, v, unit, time.Since(t0).Seconds())
}

// rated is one throughput figure of a group.
type rated struct {
	name string
	dst  **float64
	f    func() (float64, error)
}

// rates measures figures that are compared with each other (rqlite and its
// peers doing the same thing) in turns: with -repeat K, K rounds, each
// running every figure once, in the opposite order to the round before, so
// that a drift of the machine's speed during the run weighs on all of them
// alike. Each figure is the median of its K measurements; one that fails
// is reported and left out of the rounds that follow.
func (e *env) rates(figures ...rated) {
	var todo []rated
	for _, r := range figures {
		if r.dst != nil && e.wanted(r.name) {
			todo = append(todo, r)
		}
	}
	k := max(e.cfg.repeat, 1)
	values := make([][]float64, len(todo))
	failed := make([]bool, len(todo))
	took := make([]time.Duration, len(todo))
	for round := range k {
		for j := range todo {
			i := j
			if round%2 == 1 {
				i = len(todo) - 1 - j
			}
			if failed[i] {
				continue
			}
			t0 := time.Now()
			v, err := todo[i].f()
			took[i] += time.Since(t0)
			if err != nil {
				e.fail(todo[i].name, err)
				failed[i] = true
				continue
			}
			values[i] = append(values[i], v)
		}
	}
	for i, r := range todo {
		if failed[i] {
			continue
		}
		vs := values[i]
		slices.Sort(vs)
		m := vs[(k-1)/2]
		if k%2 == 0 {
			m = round((vs[k/2-1]+vs[k/2])/2, 0)
		}
		*r.dst = &m
		if k == 1 {
			e.logf("%-40s %12.3f jobs/s (%.1f s)", r.name, m, took[i].Seconds())
		} else {
			e.logf("%-40s %12.3f jobs/s (median of %v, %.1f s)", r.name, m, vs, took[i].Seconds())
		}
	}
}

// concurrencyLevels are the points of the plot.
var concurrencyLevels = []int{1, 2, 4, 10}

// measure makes every measurement of the run.
func (e *env) measure(r *Results) {
	c := e.cfg
	n := c.n
	sweep := !c.quick || c.plot != ""
	points := map[int]*ConcurrencyPoint{}
	if sweep {
		for _, w := range concurrencyLevels {
			r.Concurrency = append(r.Concurrency, ConcurrencyPoint{Workers: w})
		}
		for i := range r.Concurrency {
			points[r.Concurrency[i].Workers] = &r.Concurrency[i]
		}
	}

	// Python RQ, on N/10 jobs (it is much slower), when it is installed.
	r.PythonN = max(n/10, 100)
	pn := r.PythonN
	py, why := findPythonRQ(c.python)
	switch {
	case c.quick:
		r.PythonRQ, py = "skipped (-quick)", nil
	case !e.wanted("Python RQ"):
		r.PythonRQ, py = "skipped (-only)", nil
	case py == nil:
		r.PythonRQ = why
		e.logf("Python RQ: %s", why)
	default:
		defer py.close()
		r.PythonRQ = py.version
	}
	// pyFigure is a Python RQ figure, or none (nil dst) without Python RQ.
	pyFigure := func(name string, dst **float64, f func(p *pythonRQ) (float64, error)) rated {
		if py == nil {
			return rated{name: name}
		}
		return rated{name, dst, func() (float64, error) { return f(py) }}
	}

	// Throughput: each group holds the figures compared in the targets,
	// measured in turns.
	e.rates(
		rated{"Redis round trips (PING)", &r.RoundTrip, e.pingRate},
		rated{"rqlite enqueue", &r.Enqueue, e.rqliteEnqueue},
		rated{"rqlite enqueue, 16 goroutines", &r.Enqueue16, e.rqliteEnqueue16},
		rated{"Redis: EnqueueMany's commands, bare", &r.EnqueueManyCeiling, e.enqueueManyCeiling},
		rated{"rqlite EnqueueMany", &r.EnqueueMany, e.rqliteEnqueueMany},
		rated{"asynq enqueue", &r.AsynqEnqueue, e.asynqEnqueue},
		rated{"asynq enqueue, 16 goroutines", &r.AsynqEnqueue16, e.asynqEnqueue16},
		pyFigure("Python RQ enqueue", &r.RQEnqueue, func(p *pythonRQ) (float64, error) { return e.pyEnqueue(p, pn) }),
	)
	e.rates(
		rated{"Redis: RQ's writes per job (script)", &r.RQWritesFloor, func() (float64, error) { return e.rqWritesRate(1) }},
		rated{"rqlite worker", &r.Worker, func() (float64, error) { return e.rqliteDrain(n, 1, false) }},
		rated{"asynq concurrency 1", &r.AsynqC1, func() (float64, error) { return e.asynqDrain(n, 1) }},
		pyFigure("Python RQ SimpleWorker", &r.RQSimpleWorker, func(p *pythonRQ) (float64, error) { return e.pyDrain(p, pn, "simple", 1) }),
	)
	e.rates(
		rated{"Redis: RQ's writes per job, 10 clients", &r.RQWritesFloor10, func() (float64, error) { return e.rqWritesRate(10) }},
		rated{"rqlite worker-pool -n 10", &r.Pool10, func() (float64, error) { return e.rqliteDrain(n, 10, false) }},
		rated{"asynq concurrency 10", &r.AsynqC10, func() (float64, error) { return e.asynqDrain(n, 10) }},
	)
	e.rates(
		rated{"rqlite isolated worker", &r.Isolated, func() (float64, error) { return e.rqliteDrain(n, 1, true) }},
		pyFigure("Python RQ Worker (fork)", &r.RQWorker, func(p *pythonRQ) (float64, error) { return e.pyDrain(p, pn, "fork", 1) }),
	)
	if sweep {
		points[1].Rqlite, points[10].Rqlite = r.Worker, r.Pool10
		points[1].Asynq, points[10].Asynq = r.AsynqC1, r.AsynqC10
		points[1].PythonRQ = r.RQSimpleWorker
		for _, w := range []int{2, 4, 10} {
			var figures []rated
			if w != 10 {
				figures = append(figures,
					rated{fmt.Sprintf("rqlite worker-pool -n %d", w), &points[w].Rqlite, func() (float64, error) { return e.rqliteDrain(n, w, false) }},
					rated{fmt.Sprintf("asynq concurrency %d", w), &points[w].Asynq, func() (float64, error) { return e.asynqDrain(n, w) }})
			}
			figures = append(figures, pyFigure(fmt.Sprintf("Python RQ %d SimpleWorkers", w), &points[w].PythonRQ,
				func(p *pythonRQ) (float64, error) { return e.pyDrain(p, pn, "simple", w) }))
			e.rates(figures...)
		}
	}

	// Latency and memory.
	samples := 1000
	if c.quick {
		samples = 100
	}
	r.LatencySamples = samples
	if !e.wanted("rqlite latency") {
		// skipped (-only)
	} else if p50, p99, err := e.rqliteLatency(samples); err != nil {
		e.fail("rqlite latency", err)
	} else {
		r.LatencyP50, r.LatencyP99 = &p50, &p99
		e.logf("%-40s %12.3f ms, p99 %.3f ms", "rqlite enqueue→start p50", p50, p99)
	}
	e.figure("rqlite idle worker RSS", "MB", &r.WorkerRSS, func() (float64, error) { return e.rqliteRSS(1) })
	e.figure("rqlite idle worker-pool -n 10 RSS", "MB", &r.Pool10RSS, func() (float64, error) { return e.rqliteRSS(10) })
	e.figure("asynq idle server RSS, concurrency 1", "MB", &r.AsynqC1RSS, func() (float64, error) { return e.asynqRSS(1) })
	e.figure("asynq idle server RSS, concurrency 10", "MB", &r.AsynqC10RSS, func() (float64, error) { return e.asynqRSS(10) })
	if py != nil {
		e.figure("Python RQ idle SimpleWorker RSS", "MB", &r.RQWorkerRSS, func() (float64, error) { return e.pyRSS(py) })
	}

	// Scale.
	r.DrainJobs = min(max(n/1000, 5), 20) * 1000
	if c.quick {
		r.DrainJobs = 2000
	}
	rounds := r.DrainJobs / 1000
	large := 0
	if c.scale {
		large = 1_000_000
	}
	t0 := time.Now()
	var err error
	if !e.wanted("rqlite drain") {
		// skipped (-only)
	} else if r.Drain1k, r.Drain1M, err = e.rqliteDrainQueues(large, rounds); err != nil {
		e.fail("rqlite drain", err)
	} else {
		e.logf("%-40s %12.3f jobs/s, 1,000,000 queued: %s jobs/s (%.1f s)", "rqlite drain, 1,000 queued", *r.Drain1k, rate(r.Drain1M), time.Since(t0).Seconds())
	}
	r.StatsSmallEntries, r.StatsLargeEntries = 10, 100_000
	switch {
	case c.scale:
		r.StatsLargeEntries = 1_000_000
	case c.quick:
		r.StatsLargeEntries = 10_000
	}
	t0 = time.Now()
	if !e.wanted("rq stats") {
		// skipped (-only)
	} else if small, large, err := e.statsTimes(r.StatsSmallEntries, r.StatsLargeEntries); err != nil {
		e.fail("rq stats", err)
	} else {
		r.StatsSmall, r.StatsLarge = &small, &large
		e.logf("%-40s %12.3f ms, %s entries: %.3f ms (%.1f s)", fmt.Sprintf("rq stats, %d entries", r.StatsSmallEntries),
			small, thousands(r.StatsLargeEntries), large, time.Since(t0).Seconds())
	}
}
