package rqlite

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// Pickles written by Python 3.11's pickle.dumps(..., protocol=5), as RQ 1.13
// writes them, kept as base64.
var pythonPickles = map[string]string{
	"call":    "gAWVGQAAAAAAAAAojAt0YXJlYXMuZnVuY5ROSwSFlH2UdJQu",                                                 // ('tareas.func', None, (4,), {})
	"rich":    "gAWVPQAAAAAAAAAojAt0YXJlYXMuZnVuY5ROSwSMAsOxlF2UKEc/+AAAAAAAAE6IZYeUfZSMAWuUfZSMAWGUQwF4lHNzdJQu", // ('tareas.func', None, (4, 'ñ', [1.5, None, True]), {'k': {'a': b'x'}})
	"decimal": "gAWVIgAAAAAAAACMB2RlY2ltYWyUjAdEZWNpbWFslJOUjAQzLjE0lIWUUpQu",                                     // decimal.Decimal('3.14')
	"date":    "gAWVNgAAAAAAAAAojAt0YXJlYXMuZnVuY5ROjAhkYXRldGltZZSMBGRhdGWUk5RDBAfqAQKUhZRSlIWUfZR0lC4=",         // (..., (datetime.date(2026, 1, 2),), {})
	"ordered": "gAWVKQAAAAAAAACMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5QpUpSMAWGUSwFzLg==",                         // collections.OrderedDict(a=1)
	"bigint":  "gAWVDAAAAAAAAACKCQAAAAAAAAAAQC4=",                                                                 // 2**70
	"intkey":  "gAWVCgAAAAAAAAB9lEsBjAF4lHMu",                                                                     // {1: 'x'}
	// Values beyond what Go has, or has exactly.
	"negbigint":  "gAWVDAAAAAAAAACKCQAAAAAAAAAAwC4=",                                                                 // -2**70
	"maxuint64":  "gAWVDAAAAAAAAACKCf//////////AC4=",                                                                 // 2**64 - 1
	"set":        "gAWVCQAAAAAAAACPlChLAUsCkC4=",                                                                     // {1, 2}
	"frozenset":  "gAWVBgAAAAAAAAAoSwGRlC4=",                                                                         // frozenset({1})
	"set2":       "gAJjX19idWlsdGluX18Kc2V0CnEAXXEBSwFhhXECUnEDLg==",                                                 // {1}, protocol 2
	"setinlist":  "gAWVDwAAAAAAAABdlCiMAWGUj5QoSwGQZS4=",                                                             // ['a', {1}]
	"tuplekey":   "gAWVDgAAAAAAAAB9lEsBSwKGlIwBeJRzLg==",                                                             // {(1, 2): 'x'}
	"datetime":   "gAWVKgAAAAAAAACMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqAQIDBAUAAAaUhZRSlC4=",                         // datetime.datetime(2026, 1, 2, 3, 4, 5, 6)
	"datetimeIn": "gAWVOwAAAAAAAAB9lCiMBHdoZW6UjAhkYXRldGltZZSMCGRhdGV0aW1llJOUQwoH6gECAwQFAAAGlIWUUpSMAW6USwF1Lg==", // {'when': datetime.datetime(...), 'n': 1}
	// One list twice: x = [1]; [x, x].
	"shared":  "gAWVDAAAAAAAAABdlChdlEsBYWgBZS4=",
	"shared0": "KGxwMAoobHAxCkkxCmFhZzEKYS4=", // protocol 0
}

