package main

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Results are the figures of one run. A figure that was not measured (a
// peer that is not installed, a -scale figure without -scale) is null.
type Results struct {
	N         int     `json:"n"`        // jobs per rqlite and asynq throughput figure
	PythonN   int     `json:"python_n"` // jobs per Python RQ figure
	Quick     bool    `json:"quick"`
	Scale     bool    `json:"scale"`
	Repeat    int     `json:"repeat"` // measurements per throughput figure, whose median is shown
	GoVersion string  `json:"go_version"`
	Platform  string  `json:"platform"`
	CPUs      int     `json:"cpus"`
	Redis     string  `json:"redis_version"`
	Asynq     string  `json:"asynq_version"`
	PythonRQ  string  `json:"python_rq"` // RQ's version, or why it was not measured
	Seconds   float64 `json:"seconds"`   // how long the run took

	// Redis itself, one call at a time from each client: PING round
	// trips, and a worker's writes per job in RQ's layout as one bare
	// script, from one client and from ten at once.
	RoundTrip       *float64 `json:"round_trip_per_s"`
	RQWritesFloor   *float64 `json:"rq_writes_per_s"`
	RQWritesFloor10 *float64 `json:"rq_writes_10_per_s"`
	// The commands of EnqueueMany for batches of 1,000 no-op jobs, built
	// before the clock starts and sent as bare pipelines, one at a time.
	EnqueueManyCeiling *float64 `json:"enqueue_many_ceiling_per_s"`

	// rqlite.
	Enqueue        *float64 `json:"enqueue_per_s"`
	EnqueueMany    *float64 `json:"enqueue_many_per_s"`
	Enqueue16      *float64 `json:"enqueue16_per_s"` // Queue.Enqueue from 16 goroutines at once
	Worker         *float64 `json:"worker_per_s"`
	Pool10         *float64 `json:"pool10_per_s"`
	Isolated       *float64 `json:"isolated_per_s"`
	LatencyP50     *float64 `json:"latency_p50_ms"`
	LatencyP99     *float64 `json:"latency_p99_ms"`
	LatencySamples int      `json:"latency_samples"`
	WorkerRSS      *float64 `json:"worker_rss_mb"`
	Pool10RSS      *float64 `json:"pool10_rss_mb"`

	// asynq.
	AsynqEnqueue   *float64 `json:"asynq_enqueue_per_s"`
	AsynqEnqueue16 *float64 `json:"asynq_enqueue16_per_s"` // one client's Enqueue from 16 goroutines at once
	AsynqC1        *float64 `json:"asynq_c1_per_s"`
	AsynqC10       *float64 `json:"asynq_c10_per_s"`
	AsynqC1RSS     *float64 `json:"asynq_c1_rss_mb"`
	AsynqC10RSS    *float64 `json:"asynq_c10_rss_mb"`

	// Python RQ.
	RQEnqueue      *float64 `json:"rq_enqueue_per_s"`
	RQSimpleWorker *float64 `json:"rq_simpleworker_per_s"`
	RQWorker       *float64 `json:"rq_worker_per_s"`
	RQWorkerRSS    *float64 `json:"rq_worker_rss_mb"`

	// Scale: draining with 1,000 and 1,000,000 jobs queued, and rq stats
	// with small and large registries.
	DrainJobs         int      `json:"drain_jobs"` // jobs drained for each drain figure
	Drain1k           *float64 `json:"drain_1k_per_s"`
	Drain1M           *float64 `json:"drain_1m_per_s"`
	StatsSmall        *float64 `json:"stats_small_ms"`
	StatsLarge        *float64 `json:"stats_large_ms"`
	StatsSmallEntries int      `json:"stats_small_entries"` // jobs in the queue and in each registry
	StatsLargeEntries int      `json:"stats_large_entries"`

	// Throughput against concurrency, for the plot.
	Concurrency []ConcurrencyPoint `json:"concurrency"`

	Targets []Target `json:"targets"`
}

// ConcurrencyPoint is the drain rate (jobs/s) of each system with a number
// of workers: a WorkerPool for rqlite, a server's concurrency for asynq,
// SimpleWorker processes for Python RQ.
type ConcurrencyPoint struct {
	Workers  int      `json:"workers"`
	Rqlite   *float64 `json:"rqlite"`
	Asynq    *float64 `json:"asynq"`
	PythonRQ *float64 `json:"python_rq"`
}

// renderTable is the text report of r. It depends only on r, so that a
// saved JSON reproduces its saved table.
func renderTable(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rqlite bench: N=%s jobs per figure (Python RQ: %s), %s %s, %d CPUs, Redis %s\n",
		thousands(r.N), thousands(r.PythonN), r.GoVersion, r.Platform, r.CPUs, r.Redis)
	fmt.Fprintf(&b, "peers: asynq %s, Python RQ %s\n", r.Asynq, r.PythonRQ)

	if r.Repeat > 1 {
		fmt.Fprintf(&b, "each throughput is the median of %d measurements\n", r.Repeat)
	}
	b.WriteString("\nThroughput, no-op jobs (jobs/s)\n")
	writeTable(&b, [][]string{
		{"", "rqlite", "asynq", "Python RQ"},
		{"enqueue, one call at a time", rate(r.Enqueue), rate(r.AsynqEnqueue), rate(r.RQEnqueue)},
		{"enqueue from 16 goroutines at once", rate(r.Enqueue16), rate(r.AsynqEnqueue16), ""},
		{"EnqueueMany, batches of 1,000", rate(r.EnqueueMany), "", ""},
		{"one worker, one job at a time¹", rate(r.Worker), rate(r.AsynqC1), rate(r.RQSimpleWorker)},
		{"10 jobs at a time²", rate(r.Pool10), rate(r.AsynqC10), ""},
		{"a process per job³", rate(r.Isolated), "", rate(r.RQWorker)},
	})
	b.WriteString("¹ rqlite Worker, asynq concurrency 1, Python RQ SimpleWorker; all in burst mode\n")
	b.WriteString("² rqlite WorkerPool of 10, asynq concurrency 10\n")
	b.WriteString("³ rqlite Worker with Isolated: true (work horse processes), Python RQ Worker (a fork per job)\n")
	if r.RoundTrip != nil || r.RQWritesFloor != nil || r.RQWritesFloor10 != nil || r.EnqueueManyCeiling != nil {
		b.WriteString("\nCeilings: Redis alone, each Go client making one call at a time (jobs/s)\n")
		writeTable(&b, [][]string{
			{"PING round trips, one client: no enqueue that waits for its reply goes faster", rate(r.RoundTrip)},
			{"EnqueueMany's commands for 1,000 jobs as a bare pipeline, one client: no EnqueueMany goes faster", rate(r.EnqueueManyCeiling)},
			{"RQ's writes for one job as one bare script, one client: no single RQ worker goes faster", rate(r.RQWritesFloor)},
			{"the same script, ten clients at once: no pool of RQ workers goes faster", rate(r.RQWritesFloor10)},
		})
	}

	if len(r.Concurrency) > 0 {
		b.WriteString("\nThroughput against concurrency (jobs/s)\n")
		rows := [][]string{{"workers", "rqlite", "asynq", "Python RQ"}}
		for _, p := range r.Concurrency {
			rows = append(rows, []string{fmt.Sprint(p.Workers), rate(p.Rqlite), rate(p.Asynq), rate(p.PythonRQ)})
		}
		writeTable(&b, rows)
		b.WriteString("rqlite: WorkerPool; asynq: server concurrency; Python RQ: SimpleWorker processes\n")
	}

	b.WriteString("\nLatency and memory\n")
	writeTable(&b, [][]string{
		{"", "rqlite", "asynq", "Python RQ"},
		{fmt.Sprintf("enqueue→start, idle worker, p50 (%d samples)", r.LatencySamples), num(r.LatencyP50, 3, " ms"), "", ""},
		{"enqueue→start, idle worker, p99", num(r.LatencyP99, 3, " ms"), "", ""},
		{"RSS, idle worker (asynq: concurrency 1)", num(r.WorkerRSS, 1, " MB"), num(r.AsynqC1RSS, 1, " MB"), num(r.RQWorkerRSS, 1, " MB")},
		{"RSS, idle worker-pool -n 10 (asynq: 10)", num(r.Pool10RSS, 1, " MB"), num(r.AsynqC10RSS, 1, " MB"), ""},
	})

	b.WriteString("\nScale (rqlite)\n")
	writeTable(&b, [][]string{
		{fmt.Sprintf("drain rate, 1,000 jobs queued (%s drained)", thousands(r.DrainJobs)), rate(r.Drain1k) + " jobs/s"},
		{fmt.Sprintf("drain rate, 1,000,000 jobs queued (%s drained)", thousands(r.DrainJobs)), rate(r.Drain1M) + " jobs/s"},
		{fmt.Sprintf("rq stats, %s entries per registry (median)", thousands(r.StatsSmallEntries)), num(r.StatsSmall, 3, " ms")},
		{fmt.Sprintf("rq stats, %s entries per registry (median)", thousands(r.StatsLargeEntries)), num(r.StatsLarge, 3, " ms")},
	})

	writeTargets(&b, r.Targets)
	return b.String()
}

// trimZeros drops the trailing zeros of a decimal number: 1.50 → 1.5.
func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// rate formats a throughput, "-" when unknown.
func rate(v *float64) string {
	if v == nil {
		return "-"
	}
	return thousands(int(math.Round(*v)))
}

// num formats v with the given decimals and suffix, "-" when unknown.
func num(v *float64, decimals int, suffix string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.*f%s", decimals, *v, suffix)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func ptr(v float64) *float64 { return &v }

// round rounds v to the given decimals.
func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// writeTable writes rows as aligned columns: the first one to the left,
// the others to the right, three spaces apart.
func writeTable(b *strings.Builder, rows [][]string) { writeAligned(b, rows, "l") }

// writeAligned writes rows as columns three spaces apart, aligned to the
// left or right as align says for each column ('l' or 'r'; 'r' for the
// columns it does not name, after the first).
func writeAligned(b *strings.Builder, rows [][]string, align string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				line.WriteString("   ")
			}
			if i < len(align) && align[i] == 'l' {
				line.WriteString(cell + pad)
			} else {
				line.WriteString(pad + cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
