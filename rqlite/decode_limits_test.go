package rqlite_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Issue 15, hostile input: data that recurses without end, nests millions
// deep, shares one list 2**41 times or inflates to gigabytes fails only
// the value that holds it, with an error that names the limit it breaks,
// instead of killing the worker (a stack overflow is fatal in Go) or
// exhausting its memory.

// Pickles as Python 3's pickle.dumps writes them.
const (
	// ("test.sum", None, [d], {}) with d = {}; d["self"] = d
	pickledSelfDict = "gASVIQAAAAAAAAAojAh0ZXN0LnN1bZROXZR9lIwEc2VsZpRoAnNhfZR0lC4="
	// {"progress": m} with m = {}; m["me"] = m
	pickledSelfMeta = "gASVGQAAAAAAAAB9lIwIcHJvZ3Jlc3OUfZSMAm1llGgCc3Mu"
)

func unbase64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deepPickle is ("test.sum", None, [[[...]]], {}), lists nested n deep, as
// Python's pickle.loads reads it (its decoder does not recurse).
func deepPickle(n int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04(\x8c\x08test.sumN")
	b.Write(bytes.Repeat([]byte("]"), n+1))
	b.Write(bytes.Repeat([]byte("a"), n))
	b.WriteString("}t.")
	return b.Bytes()
}

// sharedPickle is ("test.sum", None, [b], {}) with b = [] and then n
// times b = (b, b): a few bytes that hold 2**(n+1)-1 lists and tuples.
func sharedPickle(n int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04(\x8c\x08test.sumN]]") // the args list, b
	b.WriteString(strings.Repeat("2\x86", n))     // DUP, TUPLE2
	b.WriteString("a}t.")
	return b.Bytes()
}

func TestPickleLimitsCycleAndDepth(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"self-dict", unbase64(t, pickledSelfDict), "pickle value refers to itself"},
		{"self-meta", unbase64(t, pickledSelfMeta), "pickle value refers to itself"},
		{"deep-20k", deepPickle(20_000), "pickle nested more than 10000 deep, the MaxDepth limit"},
		// 3M lists are more values than MaxItems before any is nested.
		{"deep-3M", deepPickle(3_000_000), "pickle makes more than 100000 values, the MaxItems limit"},
		{"deep-10001", deepPickle(10001), "pickle nested more than 10000 deep, the MaxDepth limit"},
	}
	for _, c := range cases {
		v, err := rqlite.Pickle.Unmarshal(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Unmarshal = %.40v, %v; want an error with %q", c.name, v, err, c.want)
		}
	}
	// As deep as the limit is read.
	if _, err := rqlite.Pickle.Unmarshal(deepPickle(9998)); err != nil {
		t.Errorf("lists 9998 deep in the call: %v", err)
	}
}

func TestJSONDepthLimit(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	if _, err := rqlite.JSON.Unmarshal(deep(10000)); err != nil {
		t.Errorf("lists 10000 deep: %v", err)
	}
	for _, n := range []int{10001, 3_000_000} {
		const want = "JSON nested more than 10000 deep, the MaxDepth limit"
		if _, err := rqlite.JSON.Unmarshal(deep(n)); err == nil || err.Error() != want {
			t.Errorf("lists %d deep: %v, want %q", n, err, want)
		}
	}
	setLimits(t, rqlite.Limits{MaxDepth: 5})
	_, err := rqlite.JSON.Unmarshal(deep(6))
	var l *rqlite.LimitError
	if !errors.As(err, &l) || l.Limit != "MaxDepth" || l.Max != 5 || !strings.Contains(err.Error(), "more than 5 deep") {
		t.Errorf("lists 6 deep, MaxDepth 5: %v", err)
	}
}