func pythonPickle(t *testing.T, name string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(pythonPickles[name])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPickleReadsWhatPythonWrites(t *testing.T) {
	name, args, kwargs, err := decodeCall(Pickle, pythonPickle(t, "call"))
	if err != nil || name != "tareas.func" || !reflect.DeepEqual(args, []any{int64(4)}) || len(kwargs) != 0 {
		t.Errorf("call = %q %v %v, %v", name, args, kwargs, err)
	}
	name, args, kwargs, err = decodeCall(Pickle, pythonPickle(t, "rich"))
	wantArgs := []any{int64(4), "ñ", []any{1.5, nil, true}}
	wantKw := map[string]any{"k": map[string]any{"a": []byte("x")}}
	if err != nil || !reflect.DeepEqual(args, wantArgs) || !reflect.DeepEqual(kwargs, wantKw) {
		t.Errorf("rich = %q %#v %#v, %v", name, args, kwargs, err)
	}
}

// TestPickleRefusesPythonObjects: a value that Go cannot represent exactly
// is an *UnsupportedValueError that names it, on one line.
func TestPickleRefusesPythonObjects(t *testing.T) {
	for name, want := range map[string]struct{ python, msg string }{
		"decimal":    {"decimal.Decimal", "decimal.Decimal(...), that has no Go meaning"},
		"date":       {"datetime.date", "datetime.date(...), that has no Go meaning"},
		"datetime":   {"datetime.datetime", "the pickle holds a Python object, datetime.datetime(...), that has no Go meaning"},
		"datetimeIn": {"datetime.datetime", "datetime.datetime(...), that has no Go meaning"},
		"ordered":    {"collections.OrderedDict", "the pickle holds a Python object, collections.OrderedDict(...), that has no Go meaning"},
		"intkey":     {"dict key", "a dict has a key of type int64; only str keys can be read in Go"},
		"tuplekey":   {"dict key", "a dict has a key of type Tuple; only str keys can be read in Go"},
		"set":        {"set", "the pickle holds a Python set, which is not supported in Go"},
		"set2":       {"set", "the pickle holds a Python set, which is not supported in Go"},
		"setinlist":  {"set", "the pickle holds a Python set, which is not supported in Go"},
		"frozenset":  {"frozenset", "the pickle holds a Python frozenset, which is not supported in Go"},
	} {
		_, err := Pickle.Unmarshal(pythonPickle(t, name))
		var u *UnsupportedValueError
		if !errors.As(err, &u) || u.Python != want.python || !strings.Contains(err.Error(), want.msg) || strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("%s: error %#v (%v), want an *UnsupportedValueError for %q containing %q", name, err, err, want.python, want.msg)
		}
	}
	// What is not a pickle stays a plain error.
	var u *UnsupportedValueError
	if _, err := Pickle.Unmarshal([]byte(`["f", null, [], {}]`)); err == nil || errors.As(err, &u) || !strings.Contains(err.Error(), "invalid pickle (is the data pickled?") {
		t.Errorf("JSON read as a pickle: %v", err)
	}
}

// TestPickleBigInts: an int beyond int64, from Python or from a Go uint64,
// is read exactly, as a *big.Int, and written back the same.
func TestPickleBigInts(t *testing.T) {
	two70 := new(big.Int).Lsh(big.NewInt(1), 70)
	maxU := new(big.Int).SetUint64(math.MaxUint64)
	for name, want := range map[string]*big.Int{
		"bigint": two70, "negbigint": new(big.Int).Neg(two70), "maxuint64": maxU,
	} {
		v, err := Pickle.Unmarshal(pythonPickle(t, name))
		if got, ok := v.(*big.Int); err != nil || !ok || got.Cmp(want) != 0 {
			t.Errorf("%s = %#v, %v; want %v", name, v, err, want)
			continue
		}
		b, err := Pickle.Marshal(v)
		noErr(t, err)
		if w, err := Pickle.Unmarshal(b); err != nil || w.(*big.Int).Cmp(want) != 0 {
			t.Errorf("%s: round trip gave %v, %v", name, w, err)
		}
	}
	// A Go producer's uint64 beyond int64, and a *big.Int: the job's call
	// is written, and read back.
	data, err := encodeCall(Pickle, "f", []any{uint64(math.MaxUint64), two70, big.NewInt(-5), (*big.Int)(nil)}, nil)
	noErr(t, err)
	_, args, _, err := decodeCall(Pickle, data)
	if err != nil || len(args) != 4 {
		t.Fatalf("the call with a uint64 cannot be read: %v, %v", args, err)
	}
	if got, ok := args[0].(*big.Int); !ok || got.Cmp(maxU) != 0 {
		t.Errorf("uint64(MaxUint64) read as %#v", args[0])
	}
	if got, ok := args[1].(*big.Int); !ok || got.Cmp(two70) != 0 {
		t.Errorf("2**70 read as %#v", args[1])
	}
	if args[2] != int64(-5) || args[3] != nil {
		t.Errorf("big.NewInt(-5), nil read as %#v, %#v", args[2], args[3])
	}
	// In a struct, and as the json.Number of the command line's arguments.
	b, err := Pickle.Marshal([]any{struct{ N uint64 }{math.MaxUint64}, json.Number("18446744073709551615"), json.Number("-3"), json.Number("2.5")})
	noErr(t, err)
	v, err := Pickle.Unmarshal(b)
	noErr(t, err)
	got := v.([]any)
	if n, ok := got[0].(map[string]any)["N"].(*big.Int); !ok || n.Cmp(maxU) != 0 {
		t.Errorf("struct{N uint64}{MaxUint64} read as %#v", got[0])
	}
	if n, ok := got[1].(*big.Int); !ok || n.Cmp(maxU) != 0 || got[2] != int64(-3) || got[3] != 2.5 {
		t.Errorf("json.Numbers read as %#v", got[1:])
	}
}

