package dashboard_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// scrape reads the metrics of the dashboard, in the text format, as
// Prometheus would.
func (e *env) scrape() map[string]*dto.MetricFamily {
	e.t.Helper()
	resp := e.request(http.MethodGet, "/rq/metrics", nil, func(r *http.Request) {
		r.Header.Set("Accept", "text/plain; version=0.0.4")
	})
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		e.t.Fatalf("GET /rq/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	must(e.t, err)
	return fams
}

// values returns the samples of a family as "label=value,...: value".
func values(f *dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	if f == nil {
		return out
	}
	for _, m := range f.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(labels)
		var v float64
		switch {
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		}
		out[strings.Join(labels, ",")] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.populate()
	fams := e.scrape()

	jobs := values(fams["rq_jobs"])
	for key, want := range map[string]float64{
		"queue=alpha,status=queued":    2,
		"queue=alpha,status=deferred":  1,
		"queue=alpha,status=scheduled": 1,
		"queue=alpha,status=canceled":  1,
		"queue=alpha,status=failed":    0,
		"queue=beta,status=finished":   1,
		"queue=beta,status=failed":     1,
		"queue=beta,status=queued":     0,
		"queue=gamma,status=started":   1,
	} {
		if got, ok := jobs[key]; !ok || got != want {
			t.Errorf("rq_jobs{%s} = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if n := len(jobs); n != 3*7 {
		t.Errorf("rq_jobs has %d series, want 21", n)
	}
	if f := fams["rq_jobs"]; f.GetType() != dto.MetricType_GAUGE {
		t.Errorf("rq_jobs is a %v", f.GetType())
	}

	workers := values(fams["rq_workers"])
	for key, want := range map[string]float64{
		"queue=gamma,state=busy": 1,
		"queue=gamma,state=idle": 0,
		"queue=alpha,state=busy": 0,
	} {
		if got, ok := workers[key]; !ok || got != want {
			t.Errorf("rq_workers{%s} = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if got := values(fams["rq_workers_total"])[""]; got != 1 {
		t.Errorf("rq_workers_total = %v, want 1", got)
	}

	// Worker counters: the busy worker has run nothing yet; another one
	// runs two jobs, and one of them fails.
	e.enqueue("delta", "test.echo", "ok")
	ko := e.enqueue("delta", "test.fail", "ko")
	e.startWorker("counting-worker", "delta")
	e.waitStatus(ko.ID, rqlite.StatusFailed)
	rqtest.WaitFor(t, 20*time.Second, "the worker counters", func() bool {
		c := values(e.scrape()["rq_worker_failed_jobs_total"])
		return c["queues=delta,worker=counting-worker"] == 1
	})
	fams = e.scrape()
	successful := values(fams["rq_worker_successful_jobs_total"])
	failed := values(fams["rq_worker_failed_jobs_total"])
	if successful["queues=delta,worker=counting-worker"] != 1 || failed["queues=delta,worker=counting-worker"] != 1 {
		t.Errorf("counters of counting-worker: %v successful, %v failed", successful, failed)
	}
	if v, has := successful["queues=gamma,worker=busy-worker"]; !has || v != 0 {
		t.Errorf("busy-worker's successful counter: %v (present %v)", v, has)
	}
	if f := fams["rq_worker_successful_jobs_total"]; f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("rq_worker_successful_jobs_total is a %v", f.GetType())
	}
	if _, has := fams["rq_worker_working_seconds_total"]; !has {
		t.Error("no rq_worker_working_seconds_total")
	}
	if got := values(fams["rq_workers_total"])[""]; got != 2 {
		t.Errorf("rq_workers_total = %v, want 2", got)
	}
}

func TestMetricsOfSomeQueues(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Queues: []string{"gamma", "nothing-yet"}})
	e.populate()
	fams := e.scrape()
	jobs := values(fams["rq_jobs"])
	if n := len(jobs); n != 2*7 {
		t.Errorf("rq_jobs has %d series, want 14: %v", n, jobs)
	}
	if jobs["queue=gamma,status=started"] != 1 || jobs["queue=nothing-yet,status=queued"] != 0 {
		t.Errorf("rq_jobs: %v", jobs)
	}
	if _, has := jobs["queue=alpha,status=queued"]; has {
		t.Error("rq_jobs shows a queue left out")
	}
	if got := values(fams["rq_workers_total"])[""]; got != 1 {
		t.Errorf("rq_workers_total = %v, want 1", got)
	}
}

func TestMetricsRedisDown(t *testing.T) {
	e := newEnv(t, nil)
	e.rdb.Close()
	resp := e.request(http.MethodGet, "/rq/metrics", nil, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /rq/metrics without Redis: %d, want 500", resp.StatusCode)
	}
}
