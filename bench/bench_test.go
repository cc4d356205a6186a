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
	// -from reports the targets of the saved figures as this program
	// computes them; a JSON written before the targets changed holds the
	// old ones, which are then only checked to be there.
	want := evaluate(&r)
	if sameTargetNames(r.Targets, want) && !reflect.DeepEqual(r.Targets, want) {
		t.Errorf("the targets of resultados.json are not those of its figures:\n got %+v\nwant %+v", r.Targets, want)
	}
	if len(r.Targets) == 0 {
		t.Error("resultados.json has no targets")
	}
	r.Targets = want
	if got := renderTable(&r); got != string(table) {
		t.Errorf("resultados.txt is not the table of resultados.json; run the bench again with -o resultados, or go run . -from resultados.json > resultados.txt.\nThe table of the JSON:\n%s", got)
	}
}

func TestRenderTableMarksTargets(t *testing.T) {
	r := &Results{N: 1000, Enqueue: ptr(3000), AsynqEnqueue: ptr(1000), RoundTrip: ptr(5000), PythonRQ: "skipped (-quick)"}
	r.Targets = evaluate(r)
	out := renderTable(r)
	for _, want := range []string{
		"enqueue, one call at a time           3,000   1,000           -",
		"✓ enqueue, one call at a time                    3,000/s   ≥ min(1.1× asynq 1,000/s, 0.9× PING 5,000/s) = 1,100/s: binding asynq\n",
		"– enqueue, one call at a time                    3,000/s   ≥ 3× Python RQ (not measured): not computable\n",
		"1 met, 0 missed, 3 not measured, 12 not computable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
}

// sameTargetNames reports whether a and b list targets of the same names
// and terms, in the same order: whether they come from the same
// definitions.
func sameTargetNames(a, b []Target) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Terms) != len(b[i].Terms) {
			return false
		}
		for j := range a[i].Terms {
			if a[i].Terms[j].Label != b[i].Terms[j].Label {
				return false
			}
		}
	}
	return true
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
