package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSavedResults checks the results that the documentation shows: the
// saved table is what this program prints for the saved JSON, and the
// targets in the JSON are those its figures meet.
func TestSavedResults(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "bench/resultados.json"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile(filepath.Join("..", "bench/resultados.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"enqueue_per_s", "enqueue_many_per_s", "worker_per_s", "pool10_per_s", "isolated_per_s",
		"latency_p50_ms", "latency_p99_ms", "worker_rss_mb", "pool10_rss_mb", "asynq_enqueue_per_s", "asynq_c1_per_s",
		"asynq_c10_per_s", "rq_enqueue_per_s", "rq_simpleworker_per_s", "rq_worker_per_s", "drain_1k_per_s",
		"drain_1m_per_s", "stats_small_ms", "stats_large_ms"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("resultados.json has no %s", k)
		}
	}
	if want := evaluate(&r); !reflect.DeepEqual(r.Targets, want) {
		t.Errorf("the targets of resultados.json are not those of its figures:\n got %+v\nwant %+v", r.Targets, want)
	}
	if got := renderTable(&r); got != string(table) {
		t.Errorf("resultados.txt is not the table of resultados.json; run the bench again with -o resultados.\nThe table of the JSON:\n%s", got)
	}
}

func TestEvaluate(t *testing.T) {
	r := &Results{Enqueue: ptr(300), AsynqEnqueue: ptr(100), RQEnqueue: ptr(100), LatencyP50: ptr(1.2),
		StatsSmall: ptr(0.2), StatsLarge: ptr(0.3)}
	got := map[string]string{}
	for _, tg := range evaluate(r) {
		got[tg.Name] = tg.Status
		if tg.Status == "not measured" && tg.Measured != nil || tg.Status != "not measured" && tg.Measured == nil {
			t.Errorf("%s: status %s with measured %v", tg.Name, tg.Status, tg.Measured)
		}
	}
	for name, want := range map[string]string{
		"enqueue, one call at a time, vs asynq's enqueue":     "pass", // 3× ≥ 1.5×
		"enqueue, one call at a time, vs Python RQ's enqueue": "fail", // 3× < 8×
		"enqueue→start latency, idle worker, p50":             "fail", // 1.2 ms > 1 ms
		"rq stats time, large vs small registries":            "pass", // 1.5× ≤ 1.5×
		"one worker vs asynq concurrency 1":                   "not measured",
	} {
		if got[name] != want {
			t.Errorf("%s: %s, want %s", name, got[name], want)
		}
	}
}

func TestRenderTableMarksTargets(t *testing.T) {
	r := &Results{N: 1000, Enqueue: ptr(3000), AsynqEnqueue: ptr(1000), PythonRQ: "skipped (-quick)"}
	r.Targets = evaluate(r)
	out := renderTable(r)
	for _, want := range []string{
		"enqueue, one call at a time       3,000   1,000           -",
		"✓ enqueue, one call at a time, vs asynq's enqueue",
		"– enqueue, one call at a time, vs Python RQ's enqueue   not measured",
		"1 met, 0 missed, 12 not measured",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var v []float64
	for i := 1; i <= 100; i++ {
		v = append(v, float64(i))
	}
	if p := percentile(v, 50); p != 50 {
		t.Errorf("p50 = %v, want 50", p)
	}
	if p := percentile(v, 99); p != 99 {
		t.Errorf("p99 = %v, want 99", p)
	}
	if p := percentile(v[:1], 99); p != 1 {
		t.Errorf("p99 of one = %v, want 1", p)
	}
}

func TestDecodeLastLine(t *testing.T) {
	var out struct{ Start, End float64 }
	if err := decodeLastLine([]byte("some log line\n{\"start\": 1.5, \"end\": 2.5}\n"), &out); err != nil || out.Start != 1.5 || out.End != 2.5 {
		t.Errorf("got %+v, %v", out, err)
	}
	if err := decodeLastLine([]byte("no json\n"), &out); err == nil {
		t.Error("no error without JSON")
	}
}
