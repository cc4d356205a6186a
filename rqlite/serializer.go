package rqlite

import (
	"fmt"
	"strings"
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
	// int64 or float64, []any and map[string]any, *big.Int for an int
	// beyond int64; and, from a pickle, []byte for Python's bytes. A
	// value that Go cannot represent exactly is an *UnsupportedValueError.
	Unmarshal(data []byte) (any, error)
}

// JSON is RQ's JSONSerializer: JSON written exactly as Python's json.dumps
// writes it (", " and ": " separators, non-ASCII escaped, floats as repr
// writes them, NaN, Infinity and -Infinity bare), so that the bytes in
// Redis are the same whichever side wrote them, and read as json.loads
// reads it, those three included. It is the default.
var JSON Serializer = jsonSerializer{}

type jsonSerializer struct{}

func (jsonSerializer) Name() string { return "json" }

// Marshal writes the generic values (nil, bool, strings, numbers, []any,
// map[string]any, Kwargs) itself, and any other value, such as a struct,
// as encoding/json writes it (respaced and escaped as Python would).
func (jsonSerializer) Marshal(v any) ([]byte, error) {
	e := jsonEncoder{buf: make([]byte, 0, 64)}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// Unmarshal reads one JSON value, with Python's NaN, Infinity and
// -Infinity, into nil, bool, string, int64 (a whole number that fits) or
// float64, []any and map[string]any.
func (jsonSerializer) Unmarshal(data []byte) (any, error) {
	lim := DecodeLimits()
	d := jsonDecoder{data: data, maxDepth: lim.MaxDepth, maxItems: lim.MaxItems}
	d.space()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.space(); d.pos < len(d.data) {
		return nil, fmt.Errorf("invalid JSON: data after the value")
	}
	return v, nil
}

// maxJSONDepth is how deeply lists and dicts may nest when encoding, as in
// encoding/json: deeper, a value is refused rather than exhausting the
// stack (a list that holds itself would never end). Decoding has its own
// limit, Limits.MaxDepth, as deep by default.
const maxJSONDepth = 10000

var errJSONDepth = fmt.Errorf("JSON nested more than %d deep (does a value hold itself?)", maxJSONDepth)

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
