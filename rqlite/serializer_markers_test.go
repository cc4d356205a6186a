package rqlite

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// Issue 14, finding 9: the JSON serializer once wrote NaN and the infinities
// through marker strings ("\x00inf\x00"...) that it replaced afterwards, and
// read Python's NaN and Infinity through the same markers: a user's string
// equal to a marker became a float both ways. No user value may collide
// with an internal marker.

// markerStrings are the strings that were markers.
var markerStrings = []string{"\x00inf\x00", "\x00-inf\x00", "\x00nan\x00"}

func TestJSONMarkerStringsAreWrittenAsStrings(t *testing.T) {
	for _, s := range markerStrings {
		v := Tuple{"f", nil, Tuple{s, []any{s}}, map[string]any{s: s}}
		b, err := JSON.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		q := `"` + strings.ReplaceAll(s, "\x00", `\u0000`) + `"` // "\u0000inf\u0000"...
		if want := `["f", null, [` + q + `, [` + q + `]], {` + q + `: ` + q + `}]`; string(b) != want {
			t.Errorf("JSON.Marshal(%q) = %s, want %s", s, b, want)
		}
		back, err := JSON.Unmarshal(b)
		if err != nil || !reflect.DeepEqual(back, []any{"f", nil, []any{s, []any{s}}, map[string]any{s: s}}) {
			t.Errorf("round trip of %q = %#v, %v", s, back, err)
		}
	}
}

func TestJSONMarkerStringsAreReadAsStrings(t *testing.T) {
	// As Python's json.dumps writes the str "\x00inf\x00"...
	v, err := JSON.Unmarshal([]byte(`["\u0000inf\u0000", "\u0000-inf\u0000", "\u0000nan\u0000", {"k": "\u0000nan\u0000"}, "NaN", "Infinity"]`))
	want := []any{"\x00inf\x00", "\x00-inf\x00", "\x00nan\x00", map[string]any{"k": "\x00nan\x00"}, "NaN", "Infinity"}
	if err != nil || !reflect.DeepEqual(v, want) {
		t.Errorf("Unmarshal = %#v, %v; want %#v", v, err, want)
	}
}

// TestJSONSpecialFloats: NaN, Infinity and -Infinity, bare, as Python
// writes and reads them, wherever they are.
func TestJSONSpecialFloats(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	b, err := JSON.Marshal(Tuple{"f", nil, Tuple{nan, inf, -inf, float32(math.Inf(-1))}, Kwargs{"x": []any{inf, map[string]any{"y": nan}}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `["f", null, [NaN, Infinity, -Infinity, -Infinity], {"x": [Infinity, {"y": NaN}]}]`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	for _, s := range []string{string(b), "NaN", " -Infinity ", `{"a": [Infinity]}`} {
		if _, err := JSON.Unmarshal([]byte(s)); err != nil {
			t.Errorf("Unmarshal(%s): %v", s, err)
		}
	}
	v, err := JSON.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	args := v.([]any)[2].([]any)
	if !math.IsNaN(args[0].(float64)) || args[1] != inf || args[2] != -inf || args[3] != -inf {
		t.Errorf("read back %#v", args)
	}
	// Not JSON, nor what Python reads.
	for _, s := range []string{"nan", "inf", "+Infinity", "-NaN", "Infinit", `["NaN" NaN]`, "-", "[1,]", `{"a" 1}`, "01", "1.", "1e", `"\x01"`, `"\q"`, `"\u12"`, "[1] ]", "[1] x"} {
		if v, err := JSON.Unmarshal([]byte(s)); err == nil {
			t.Errorf("Unmarshal(%q) = %#v, want an error", s, v)
		} else if strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("Unmarshal(%q): error of more than one line: %q", s, err)
		}
	}
}

// TestJSONMatchesPython checks the bytes against Python's json.dumps, and
// that each side reads the other's: special floats, the marker strings,
// floats in both notations, escapes.
func TestJSONMatchesPython(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import json").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Python 3 is required in CI")
		}
		t.Skip("Python 3 is not installed")
	}
	values := []any{
		markerStrings[0], markerStrings[1], markerStrings[2], math.NaN(), math.Inf(1), math.Inf(-1),
		[]any{"NaN", "Infinity", "-Infinity"}, map[string]any{"\x00nan\x00": math.NaN(), "b": "\x00inf\x00"},
		1e6, 123456789.0, 1e15, 1e16, 1e-5, 0.0001, 1.5e-7, 1e22, 5e-324, math.Copysign(0, -1), 0.1, 1.7976931348623157e308,
		int64(-3), "\x7f\x1f\b\f\n\r\t\"\\/ ñ € 𝄞 \u2028", "",
	}
	goJSON, err := JSON.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import base64, json, math, sys
got = base64.b64decode(sys.argv[1]).decode("ascii")
v = json.loads(got)
print(repr(v[:6]))
values = ["\x00inf\x00", "\x00-inf\x00", "\x00nan\x00", float("nan"), float("inf"), float("-inf"),
    ["NaN", "Infinity", "-Infinity"], {"\x00nan\x00": float("nan"), "b": "\x00inf\x00"},
    1e6, 123456789.0, 1e15, 1e16, 1e-5, 0.0001, 1.5e-7, 1e22, 5e-324, -0.0, 0.1, 1.7976931348623157e308,
    -3, "\x7f\x1f\b\f\n\r\t\"\\/ ñ € 𝄞 \u2028", ""]
