package rqlite

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPickleArgWalksPythonPickles: the opcode walk of scanPickle steps
// over every opcode that Python's pickle writes, protocols 0 to 5, and
// lands on the final STOP.
func TestPickleArgWalksPythonPickles(t *testing.T) {
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle, collections, datetime
v = ("test.sum", None, [1, -1, 300, 70000, 2**70, -2**2000, 1.5, "ñ", "x"*300, b"b", b"y"*300,
     bytearray(b"z"), (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), True, False, None,
     {"a": [{}]}, {1, 2}, frozenset([3]), collections.OrderedDict(a=1), datetime.date(2026, 1, 2)], {"k": "v"})
for p in range(6):
    print(base64.b64encode(pickle.dumps(v, protocol=p)).decode())
`).Output()
	if err != nil {
		t.Skipf("no Python 3: %v", err)
	}
	for p, line := range strings.Fields(string(out)) {
		data, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for i < len(data) && data[i] != '.' {
			n, ok := pickleArg(data[i+1:], data[i])
			if !ok {
				t.Fatalf("protocol %d: opcode %#x at %d not walked", p, data[i], i)
			}
			i += 1 + n
		}
		if i != len(data)-1 {
			t.Errorf("protocol %d: the walk stops at %d of %d bytes", p, i, len(data))
		}
		// The set {1, 2} is refused by the walk where the pickle makes it
		// with EMPTY_SET (protocols 4 and 5), and else by the reader.
		var u *UnsupportedValueError
		err = scanPickle(data, Limits{MaxDepth: 1000, MaxItems: 1000, MaxIntDigits: 4300})
		if err != nil && (p < 4 || !errors.As(err, &u) || u.Python != "set") {
			t.Errorf("protocol %d: %v", p, err)
		}
	}
}

// deepLists is ("test.sum", None, [[[...]]], {}), n+1 lists nested in the
// tuple: a value n+2 deep.
func deepLists(n int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04(\x8c\x08test.sumN")
	b.Write(bytes.Repeat([]byte("]"), n+1))
	b.Write(bytes.Repeat([]byte("a"), n))
	b.WriteString("}t.")
	return b.Bytes()
}

// setTestLimits sets the decode limits l for the test, and the defaults
// after, and returns them.
func setTestLimits(t *testing.T, l Limits) Limits {
	SetDecodeLimits(l)
	t.Cleanup(func() { SetDecodeLimits(Limits{}) })
	return DecodeLimits()
}

// limitOf is the limit that err, a *LimitError, names, or "".
func limitOf(err error) string {
	var l *LimitError
	if errors.As(err, &l) {
		return l.Limit
	}
	return ""
}

// TestPickleScanDepth: lists nested 3 million deep are refused by the
// walk, in a few allocations, before the decoder builds them (og-rek took
// 462 MB and 9 million allocations); as deep as MaxDepth is read.
func TestPickleScanDepth(t *testing.T) {
	deep := deepLists(3_000_000)
	setTestLimits(t, Limits{MaxItems: 10_000_000}) // deep before many
	if err := scanPickle(deep, DecodeLimits()); limitOf(err) != "MaxDepth" ||
		err.Error() != "pickle nested more than 10000 deep, the MaxDepth limit" {
		t.Fatalf("the walk of lists 3M deep: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(2, func() {
		if _, err := Pickle.Unmarshal(deep); limitOf(err) != "MaxDepth" {
			t.Fatalf("lists 3M deep: %v", err)
		}
	})
	runtime.ReadMemStats(&after)
	if bytes := (after.TotalAlloc - before.TotalAlloc) / 3; allocs > 100 || bytes > 1<<20 {
		t.Errorf("lists 3M deep are refused in %v allocations, %d bytes", allocs, bytes)
	}
	if _, err := Pickle.Unmarshal(deepLists(DefaultMaxDepth - 2)); err != nil {
		t.Errorf("lists %d deep: %v", DefaultMaxDepth, err)
	}
	if err := scanPickle(deepLists(DefaultMaxDepth-1), DecodeLimits()); limitOf(err) != "MaxDepth" {
		t.Errorf("the walk of lists %d deep: %v", DefaultMaxDepth+1, err)
	}
	// Wide is not deep: a tuple of 20000 empty lists, each alive on the
	// stack until the TUPLE.
	wide := "\x80\x04(" + strings.Repeat("]", 20000) + "t."
	if v, err := Pickle.Unmarshal([]byte(wide)); err != nil || len(v.([]any)) != 20000 {
		t.Errorf("a tuple of 20000 lists: %v", err)
	}
}

// TestPickleScanDepthPython: for the pickles that Python writes, of every
// protocol, nested lists, tuples and dicts and values shared through the
// memo, the walk finds the depth exactly: as deep as MaxDepth is read, one
// deeper is refused by the walk.
func TestPickleScanDepthPython(t *testing.T) {
	const limit = 40
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle
def shapes(n):
    # Values n deep.
    v = []
    for i in range(n - 1):
        v = [v]
    yield v
    v = "x"
    for i in range(n):
        v = (v, 1) if i % 3 == 0 else ({"k": v, "z": None} if i % 3 == 1 else [2, v, 3])
    yield v
    x = [[[]]]
    for i in range(n - 5):
        x = {"a": x, "b": 1} if i % 2 else (x, 2**70)
    yield [x, [x]]
    yield (tuple([[] for i in range(3000)]), [x] * 2, {"s": x})
for n in (`+strconv.Itoa(limit)+`, `+strconv.Itoa(limit+1)+`):
    for v in shapes(n):
        for p in range(6):
            print(n, base64.b64encode(pickle.dumps(v, protocol=p)).decode())
`).Output()
	if err != nil {
		t.Skipf("no Python 3: %v", err)
	}
	l := setTestLimits(t, Limits{MaxDepth: limit})
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, line := range lines {
		depth, b64, _ := strings.Cut(line, " ")
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		scanErr := scanPickle(data, l)
		_, err = Pickle.Unmarshal(data)
		if depth == strconv.Itoa(limit) && (scanErr != nil || err != nil) {
			t.Errorf("shape %d, protocol %d, %s deep: %v, %v", i/6%4, i%6, depth, scanErr, err)
		}
		if depth != strconv.Itoa(limit) && limitOf(scanErr) != "MaxDepth" {
			t.Errorf("shape %d, protocol %d, %s deep: the walk says %v", i/6%4, i%6, depth, scanErr)
		}
	}
}

