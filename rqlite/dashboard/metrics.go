package dashboard

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// scrapeTimeout bounds the Redis calls of one scrape.
const scrapeTimeout = 10 * time.Second

var (
	jobsDesc = prometheus.NewDesc("rq_jobs",
		"Jobs of each queue by status: waiting in the queue (queued) or in each of its registries.",
		[]string{"queue", "status"}, nil)
	workersDesc = prometheus.NewDesc("rq_workers",
		"Workers listening on each queue, by state.",
		[]string{"queue", "state"}, nil)
	workersTotalDesc = prometheus.NewDesc("rq_workers_total",
		"Registered workers.",
		nil, nil)
	successfulDesc = prometheus.NewDesc("rq_worker_successful_jobs_total",
		"Jobs each worker has run successfully, as it counts them in Redis.",
		[]string{"worker", "queues"}, nil)
	failedDesc = prometheus.NewDesc("rq_worker_failed_jobs_total",
		"Jobs that failed in each worker, as it counts them in Redis.",
		[]string{"worker", "queues"}, nil)
	workingDesc = prometheus.NewDesc("rq_worker_working_seconds_total",
		"Seconds each worker has spent running jobs.",
		[]string{"worker", "queues"}, nil)
	limitDesc = prometheus.NewDesc("rq_concurrency_limit",
		"The most jobs of a queue or of a task that may run at once, for each concurrency limit set.",
		[]string{"kind", "name"}, nil)
	runningDesc = prometheus.NewDesc("rq_concurrency_running",
		"Slots of each concurrency limit held by running jobs.",
		[]string{"kind", "name"}, nil)
	unlistedDesc = prometheus.NewDesc("rq_unlisted",
		"Queues or workers that Redis lists beyond the 1,000 of each that a scrape reads: they have no series.",
		[]string{"kind"}, nil)
)

// A collector reads the metrics from Redis at each scrape.
type collector struct {
	rdb    redis.UniversalClient
	queues []string
}

// NewCollector returns a Prometheus collector of the queues on rdb (nil
// queues: every queue Redis knows of), which reads Redis at each scrape:
//
//	rq_jobs{queue,status}                       jobs queued and in each registry
//	rq_workers{queue,state}                     workers of each queue by state
//	rq_workers_total                            workers
//	rq_worker_successful_jobs_total{worker,queues}
//	rq_worker_failed_jobs_total{worker,queues}  each worker's counters
//	rq_worker_working_seconds_total{worker,queues}
//	rq_concurrency_limit{kind,name}             each concurrency limit set
//	rq_concurrency_running{kind,name}           its slots held by running jobs
//	rq_unlisted{kind}                           queues or workers not read
//
// The status label takes the values queued, started, deferred, scheduled,
// finished, failed and canceled. Label values are UTF-8, as Prometheus
// wants them: a name from Redis that is not has each of its invalid bytes
// written \xNN, so that queue "q\xff" is labeled `q\xff`; should two
// names come out the same, only the first one's series are sent. As RQ's counts do, a scrape first cleans
// the expired entries of the registries. A scrape reads at most 1,000
// queues and 1,000 workers, whatever Redis holds; rq_unlisted, with kind
// queue or worker, says how many more there are. The dashboard serves these
// metrics at /metrics; register the collector yourself to serve them with
// a program's own.
func NewCollector(rdb redis.UniversalClient, queues []string) prometheus.Collector {
	return &collector{rdb: rdb, queues: slices.Clone(queues)}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{jobsDesc, workersDesc, workersTotalDesc, successfulDesc, failedDesc, workingDesc, limitDesc, runningDesc, unlistedDesc} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if err := c.collect(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	}
}

func (c *collector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	names := c.queues
	if names == nil {
		var more int64
		var err error
		if names, more, err = rqlite.ListQueues(ctx, c.rdb, maxListed); err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(unlistedDesc, prometheus.GaugeValue, float64(more), "queue")
	}
	seen := map[string]bool{} // labels, which two names may share once escaped
	for _, name := range names {
		counts, err := readCounts(ctx, rqlite.NewQueue(name, c.rdb, nil))
		if err != nil {
			return err
		}
		if seen[label(name)] {
			continue
		}
		seen[label(name)] = true
		for _, list := range lists {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts.count(list)), label(name), list)
		}
	}
	if err := c.collectWorkers(ctx, ch, names); err != nil {
		return err
	}
	return c.collectLimits(ctx, ch, names)
}

// collectLimits sends the concurrency limits: those of the queues names,
// and those of every task. A value that is not a limit has no series.
func (c *collector) collectLimits(ctx context.Context, ch chan<- prometheus.Metric, names []string) error {
	limits, err := rqlite.ConcurrencyLimits(ctx, c.rdb)
	if err != nil {
		return err
	}
	sent := map[[2]string]bool{}
	for _, l := range limits {
		k := [2]string{string(l.Kind), label(l.Name)}
		if l.Max == 0 || sent[k] || l.Kind == rqlite.LimitQueue && !slices.Contains(names, l.Name) {
			continue
		}
		sent[k] = true
		ch <- prometheus.MustNewConstMetric(limitDesc, prometheus.GaugeValue, float64(l.Max), k[0], k[1])
		ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, float64(l.InUse), k[0], k[1])
	}
	return nil
}

// collectWorkers sends the metrics of the workers of the queues names.
// Every label goes through label: Redis may hold names that are not UTF-8.
func (c *collector) collectWorkers(ctx context.Context, ch chan<- prometheus.Metric, names []string) error {
	workers, more, err := rqlite.ListWorkers(ctx, c.rdb, "", maxListed)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(unlistedDesc, prometheus.GaugeValue, float64(more), "worker")
	// Every queue has its idle and busy series, even at zero.
	shown := map[string]bool{}
	byState := map[[2]string]int{}
	for _, name := range names {
		shown[name] = true
		byState[[2]string{label(name), "idle"}] = 0
		byState[[2]string{label(name), "busy"}] = 0
	}
	total := 0
	sent := map[string]bool{}
	for _, w := range workers {
		mine := false
		for _, q := range w.Queues {
			if shown[q] {
				byState[[2]string{label(q), label(w.State)}]++
				mine = true
			}
		}
		if !mine && c.queues != nil {
			continue // a worker of other queues
		}
		total++
		name, queues := label(w.Name), label(strings.Join(w.Queues, ","))
		if sent[name] {
			continue
		}
		sent[name] = true
		ch <- prometheus.MustNewConstMetric(successfulDesc, prometheus.CounterValue, float64(w.SuccessfulJobs), name, queues)
		ch <- prometheus.MustNewConstMetric(failedDesc, prometheus.CounterValue, float64(w.FailedJobs), name, queues)
		ch <- prometheus.MustNewConstMetric(workingDesc, prometheus.CounterValue, w.TotalWorkingTime, name, queues)
	}
	for k, n := range byState {
		ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	ch <- prometheus.MustNewConstMetric(workersTotalDesc, prometheus.GaugeValue, float64(total))
	return nil
}
