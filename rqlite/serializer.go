package rqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A Serializer turns the values that cross Redis (a job's function call, its
// meta and its result) into bytes and back, as RQ's serializers do. RQ does
// not record the serializer in Redis: the producer and the worker of a queue
// must use the same one.
type Serializer interface {
	// Name is the name used on the command line (-S json).
	Name() string
	// Marshal encodes v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into generic values: nil, bool, string,
	// json.Number (JSON) or int64/float64, []any and map[string]any.
	Unmarshal(data []byte) (any, error)
}

// JSON is RQ's JSONSerializer: JSON written exactly as Python's json.dumps
// writes it (", " and ": " separators, non-ASCII escaped), so that the bytes
// in Redis are the same whichever side wrote them. It is the default.
var JSON Serializer = jsonSerializer{}

type jsonSerializer struct{}

func (jsonSerializer) Name() string { return "json" }

func (jsonSerializer) Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pythonFloats(v)); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	b = pythonJSON(b[:len(b)-1]) // Encode adds a newline
	if bytes.Contains(b, []byte(`\u0000`)) {
		b = []byte(specialFloats.Replace(string(b)))
	}
	return b, nil
}

func (jsonSerializer) Unmarshal(data []byte) (any, error) {
	data = pythonSpecialFloats(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON: data after the value")
	}
	return plainNumbers(v), nil
}

// plainNumbers replaces each json.Number in v by an int64 when it is a whole
// number that fits, or else by a float64.
func plainNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case string:
		switch v {
		case "\x00inf\x00":
			return math.Inf(1)
		case "\x00-inf\x00":
			return math.Inf(-1)
		case "\x00nan\x00":
			return math.NaN()
		}
	case []any:
		for i := range v {
			v[i] = plainNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = plainNumbers(v[k])
		}
	}
	return v
}

// pythonFloats wraps the floats in v (in lists and maps too) so that they
// are written as Python writes them: 3.0, not 3; 1e+16; NaN and Infinity.
// Floats inside other types (struct fields) are written as Go writes them.
func pythonFloats(v any) any {
	switch v := v.(type) {
	case float64:
		return pyJSONFloat(v)
	case float32:
		return pyJSONFloat(float64(v))
	case tuple:
		return tuple(pythonFloatList(v))
	case []any:
		return pythonFloatList(v)
	case map[string]any:
		return pythonFloatMap(v)
	case Kwargs:
		return pythonFloatMap(v)
	}
	return v
}

func pythonFloatList(v []any) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = pythonFloats(x)
	}
	return out
}

func pythonFloatMap(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = pythonFloats(x)
	}
	return out
}

// pyJSONFloat is a float written as Python's json.dumps writes it.
type pyJSONFloat float64

func (f pyJSONFloat) MarshalJSON() ([]byte, error) {
	switch s := pyFloat(float64(f)); s {
	case "inf", "-inf", "nan":
		// encoding/json refuses what is not JSON: a marker string, which
		// pythonJSON replaces by Python's Infinity, -Infinity or NaN.
		return []byte(`"\u0000` + s + `\u0000"`), nil
	default:
		return []byte(s), nil
	}
}

// specialFloats are the markers of pyJSONFloat and what Python writes.
var specialFloats = strings.NewReplacer(`"\u0000inf\u0000"`, "Infinity", `"\u0000-inf\u0000"`, "-Infinity", `"\u0000nan\u0000"`, "NaN")

// pythonJSON rewrites compact JSON as Python's json.dumps would write it:
// a space after every ',' and ':' outside strings, and every non-ASCII rune
// escaped as \uXXXX (a surrogate pair beyond the BMP).
func pythonJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	inString := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(b[i:])
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
			i += size
			continue
		case inString:
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				out = append(out, b[i+1])
				i += 2
				continue
			}
			if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out = append(out, c)
		case c == ',' || c == ':':
			out = append(out, c, ' ')
		default:
			out = append(out, c)
		}
		i++
	}
	return out
}

// SerializerByName returns the serializer called name: "json" or "pickle",
// or RQ's dotted names for them (rq.serializers.JSONSerializer,
// rq.serializers.DefaultSerializer), in any case.
func SerializerByName(name string) (Serializer, error) {
	switch strings.ToLower(name) {
	case "json", "rq.serializers.jsonserializer":
		return JSON, nil
	case "pickle", "rq.serializers.defaultserializer", "rq.serializers.pickleserializer":
		return Pickle, nil
	}
	return nil, fmt.Errorf("rqlite: unknown serializer %q: use json or pickle", name)
}

// pythonSpecialFloats replaces Python's NaN, Infinity and -Infinity, which
// are not JSON, outside strings, by the marker strings of pyJSONFloat, which
// plainNumbers turns into floats again; it returns data itself when it has
// none.
func pythonSpecialFloats(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			out = append(out, c)
			if c == '\\' && i+1 < len(data) {
				i++
				out = append(out, data[i])
			} else if c == '"' {
				inString = false
			}
			continue
		case c == '"':
			inString = true
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out, i = append(out, `"\u0000-inf\u0000"`...), i+len("-Infinity")-1
			continue
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out, i = append(out, `"\u0000inf\u0000"`...), i+len("Infinity")-1
			continue
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out, i = append(out, `"\u0000nan\u0000"`...), i+len("NaN")-1
			continue
		}
		out = append(out, c)
	}
	return out
}
