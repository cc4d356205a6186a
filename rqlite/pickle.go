package rqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	ogórek "github.com/kisielk/og-rek"
)

// Pickle is RQ's default serializer: Python's pickle, written with
// protocol 5 as RQ 1.13 writes it on Python 3, through the og-rek library.
// Use it to share queues with a Python RQ that keeps its default settings.
//
// Decoding never runs code: it understands Python's plain values (None,
// bool, int, float, str, bytes, list, tuple, dict), and a pickled Python
// object that has no Go meaning (a class instance, a function, a bound
// method) is an error, which fails only the job that carries it.
var Pickle Serializer = pickleSerializer{}

type pickleSerializer struct{}

func (pickleSerializer) Name() string { return "pickle" }

func (pickleSerializer) Marshal(v any) ([]byte, error) {
	p, err := toPickle(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := ogórek.NewEncoderWithConfig(&buf, &ogórek.EncoderConfig{Protocol: 5, StrictUnicode: true})
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (pickleSerializer) Unmarshal(data []byte) (any, error) {
	dec := ogórek.NewDecoderWithConfig(bytes.NewReader(data), &ogórek.DecoderConfig{StrictUnicode: true})
	v, err := dec.Decode()
	if err != nil {
		msg := strconv.QuoteToASCII(err.Error()) // one line, whatever bytes the pickle had
		if strings.Contains(msg, "ogórek.Call") || strings.Contains(msg, "ogórek.Class") || strings.Contains(msg, `og\u00f3rek.C`) ||
			strings.Contains(msg, "opcode 129") || strings.Contains(msg, "opcode 146") {
			return nil, fmt.Errorf("the pickle holds a Python object that a Go program cannot read (%s)", msg)
		}
		return nil, fmt.Errorf("invalid pickle (is the data pickled? the queue's serializer may be another): %s", msg)
	}
	return fromPickle(v)
}

// tuple is a sequence that is a tuple in Python: the job's data and its
// positional arguments, as RQ pickles them. JSON writes it as a list.
type tuple []any

// toPickle turns a Go value into what og-rek encodes as the same Python
// value RQ would pickle.
func toPickle(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return ogórek.None{}, nil
	case tuple:
		out, err := convertAll(v, toPickle)
		return ogórek.Tuple(out), err
	case []any:
		return convertAll(v, toPickle)
	case map[string]any:
		out := make(map[any]any, len(v))
		for k, x := range v {
			p, err := toPickle(x)
			if err != nil {
				return nil, err
			}
			out[k] = p
		}
		return out, nil
	case Kwargs:
		return toPickle(map[string]any(v))
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return v, nil
	case []byte:
		return ogórek.Bytes(v), nil
	}
	// Anything else (structs, typed maps and slices) goes as the JSON
	// value it is: a dict, a list...
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	g, err := JSON.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if reflect.TypeOf(g) == reflect.TypeOf(v) {
		return nil, fmt.Errorf("cannot pickle %T", v)
	}
	return toPickle(g)
}

// fromPickle turns what og-rek decodes into rqlite's generic values.
func fromPickle(v any) (any, error) {
	switch v := v.(type) {
	case ogórek.None:
		return nil, nil
	case bool, string, int64, float64:
		return v, nil
	case ogórek.ByteString:
		return string(v), nil
	case ogórek.Bytes:
		return []byte(v), nil
	case []byte:
		return v, nil
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return nil, fmt.Errorf("the integer %s is too large for Go", v)
	case ogórek.Tuple:
		return convertAll(v, fromPickle)
	case []any:
		return convertAll(v, fromPickle)
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a dict has a key of type %s; only str keys can be read in Go", pythonType(k))
			}
			g, err := fromPickle(x)
			if err != nil {
				return nil, err
			}
			out[ks] = g
		}
		return out, nil
	case ogórek.Call:
		return nil, fmt.Errorf("the pickle holds a Python object, %s(...), that has no Go meaning", pyName(v.Callable))
	case ogórek.Class:
		return nil, fmt.Errorf("the pickle holds a Python class or function, %s, that has no Go meaning", pyName(v))
	}
	return nil, fmt.Errorf("the pickle holds a Python value of type %s that has no Go meaning", pythonType(v))
}

// convertAll converts each element of v with f.
func convertAll(v []any, f func(any) (any, error)) ([]any, error) {
	out := make([]any, len(v))
	for i, x := range v {
		g, err := f(x)
		if err != nil {
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}

// pyName is a pickled class's dotted name, quoted if it holds anything but
// plain characters, so that an error stays on one line.
func pyName(c ogórek.Class) string {
	name := c.Module + "." + c.Name
	if q := strconv.QuoteToASCII(name); q[1:len(q)-1] != name {
		return q
	}
	return name
}

// pythonType names the Go type og-rek decoded a Python value into.
func pythonType(v any) string { return fmt.Sprintf("%T", v) }