// TestIntDigitsLimit: JSON and pickle refuse an int of more digits than
// MaxIntDigits with a *LimitError, which SetDecodeLimits sets.
func TestIntDigitsLimit(t *testing.T) {
	setLimits(t, rqlite.Limits{MaxIntDigits: 700})
	nines := strings.Repeat("9", 700)
	if v, err := rqlite.JSON.Unmarshal([]byte("-" + nines)); err != nil || fmt.Sprint(v) != "-"+nines {
		t.Errorf("JSON, 700 digits: %.20v, %v", v, err)
	}
	if v, err := rqlite.Pickle.Unmarshal([]byte("L" + nines + "L\n.")); err != nil || fmt.Sprint(v) != nines {
		t.Errorf("pickle, 700 digits: %.20v, %v", v, err)
	}
	for what, err := range map[string]error{
		"JSON":   second(rqlite.JSON.Unmarshal([]byte(nines + "9"))),
		"pickle": second(rqlite.Pickle.Unmarshal([]byte("I-" + nines + "9\n."))),
	} {
		var l *rqlite.LimitError
		if !errors.As(err, &l) || l.Limit != "MaxIntDigits" || l.Max != 700 ||
			err.Error() != what+" holds an integer of 701 digits, more than 700, the MaxIntDigits limit (as Python's int_max_str_digits)" {
			t.Errorf("%s, 701 digits: %v", what, err)
		}
	}
}

func second(_ any, err error) error { return err }

// setLimits sets the decode limits for the test, and the defaults after.
func setLimits(t *testing.T, l rqlite.Limits) {
	t.Helper()
	rqlite.SetDecodeLimits(l)
	t.Cleanup(func() { rqlite.SetDecodeLimits(rqlite.Limits{}) })
}

func TestDecodeLimitsDefaults(t *testing.T) {
	want := rqlite.Limits{MaxDecompressed: 8 << 20, MaxDepth: 10000, MaxItems: 100_000, MaxIntDigits: 4300}
	if got := rqlite.DecodeLimits(); got != want {
		t.Errorf("DecodeLimits() = %+v, want %+v", got, want)
	}
	setLimits(t, rqlite.Limits{MaxDepth: 7})
	if got := rqlite.DecodeLimits(); got.MaxDepth != 7 || got.MaxItems != want.MaxItems || got.MaxDecompressed != want.MaxDecompressed {
		t.Errorf("after SetDecodeLimits(MaxDepth 7): %+v", got)
	}
}

// TestPickleItemsLimit: a pickle that shares one list 2**41 times in 300
// bytes, or that makes more values than MaxItems, is refused.
func TestPickleItemsLimit(t *testing.T) {
	if _, err := rqlite.Pickle.Unmarshal(sharedPickle(3)); err != nil {
		t.Fatalf("a list shared 16 times: %v", err)
	}
	const want = "more than 100000 values, the MaxItems limit"
	if _, err := rqlite.Pickle.Unmarshal(sharedPickle(40)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a list shared 2**41 times: %v, want an error with %q", err, want)
	}
	setLimits(t, rqlite.Limits{MaxItems: 1000})
	many := append([]byte("\x80\x04]("), bytes.Repeat([]byte("K\x01\x94"), 600)...) // [1, 1, ...], each memoized
	many = append(many, "e."...)
	var l *rqlite.LimitError
	if _, err := rqlite.Pickle.Unmarshal(many); !errors.As(err, &l) || l.Limit != "MaxItems" || !strings.Contains(err.Error(), "pickle makes more than 1000 values, the MaxItems limit") {
		t.Errorf("600 ints, each memoized, MaxItems 1000: %v", err)
	}
}

