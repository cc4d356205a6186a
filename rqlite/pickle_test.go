package rqlite

import (
	"encoding/base64"
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

func TestPickleRefusesPythonObjects(t *testing.T) {
	for name, want := range map[string]string{
		"decimal": "decimal.Decimal(...), that has no Go meaning",
		"date":    "datetime.date(...), that has no Go meaning",
		"ordered": "the pickle holds a Python object that a Go program cannot read",
		"bigint":  "the integer 1180591620717411303424 is too large for Go",
		"intkey":  "a dict has a key of type int64",
	} {
		_, err := Pickle.Unmarshal(pythonPickle(t, name))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
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
	data, err := encodeCall(Pickle, "tareas.func", []any{4, "ñ", []any{1.5, nil, true}}, map[string]any{"k": map[string]any{"a": 1}})
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
	if got, want := strings.TrimSpace(string(out)), `('tareas.func', None, (4, 'ñ', [1.5, None, True]), {'k': {'a': 1}})`; got != want {
		t.Errorf("Python reads %s, want %s", got, want)
	}
}

func TestJSONWritesFloatsAsPython(t *testing.T) {
	b, err := JSON.Marshal(tuple{"f", nil, tuple{3.0, 1.5, 1e16, float32(2)}, map[string]any{"x": []any{0.0}}})
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