// TestPickleDepthAfterSharing: a dict that the pickle fills after it put
// it in a list nests deeper than the walk sees; the reader refuses it.
func TestPickleDepthAfterSharing(t *testing.T) {
	l := setTestLimits(t, Limits{MaxDepth: 3})
	// d = {}; v = [d]; d["k"] = [[]]: v is 4 deep.
	data := []byte("\x80\x04}\x94]\x94h\x00ah\x00\x8c\x01k]]as0.")
	_, err := Pickle.Unmarshal(data)
	if limitOf(err) != "MaxDepth" || scanPickle(data, l) != nil {
		t.Errorf("a dict filled after it is shared: %v", err)
	}
}

// TestPickleIntDigits: an int of more digits than MaxIntDigits is refused
// (a LONG4 of 10,000 bytes is 24,000 digits), in binary or in text; one of
// 4300 digits is read.
func TestPickleIntDigits(t *testing.T) {
	long4 := func(n *big.Int, size int) []byte {
		b := make([]byte, size)
		n.FillBytes(b)
		slices.Reverse(b) // little-endian, two's complement: n > 0 and b[size-1] < 0x80
		return append(binary.LittleEndian.AppendUint32([]byte("\x80\x04\x8b"), uint32(size)), append(b, '.')...)
	}
	big10k := new(big.Int).Lsh(big.NewInt(1), 10_000*8-2)
	max := new(big.Int).Sub(pow10(4300), big.NewInt(1)) // 4300 nines
	for _, c := range []struct {
		name string
		data []byte
		want string // the error's limit; "" for none
	}{
		{"LONG4 of 10000 bytes", long4(big10k, 10_000), "MaxIntDigits"},
		{"LONG4 of 4301 digits", long4(pow10(4300), 1800), "MaxIntDigits"},
		{"LONG of 4300 digits", []byte("L" + max.String() + "L\n."), ""},
		{"LONG of 4301 digits", []byte("L-" + pow10(4300).String() + "L\n."), "MaxIntDigits"},
		{"INT of 5000 digits", []byte("I" + strings.Repeat("7", 5000) + "\n."), "MaxIntDigits"},
	} {
		v, err := Pickle.Unmarshal(c.data)
		if limitOf(err) != c.want {
			t.Errorf("%s: %.20v, %v", c.name, v, err)
		}
		if c.want == "" && fmt.Sprint(v) != max.String() {
			t.Errorf("%s: read as %.20v", c.name, v)
		}
		if c.want != "" && !strings.Contains(err.Error(), "more than 4300, the MaxIntDigits limit") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestPickleLongInts: ints of any size are read, in LONG1 (og-rek misread
// those of more than 127 bytes) and LONG4 (og-rek read none), within
// MaxIntDigits.
func TestPickleLongInts(t *testing.T) {
	max := new(big.Int).Sub(pow10(4300), big.NewInt(1))
	long4 := append(binary.LittleEndian.AppendUint32([]byte("\x80\x04\x8b"), 1800), make([]byte, 1800)...)
	max.FillBytes(long4[7:])
	slices.Reverse(long4[7:])
	if v, err := Pickle.Unmarshal(append(long4, '.')); err != nil || fmt.Sprint(v) != max.String() {
		t.Errorf("LONG4 of 4300 digits: %.20v, %v", v, err)
	}
	if b, err := Pickle.Marshal(max); err != nil {
		t.Error(err)
	} else if v, err := Pickle.Unmarshal(b); err != nil || fmt.Sprint(v) != max.String() {
		t.Errorf("4300 nines, pickled by og-rek: %.20v, %v", v, err)
	}
}

// TestPickleLong1: a LONG1 of 200 bytes (og-rek misread those of more
// than 127) or of none is read, within MaxIntDigits.
func TestPickleLong1(t *testing.T) {
	// A LONG1 of 200 bytes: 2**1599 - 1, and its negative, -(2**1599).
	pos := append(append([]byte("\x80\x04\x8a\xc8"), bytes.Repeat([]byte{0xff}, 199)...), 0x7f, '.')
	neg := append(append([]byte("\x80\x04\x8a\xc8"), make([]byte, 199)...), 0x80, '.')
	want := new(big.Int).Lsh(big.NewInt(1), 1599)
	if v, err := Pickle.Unmarshal(neg); err != nil || v.(*big.Int).Cmp(new(big.Int).Neg(want)) != 0 {
		t.Errorf("LONG1 of 200 bytes, -(2**1599): %.20v, %v", v, err)
	}
	want.Sub(want, big.NewInt(1))
	if v, err := Pickle.Unmarshal(pos); err != nil || v.(*big.Int).Cmp(want) != 0 {
		t.Errorf("LONG1 of 200 bytes, 2**1599 - 1: %.20v, %v", v, err)
	}
	// Of no bytes, a LONG1 or LONG4 is 0 (gopickle would panic at it).
	for _, data := range []string{"\x8a\x00.", "\x8b\x00\x00\x00\x00.", "](\x8a\x00\x8b\x00\x00\x00\x00e."} {
		if v, err := Pickle.Unmarshal([]byte(data)); err != nil || !strings.Contains(fmt.Sprint(v), "0") {
			t.Errorf("%q: %v, %v", data, v, err)
		}
	}
	minus := append(append([]byte("\x80\x04\x8a\x7f"), bytes.Repeat([]byte{0xff}, 126)...), 0x7f) // 2**1016-1
	if v, err := Pickle.Unmarshal(append(minus, '.')); err != nil || len(fmt.Sprint(v)) != 306 {
		t.Errorf("LONG1 of 127 bytes, 306 digits: %v, %v", v, err)
	}
	setTestLimits(t, Limits{MaxIntDigits: 305})
	if _, err := Pickle.Unmarshal(append(minus, '.')); limitOf(err) != "MaxIntDigits" ||
		!strings.Contains(err.Error(), "integer of 306 digits, more than 305") {
		t.Errorf("LONG1 of 306 digits, MaxIntDigits 305: %v", err)
	}
	if _, err := Pickle.Unmarshal(pos); limitOf(err) != "MaxIntDigits" {
		t.Errorf("LONG1 of 200 bytes, 482 digits, MaxIntDigits 305: %v", err)
	}
}

func BenchmarkPickleDeep3M(b *testing.B) {
	data := deepLists(3_000_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Pickle.Unmarshal(data); err == nil {
			b.Fatal("no error")
		}
	}
}

// TestPickleScanMarks: a million MARKs open at once are refused by the
// walk as nested beyond MaxDepth (gopickle keeps a slice for each, 300 MB
// in all); as many as MaxDepth are not.
func TestPickleScanMarks(t *testing.T) {
	l := setTestLimits(t, Limits{MaxDepth: 100})
	marks := func(n int) []byte { return []byte("\x80\x04" + strings.Repeat("(", n) + "N.") }
	if _, err := Pickle.Unmarshal(marks(1_000_000)); limitOf(err) != "MaxDepth" {
		t.Errorf("a million marks: %v", err)
	}
	if err := scanPickle(marks(l.MaxDepth), l); err != nil {
		t.Errorf("%d marks: %v", l.MaxDepth, err)
	}
	// Closed, they do not count.
	if v, err := Pickle.Unmarshal([]byte("\x80\x04" + strings.Repeat("(1", 1000) + "N.")); err != nil || v != nil {
		t.Errorf("a thousand marks popped: %v, %v", v, err)
	}
}

// TestPickleScanRefuses: what gopickle would read otherwise than Python,
// or allocate for before it fails, is refused by the walk; what it reads
// wrong is rewritten.
func TestPickleScanRefuses(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"h\x05.", "memo key 5, which opcode 0x68 at 0 takes, was not set"}, // gopickle: None
		{"\x80\x05\x95\xff\xff\xff\xff\xff\xff\x00\x00N.", "the data ends within the frame at 2"},
		{"\x80\x05\x8e\x00\x00\x00\x00\x00\x00\x00\x10.", "the data ends within the argument of opcode 0x8e at 2"},
		{"\xff.", "unknown opcode 0xff at 0"}, // gopickle: panics
		{`["f", null, [], {}]`, "unknown opcode 0x5b at 0"},
	} {
		_, err := Pickle.Unmarshal([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), "invalid pickle (is the data pickled?") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.data, err, c.want)
		}
	}
	for data, want := range map[string]any{
		"Vn\\u00f1\\u20ac\xf1\\x\n.": "nñ€ñ\\x", // raw-unicode-escape, in Latin-1
		"S'a\\nb\\x41'\n.":           "a\nbA",
		"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00(V\\u00f1\nVx\nt.": []any{"ñ", "x"}, // in a frame
		"\x8a\x00.":                int64(0),
		"I99999999999999999999\n.": new(big.Int).Mul(big.NewInt(99999999999), big.NewInt(1000000000)),
		"(I01\nI00\nL12\nt.":       []any{true, false, int64(12)},
		"(lp0\nI1\nap1\n0g0\n.":    []any{int64(1)},
	} {
		v, err := Pickle.Unmarshal([]byte(data))
		if b, ok := want.(*big.Int); ok {
			b.Add(b, big.NewInt(999999999))
			want = b
		}
		if err != nil || fmt.Sprint(v) != fmt.Sprint(want) {
			t.Errorf("%q = %#v, %v; want %#v", data, v, err, want)
		}
	}
}