// TestPickleSharedList: a list that the pickle holds twice is read twice,
// whole (og-rek read x = [1]; [x, x] as [[1], []]: it memoized the list
// before it filled it), with Python's pickles kept here and, with Python,
// those it writes now.
func TestPickleSharedList(t *testing.T) {
	want := []any{[]any{int64(1)}, []any{int64(1)}}
	for _, name := range []string{"shared", "shared0"} {
		if v, err := Pickle.Unmarshal(pythonPickle(t, name)); err != nil || !reflect.DeepEqual(v, want) {
			t.Errorf("%s: [x, x] read as %#v, %v", name, v, err)
		}
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pickle").Run(); err != nil {
		t.Skip("Python 3 is not installed")
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle
x = [1]
d = {"k": [x, "ñ"]}
for p in range(6):
    print(base64.b64encode(pickle.dumps(([x, x], (x, [x]), [d, d]), protocol=p)).decode())
`).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	d := map[string]any{"k": []any{[]any{int64(1)}, "ñ"}}
	wantAll := []any{want, []any{[]any{int64(1)}, []any{[]any{int64(1)}}}, []any{d, d}}
	for p, line := range strings.Fields(string(out)) {
		data, err := base64.StdEncoding.DecodeString(line)
		noErr(t, err)
		if v, err := Pickle.Unmarshal(data); err != nil || !reflect.DeepEqual(v, wantAll) {
			t.Errorf("protocol %d: read as %#v, %v", p, v, err)
		}
	}
}

// TestPickleSelfList: a list that holds itself is refused, as a dict that
// holds itself is.
func TestPickleSelfList(t *testing.T) {
	for _, data := range []string{"]q\x00h\x00a.", "\x80\x05]\x94(K\x01]\x94h\x00\x85\x94ae."} {
		if v, err := Pickle.Unmarshal([]byte(data)); err == nil || !strings.Contains(err.Error(), "pickle value refers to itself: a list holds itself") {
			t.Errorf("%q: %#v, %v", data, v, err)
		}
	}
}

// TestPickleLong4FromPython: an int of 1000 digits, which Python pickles
// as a LONG4 (og-rek read none), is read exactly within MaxIntDigits and
// refused beyond; one of 5000 digits is beyond the default 4300.
func TestPickleLong4FromPython(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import pickle").Run(); err != nil {
		t.Skip("Python 3 is not installed")
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle
for v in (7 * 10**999 + 12345, -(7 * 10**999 + 12345), 10**4999):
    print(base64.b64encode(pickle.dumps(v, protocol=5)).decode())
`).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	lines := strings.Fields(string(out))
	big1000 := new(big.Int).Add(new(big.Int).Mul(big.NewInt(7), new(big.Int).Exp(big.NewInt(10), big.NewInt(999), nil)), big.NewInt(12345))
	for i, want := range []*big.Int{big1000, new(big.Int).Neg(big1000)} {
		data, err := base64.StdEncoding.DecodeString(lines[i])
		noErr(t, err)
		if !strings.Contains(string(data), "\x8b") {
			t.Fatalf("Python pickled %v without a LONG4: %q", want, data)
		}
		if v, err := Pickle.Unmarshal(data); err != nil || v.(*big.Int).Cmp(want) != 0 {
			t.Errorf("%.20v... read as %.20v, %v", want, v, err)
		}
		SetDecodeLimits(Limits{MaxIntDigits: 999})
		_, err = Pickle.Unmarshal(data)
		SetDecodeLimits(Limits{})
		var l *LimitError
		if !errors.As(err, &l) || l.Limit != "MaxIntDigits" || !strings.Contains(err.Error(), "integer of 1000 digits, more than 999") {
			t.Errorf("1000 digits, MaxIntDigits 999: %v", err)
		}
	}
	data, err := base64.StdEncoding.DecodeString(lines[2])
	noErr(t, err)
	var l *LimitError
	if _, err := Pickle.Unmarshal(data); !errors.As(err, &l) || l.Limit != "MaxIntDigits" || !strings.Contains(err.Error(), "more than 4300, the MaxIntDigits limit") {
		t.Errorf("10**4999 with the default limits: %v", err)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPickleRoundTrip(t *testing.T) {
	type point struct {
		X, Y int
	}
	for _, v := range []any{
		nil, true, "hola ñ", int64(-3), 2.5, []any{int64(1), "a"},
		map[string]any{"a": []any{nil, false}},
	} {
		b, err := Pickle.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Pickle.Unmarshal(b)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("round trip of %#v = %#v, %v", v, got, err)
		}
	}
	b, err := Pickle.Marshal(point{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Pickle.Unmarshal(b); !reflect.DeepEqual(got, map[string]any{"X": int64(1), "Y": int64(2)}) {
		t.Errorf("a struct pickles as %#v", got)
	}
	if _, err := Pickle.Marshal(make(chan int)); err == nil {
		t.Error("a channel was pickled")
	}
}

// TestPythonReadsGoPickles checks that Python's pickle.loads reads what the
// Pickle serializer writes, the job data tuple included.
func TestPythonReadsGoPickles(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import pickle").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Python 3 is required in CI")
		}
		t.Skip("Python 3 is not installed")
	}
	data, err := encodeCall(Pickle, "tareas.func", []any{4, "ñ", []any{1.5, nil, true}, uint64(math.MaxUint64), new(big.Int).Lsh(big.NewInt(-1), 70),
		struct{ N uint64 }{math.MaxUint64}}, map[string]any{"k": map[string]any{"a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, pickle, sys, zlib
print(repr(pickle.loads(zlib.decompress(base64.b64decode(sys.argv[1])))))
`, base64.StdEncoding.EncodeToString(data)).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), `('tareas.func', None, (4, 'ñ', [1.5, None, True], 18446744073709551615, -1180591620717411303424, {'N': 18446744073709551615}), {'k': {'a': 1}})`; got != want {
		t.Errorf("Python reads %s, want %s", got, want)
	}
}

func TestJSONWritesFloatsAsPython(t *testing.T) {
	b, err := JSON.Marshal(Tuple{"f", nil, Tuple{3.0, 1.5, 1e16, float32(2)}, map[string]any{"x": []any{0.0}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `["f", null, [3.0, 1.5, 1e+16, 2.0], {"x": [0.0]}]`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	v, err := JSON.Unmarshal([]byte(`[NaN, Infinity, -Infinity, "NaN", 3.0]`))
	if err != nil || len(v.([]any)) != 5 || v.([]any)[3] != "NaN" || v.([]any)[4] != 3.0 {
		t.Errorf("Unmarshal of Python's special floats = %#v, %v", v, err)
	}
}