// zlibBomb is n zero bytes, compressed.
func zlibBomb(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for ; n > 0; n -= len(zero) {
		if _, err := w.Write(zero[:min(n, len(zero))]); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	return buf.Bytes()
}

func TestDecompressLimit(t *testing.T) {
	// 100 MiB of zeros, 100 KB compressed: beyond the default 8 MiB.
	_, _, _, err := rqlite.DecodeCall(rqlite.Pickle, zlibBomb(t, 100<<20))
	if want := "zlib data inflates to more than 8388608 bytes, the MaxDecompressed limit"; err == nil || err.Error() != want {
		t.Errorf("a zlib bomb of 100 MiB: %v, want %q", err, want)
	}
	var l *rqlite.LimitError
	if !errors.As(err, &l) || l.Limit != "MaxDecompressed" || l.Max != 8<<20 {
		t.Errorf("a zlib bomb: %#v, want a *LimitError naming MaxDecompressed", err)
	}
	setLimits(t, rqlite.Limits{MaxDecompressed: 1 << 20})
	_, _, _, err = rqlite.DecodeCall(rqlite.Pickle, zlibBomb(t, 1<<20+1))
	if want := "zlib data inflates to more than 1048576 bytes, the MaxDecompressed limit"; err == nil || err.Error() != want {
		t.Errorf("1 MiB and a byte, MaxDecompressed 1 MiB: %v, want %q", err, want)
	}
}

// TestHostileJobsFailAlone: a worker meets the hostile calls and meta of
// issue 15; each job fails alone (or, for meta, runs and keeps MetaErr),
// and the worker runs the good job after them.
func TestHostileJobsFailAlone(t *testing.T) {
	b, r := workerSetup(t)
	const ts = "2026-11-27T09:33:38.094805Z"
	common := []any{"origin", "pickled", "status", "queued", "created_at", ts, "enqueued_at", ts}
	call := func(p []byte) string { return badZlib(string(p)) }
	sum := call(unbase64(t, "gAWVGgAAAAAAAAAojAh0ZXN0LnN1bZROXZQoSwFLAmV9lHSULg==")) // test.sum(1, 2)
	cases := []badCase{
		{"self-dict", []any{"data", call(unbase64(t, pickledSelfDict))}, "pickle value refers to itself", ""},
		{"deep-20k", []any{"data", call(deepPickle(20_000))}, "pickle nested more than 10000 deep, the MaxDepth limit", ""},
		{"deep-3M", []any{"data", call(deepPickle(3_000_000))}, "pickle makes more than 100000 values, the MaxItems limit", ""},
		{"bomb", []any{"data", string(zlibBomb(t, 100<<20))}, "zlib data inflates to more than 8388608 bytes, the MaxDecompressed limit", ""},
	}
	b.runBadPickled(t, r, common, cases, func() {
		b.badPush(t, "pickled", "self-meta", append(append([]any{}, common...), "data", sum, "meta", string(unbase64(t, pickledSelfMeta)))...)
	})
	j, err := rqlite.FetchJob(b.ctx, b.rdb, "self-meta", &rqlite.QueueOptions{Serializer: rqlite.Pickle})
	if err != nil || j.MetaErr == nil || !strings.Contains(j.MetaErr.Error(), "pickle value refers to itself") {
		t.Fatalf("self-meta: FetchJob = %v, MetaErr %v; want MetaErr naming the cycle", err, j.MetaErr)
	}
	if v, err := j.ReturnValue(b.ctx); err != nil || v != int64(3) {
		t.Errorf("self-meta returned %v, %v; want 3", v, err)
	}
}

// TestJSONItemsLimit: a JSON value of more values than MaxItems (2.7
// million empty dicts fit in 8 MiB, and took 230 MB to decode) is refused.
func TestJSONItemsLimit(t *testing.T) {
	many := func(n int) []byte { return []byte("[" + strings.Repeat("{},", n-2) + "{}]") }
	if _, err := rqlite.JSON.Unmarshal(many(100_000)); err != nil {
		t.Errorf("100,000 values: %v", err)
	}
	_, err := rqlite.JSON.Unmarshal(many(100_001))
	var l *rqlite.LimitError
	if !errors.As(err, &l) || l.Limit != "MaxItems" || err.Error() != "JSON holds more than 100000 values, the MaxItems limit" {
		t.Errorf("100,001 values: %v, want the MaxItems limit", err)
	}
}