want = json.dumps(values)
print("same" if got == want else "python: " + want)
print(base64.b64encode(want.encode()).decode())
`, base64.StdEncoding.EncodeToString(goJSON)).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("python said:\n%s", out)
	}
	if want := `['\x00inf\x00', '\x00-inf\x00', '\x00nan\x00', nan, inf, -inf]`; lines[0] != want {
		t.Errorf("Python reads Go's JSON as %s, want %s", lines[0], want)
	}
	if lines[1] != "same" {
		t.Errorf("Go writes    %s\n%s", goJSON, lines[1])
	}
	pyJSON, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	v, err := JSON.Unmarshal(pyJSON)
	if err != nil {
		t.Fatalf("Go cannot read Python's %s: %v", pyJSON, err)
	}
	got := v.([]any)
	for i, s := range markerStrings {
		if got[i] != s {
			t.Errorf("Python's string %q read as %#v", s, got[i])
		}
	}
	if !math.IsNaN(got[3].(float64)) || got[4] != math.Inf(1) || got[5] != math.Inf(-1) {
		t.Errorf("Python's special floats read as %#v", got[3:6])
	}
	if m := got[7].(map[string]any); !math.IsNaN(m["\x00nan\x00"].(float64)) || m["b"] != "\x00inf\x00" {
		t.Errorf("Python's dict read as %#v", m)
	}
	if got[len(got)-2] != values[len(values)-2] {
		t.Errorf("Python's escapes read as %q", got[len(got)-2])
	}
}

// FuzzJSON checks JSON.Unmarshal against encoding/json, which reads the same
// language but for Python's NaN, Infinity and -Infinity: what one accepts,
// the other does, to the same value; and what JSON.Unmarshal reads, JSON.Marshal
// writes back to the same value.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`["f", null, [1, -2.5e3, "\u0000inf\u0000"], {"k": [true, false]}]`, `NaN`, `[-Infinity, Infinity]`,
		`"\ud834\udd1e \ud800 \u00f1"`, "\"\xff\"", `{"a": 1, "a": 2}`, `1e400`, `-0`, `[1] ]`, `01`, ` 3 `,
		`9223372036854775808`, `{"\u0000nan\u0000": NaN}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := JSON.Unmarshal(data)
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("Unmarshal(%q): error of more than one line: %q", data, err)
		}
		if json.Valid(data) {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var want any
			if dec.Decode(&want) != nil {
				t.Fatalf("encoding/json cannot decode %q, which it says is valid", data)
			}
			want, tooLong := jsonNumbers(want)
			switch {
			case tooLong && err == nil:
				t.Fatalf("Unmarshal(%q) = %#v, want an error for an integer of more than %d digits, as Python's", data, v, DefaultMaxIntDigits)
			case !tooLong && (err != nil || !sameValue(v, want)):
				t.Fatalf("Unmarshal(%q) = %#v, %v; encoding/json reads %#v", data, v, err, want)
			}
		} else if err == nil && !hasSpecialFloat(v) {
			t.Fatalf("Unmarshal(%q) = %#v, which encoding/json refuses", data, v)
		}
		if err != nil {
			return
		}
		b, err := JSON.Marshal(v)
		if err != nil {
			t.Fatalf("Unmarshal(%q) = %#v, which cannot be written: %v", data, v, err)
		}
		w, err := JSON.Unmarshal(b)
		if err != nil || !sameValue(v, w) {
			t.Fatalf("round trip of %#v (from %q) through %s gave %#v, %v", v, data, b, w, err)
		}
	})
}

// jsonNumbers replaces each json.Number in v as JSON.Unmarshal reads a
// number: an int64 if it is written whole and fits, else a float64.
func jsonNumbers(v any) (_ any, tooLong bool) {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, false
		}
		if !strings.ContainsAny(string(v), ".eE") {
			n, _ := new(big.Int).SetString(string(v), 10)
			return n, len(strings.TrimPrefix(string(v), "-")) > DefaultMaxIntDigits
		}
		f, _ := v.Float64()
		return f, false
	case []any:
		for i := range v {
			var long bool
			v[i], long = jsonNumbers(v[i])
			tooLong = tooLong || long
		}
	case map[string]any:
		for k := range v {
			var long bool
			v[k], long = jsonNumbers(v[k])
			tooLong = tooLong || long
		}
	}
	return v, tooLong
}

// TestJSONBigInts: a whole number beyond int64 is read exactly, as Python
// reads it, up to Python's limit of digits.
func TestJSONBigInts(t *testing.T) {
	v, err := JSON.Unmarshal([]byte(`[18446744073709551617, -9223372036854775809]`))
	want := []any{new(big.Int).Add(new(big.Int).SetUint64(math.MaxUint64), big.NewInt(2)), big.NewInt(0).Sub(big.NewInt(math.MinInt64), big.NewInt(1))}
	if err != nil || !sameValue(v, want) {
		t.Errorf("Unmarshal = %v, %v; want %v", v, err, want)
	}
	if b, err := JSON.Marshal(v); err != nil || string(b) != `[18446744073709551617, -9223372036854775809]` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if _, err := JSON.Unmarshal([]byte(strings.Repeat("9", DefaultMaxIntDigits))); err != nil {
		t.Errorf("%d digits: %v", DefaultMaxIntDigits, err)
	}
	if _, err := JSON.Unmarshal([]byte("-" + strings.Repeat("9", DefaultMaxIntDigits+1))); err == nil || !strings.Contains(err.Error(), "4301 digits") {
		t.Errorf("%d digits: err = %v, want the limit named", DefaultMaxIntDigits+1, err)
	}
}
