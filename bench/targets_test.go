package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// target returns the target of ts called name whose first term is label.
func target(t *testing.T, ts []Target, name, label string) Target {
	t.Helper()
	for _, tg := range ts {
		if tg.Name == name && len(tg.Terms) > 0 && tg.Terms[0].Label == label {
			return tg
		}
	}
	t.Fatalf("no target %q with a term %q", name, label)
	return Target{}
}

func TestTargetBoundIsTheLowerTerm(t *testing.T) {
	for _, c := range []struct {
		ping, enqueue float64
		limit         float64
		binding       string
		status        string
		text          string
	}{
		{20000, 13000, 13580, "asynq", statusFail,
			"≥ min(1.1× asynq 12,345/s, 0.9× PING 20,000/s) = 13,580/s: binding asynq"},
		{14000, 12600, 12600, "PING", statusPass,
			"≥ min(1.1× asynq 12,345/s, 0.9× PING 14,000/s) = 12,600/s: binding PING"},
	} {
		r := &Results{Enqueue: ptr(c.enqueue), AsynqEnqueue: ptr(12345), RoundTrip: ptr(c.ping)}
		tg := target(t, evaluate(r), "enqueue, one call at a time", "asynq")
		if tg.Limit == nil || *tg.Limit != c.limit || tg.Binding != c.binding || tg.Status != c.status {
			t.Errorf("PING %v: limit %v, binding %q, %s; want %v, %q, %s", c.ping, deref(tg.Limit), tg.Binding, tg.Status,
				c.limit, c.binding, c.status)
		}
		if got := bound(tg); got != c.text {
			t.Errorf("PING %v: bound %q, want %q", c.ping, got, c.text)
		}
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func TestTargetsOfTheNewFigures(t *testing.T) {
	r := &Results{Enqueue16: ptr(30000), AsynqEnqueue16: ptr(20000), EnqueueMany: ptr(70000), EnqueueManyCeiling: ptr(90000),
		AsynqEnqueue: ptr(8000)}
	ts := evaluate(r)
	for _, c := range []struct {
		name, label string
		limit       float64
		status      string
	}{
		{"enqueue from 16 goroutines at once", "asynq from 16 goroutines", 30000, statusPass}, // 1.5 × 20,000
		{"EnqueueMany, batches of 1,000", "bare pipeline", 72000, statusFail},                 // 0.8 × 90,000
		{"EnqueueMany, batches of 1,000", "asynq's enqueue", 80000, statusFail},               // 10 × 8,000
	} {
		tg := target(t, ts, c.name, c.label)
		if tg.Limit == nil || *tg.Limit != c.limit || tg.Status != c.status || tg.Binding != "" {
			t.Errorf("%s, %s: limit %v, %s, binding %q; want %v, %s, none", c.name, c.label, deref(tg.Limit), tg.Status, tg.Binding,
				c.limit, c.status)
		}
	}
}

func TestTargetsNotMeasuredOrNotComputable(t *testing.T) {
	r := &Results{Enqueue: ptr(9000), RoundTrip: ptr(10000), AsynqEnqueue16: ptr(20000), LatencyP50: ptr(0.41), LatencyP99: ptr(1.5)}
	ts := evaluate(r)
	// The figure is known, a term is not: the bound cannot be computed.
	tg := target(t, ts, "enqueue, one call at a time", "asynq")
	if tg.Status != statusNotComputable || tg.Limit != nil || tg.Binding != "" {
		t.Errorf("enqueue without asynq: %s, limit %v, binding %q", tg.Status, deref(tg.Limit), tg.Binding)
	}
	if got, want := bound(tg), "≥ min(1.1× asynq (not measured), 0.9× PING 10,000/s): not computable"; got != want {
		t.Errorf("bound %q, want %q", got, want)
	}
	// The bound is known, the figure is not.
	tg = target(t, ts, "enqueue from 16 goroutines at once", "asynq from 16 goroutines")
	if tg.Status != statusNotMeasured || tg.Limit == nil || *tg.Limit != 30000 {
		t.Errorf("enqueue16 without its figure: %s, limit %v", tg.Status, deref(tg.Limit))
	}
	// Round trips of 0.1 ms: p50 ≤ 0.4 ms, p99 ≤ 1.5 ms.
	p50 := target(t, ts, "enqueue→start latency, idle worker, p50", "PING round trip")
	p99 := target(t, ts, "enqueue→start latency, idle worker, p99", "PING round trip")
	if p50.Status != statusFail || *p50.Limit != 0.4 || p99.Status != statusPass || *p99.Limit != 1.5 {
		t.Errorf("latency: p50 %s ≤ %v, p99 %s ≤ %v", p50.Status, deref(p50.Limit), p99.Status, deref(p99.Limit))
	}
}

func TestTargetsAtMost(t *testing.T) {
	r := &Results{WorkerRSS: ptr(10.07), AsynqC1RSS: ptr(11.19), Pool10RSS: ptr(11.5), AsynqC10RSS: ptr(11.2),
		StatsSmall: ptr(0.2), StatsLarge: ptr(0.3)}
	ts := evaluate(r)
	for _, c := range []struct {
		name, label string
		limit       float64
		status      string
	}{
		{"idle worker RSS", "asynq c1", 10.07, statusPass}, // 0.9 × 11.19 = 10.071
		{"idle worker-pool -n 10 RSS", "asynq c10", 11.2, statusFail},
		{"rq stats time, large registries", "small registries", 0.3, statusPass}, // 1.5 × 0.2
	} {
		tg := target(t, ts, c.name, c.label)
		if tg.Limit == nil || *tg.Limit != c.limit || tg.Status != c.status {
			t.Errorf("%s: limit %v, %s; want %v, %s", c.name, deref(tg.Limit), tg.Status, c.limit, c.status)
		}
	}
}

// TestSavedResultsWithoutNewFigures checks that figures saved before the
// 16-goroutine and EnqueueMany-ceiling figures existed (the saved run
// without them) are reported as not measured, and the targets that need
// them as not computable.
func TestSavedResultsWithoutNewFigures(t *testing.T) {
	data, err := os.ReadFile("resultados.json")
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]any
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"enqueue16_per_s", "asynq_enqueue16_per_s", "enqueue_many_ceiling_per_s"} {
		delete(saved, k)
	}
	if data, err = json.Marshal(saved); err != nil {
		t.Fatal(err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	r.Targets = evaluate(&r)
	for _, c := range [][2]string{{"enqueue from 16 goroutines at once", "asynq from 16 goroutines"},
		{"EnqueueMany, batches of 1,000", "bare pipeline"}} {
		if tg := target(t, r.Targets, c[0], c[1]); tg.Status != statusNotComputable {
			t.Errorf("%s: %s, want %s", c[0], tg.Status, statusNotComputable)
		}
	}
	out := renderTable(&r)
	for _, want := range []string{
		"enqueue from 16 goroutines at once - -",
		"EnqueueMany's commands for 1,000 jobs as a bare pipeline, one client: no EnqueueMany goes faster -",
		"– enqueue from 16 goroutines at once not measured ≥ 1.5× asynq from 16 goroutines (not measured): not computable",
	} {
		if !hasLine(out, want) {
			t.Errorf("the table has no line %q (spaces aside):\n%s", want, out)
		}
	}
}

// hasLine reports whether text has a line whose words are those of want.
func hasLine(text, want string) bool {
	w := strings.Join(strings.Fields(want), " ")
	for line := range strings.Lines(text) {
		if strings.Join(strings.Fields(line), " ") == w {
			return true
		}
	}
	return false
}

func TestJSONHasTheNewFigures(t *testing.T) {
	data, err := json.Marshal(&Results{Enqueue16: ptr(1), AsynqEnqueue16: ptr(2), EnqueueManyCeiling: ptr(3)})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"enqueue16_per_s": 1, "asynq_enqueue16_per_s": 2, "enqueue_many_ceiling_per_s": 3} {
		if keys[k] != want {
			t.Errorf("%s = %v, want %v", k, keys[k], want)
		}
	}
}
