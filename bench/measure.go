package main

import (
	"context"
	"fmt"
	"io"
	"slices"
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

// rate is figure for a throughput: with -repeat K, the median of K
// measurements.
func (e *env) rate(name string, dst **float64, f func() (float64, error)) {
	k := max(e.cfg.repeat, 1)
	if !e.wanted(name) {
		return
	}
	if k == 1 {
		e.figure(name, "jobs/s", dst, f)
		return
	}
	t0 := time.Now()
	vs := make([]float64, 0, k)
	for range k {
		v, err := f()
		if err != nil {
			e.fail(name, err)
			return
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	m := vs[(k-1)/2]
	if k%2 == 0 {
		m = round((vs[k/2-1]+vs[k/2])/2, 0)
	}
	*dst = &m
	e.logf("%-40s %12.3f jobs/s (median of %v, %.1f s)", name, m, vs, time.Since(t0).Seconds())
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

	// rqlite.
	e.rate("rqlite enqueue", &r.Enqueue, e.rqliteEnqueue)
	e.rate("rqlite EnqueueMany", &r.EnqueueMany, e.rqliteEnqueueMany)
	e.rate("rqlite worker", &r.Worker, func() (float64, error) { return e.rqliteDrain(n, 1, false) })
	e.rate("rqlite worker-pool -n 10", &r.Pool10, func() (float64, error) { return e.rqliteDrain(n, 10, false) })
	e.rate("rqlite isolated worker", &r.Isolated, func() (float64, error) { return e.rqliteDrain(n, 1, true) })
	if sweep {
		points[1].Rqlite, points[10].Rqlite = r.Worker, r.Pool10
		for _, w := range []int{2, 4} {
			e.rate(fmt.Sprintf("rqlite worker-pool -n %d", w), &points[w].Rqlite, func() (float64, error) { return e.rqliteDrain(n, w, false) })
		}
	}
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

	// asynq.
	e.rate("asynq enqueue", &r.AsynqEnqueue, e.asynqEnqueue)
	e.rate("asynq concurrency 1", &r.AsynqC1, func() (float64, error) { return e.asynqDrain(n, 1) })
	e.rate("asynq concurrency 10", &r.AsynqC10, func() (float64, error) { return e.asynqDrain(n, 10) })
	if sweep {
		points[1].Asynq, points[10].Asynq = r.AsynqC1, r.AsynqC10
		for _, w := range []int{2, 4} {
			e.rate(fmt.Sprintf("asynq concurrency %d", w), &points[w].Asynq, func() (float64, error) { return e.asynqDrain(n, w) })
		}
	}
	e.figure("asynq idle server RSS, concurrency 1", "MB", &r.AsynqC1RSS, func() (float64, error) { return e.asynqRSS(1) })
	e.figure("asynq idle server RSS, concurrency 10", "MB", &r.AsynqC10RSS, func() (float64, error) { return e.asynqRSS(10) })

	// Python RQ, on N/10 jobs: it is much slower.
	r.PythonN = max(n/10, 100)
	py, why := findPythonRQ(c.python)
	switch {
	case c.quick:
		r.PythonRQ = "skipped (-quick)"
	case !e.wanted("Python RQ"):
		r.PythonRQ = "skipped (-only)"
	case py == nil:
		r.PythonRQ = why
		e.logf("Python RQ: %s", why)
	default:
		defer py.close()
		r.PythonRQ = py.version
		pn := r.PythonN
		e.rate("Python RQ enqueue", &r.RQEnqueue, func() (float64, error) { return e.pyEnqueue(py, pn) })
		e.rate("Python RQ SimpleWorker", &r.RQSimpleWorker, func() (float64, error) { return e.pyDrain(py, pn, "simple", 1) })
		e.rate("Python RQ Worker (fork)", &r.RQWorker, func() (float64, error) { return e.pyDrain(py, pn, "fork", 1) })
		if sweep {
			points[1].PythonRQ = r.RQSimpleWorker
			for _, w := range []int{2, 4, 10} {
				e.rate(fmt.Sprintf("Python RQ %d SimpleWorkers", w), &points[w].PythonRQ, func() (float64, error) { return e.pyDrain(py, pn, "simple", w) })
			}
		}
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
