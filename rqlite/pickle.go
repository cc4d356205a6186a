package rqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	ogórek "github.com/kisielk/og-rek"
)

// Pickle is RQ's default serializer: Python's pickle, written with
// protocol 5 as RQ 1.13 writes it on Python 3, through the og-rek library,
// and read, of any protocol, through the gopickle library. Use it to share
// queues with a Python RQ that keeps its default settings.
//
// Decoding never runs code: it understands Python's plain values (None,
// bool, int, float, str, bytes, list, tuple, dict with str keys); an int
// beyond int64 is a *big.Int. A value that Go cannot represent exactly (a
// set, a datetime, a class instance, a function, a dict with other keys)
// is an *UnsupportedValueError that names it, and fails only what holds it
// (the job's call, its meta or one result), not the rest of the job. So
// does a pickle beyond the decode limits (see Limits): a list or dict that
// holds itself, or a *LimitError for nesting deeper than MaxDepth, more values
// than MaxItems, an int of more digits than MaxIntDigits.
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
	return newPickleReader().unmarshal(data)
}

// An UnsupportedValueError is the error of a serializer that meets a value
// that a Go program cannot represent exactly, such as a pickled Python set
// or datetime. It fails only the value that holds it: the job's call, its
// meta, or one result.
type UnsupportedValueError struct {
	// Python names the value as Python does: "set", "frozenset",
	// "datetime.datetime", "decimal.Decimal", "collections.OrderedDict",
	// "object" for an object that the pickle takes from elsewhere than a
	// class (copyreg's extension registry), "persistent id", or "dict key"
	// for a dict with keys that are not str.
	Python string
	msg    string // one line
}

func (e *UnsupportedValueError) Error() string { return e.msg }

func unsupported(python, format string, args ...any) *UnsupportedValueError {
	return &UnsupportedValueError{Python: python, msg: fmt.Sprintf(format, args...)}
}

// unsupportedSet is the error of a pickled set or frozenset.
func unsupportedSet(python string) *UnsupportedValueError {
	instead := map[string]string{"set": "a list", "frozenset": "a tuple"}[python]
	return unsupported(python, "the pickle holds a Python %s, which is not supported in Go (%s is)", python, instead)
}

// unsupportedObject is the error of a pickled object that has no class
// to name, which msg describes.
func unsupportedObject(msg string) *UnsupportedValueError {
	return unsupported("object", "the pickle holds a Python object that a Go program cannot read (%s)", msg)
}

// unsupportedDictKey is the error of a pickled dict with a key of a type
// other than str.
func unsupportedDictKey(typ string) *UnsupportedValueError {
	return unsupported("dict key", "a dict has a key of type %s; only str keys can be read in Go", typ)
}

// A Tuple is a value that is a tuple in Python: pickle writes it as a
// tuple, JSON as a list (as Python's json.dumps writes a tuple), and a
// job's description shows it as Python's repr does, (1, 2). rq enqueue
// gives one for a tuple written with %; a job's data and its positional
// arguments are tuples too, as RQ pickles them. Values read from Redis
// are never Tuples: a pickled tuple is read as a []any.
type Tuple []any

// toPickle turns a Go value into what og-rek encodes as the same Python
// value RQ would pickle.
func toPickle(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return ogórek.None{}, nil
	case Tuple:
		out, err := convertAll(v, toPickle)
		return ogórek.Tuple(out), err
	case []any:
		return convertAll(v, toPickle)
	case map[string]any:
		return pickleDict(v)
	case Kwargs:
		return pickleDict(v)
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		// A uint64 beyond int64 is written as Python's INT, which Python
		// reads as an int and Unmarshal as a *big.Int.
		return v, nil
	case *big.Int:
		if v == nil {
			return ogórek.None{}, nil
		}
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return v, nil
	case []byte:
		return ogórek.Bytes(v), nil
	case json.Number:
		// Exactly: a whole number as an int of any size, as Python's
		// json.loads reads it.
		n, err := numberValue(v)
		if err != nil {
			return nil, fmt.Errorf("cannot pickle json.Number %q: %w", string(v), err)
		}
		return n, nil
	}
	return pickleMarshaled(v)
}

// numberValue is n as a generic value: an int64 when it is a whole number
// that fits, a *big.Int when it is a whole number beyond, or else a
// float64, ±Inf beyond float64's range (as Python's float() reads it). It
// returns an error, and 0, only when n is not a number.
func numberValue(n json.Number) (any, error) {
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	if !strings.ContainsAny(string(n), ".eE") {
		if b, ok := new(big.Int).SetString(string(n), 10); ok {
			return b, nil
		}
	}
	f, err := n.Float64()
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return f, err
	}
	return f, nil
}

// pickleDict turns a dict into og-rek's.
func pickleDict(v map[string]any) (any, error) {
	out := make(map[any]any, len(v))
	for k, x := range v {
		p, err := toPickle(x)
		if err != nil {
			return nil, err
		}
		out[k] = p
	}
	return out, nil
}

// pickleMarshaled turns anything that is not a generic value (structs,
// typed maps and slices) into the JSON value it is: a dict, a list... Its
// numbers are kept as written (a uint64 beyond int64 stays exact).
func pickleMarshaled(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var g any
	if err := dec.Decode(&g); err != nil {
		return nil, err
	}
	if reflect.TypeOf(g) == reflect.TypeOf(v) {
		return nil, fmt.Errorf("cannot pickle %T", v)
	}
	return toPickle(g)
}

// unsupportedCall is the error of a Python object that the pickle makes
// by a call to module.name, such as set([1, 2]) or datetime.datetime(...).
func unsupportedCall(module, name string) *UnsupportedValueError {
	full := pyName(module, name)
	switch full {
	case "builtins.set", "__builtin__.set":
		return unsupportedSet("set")
	case "builtins.frozenset", "__builtin__.frozenset":
		return unsupportedSet("frozenset")
	}
	if module == "datetime" {
		return unsupported(full, "the pickle holds a Python object, %s(...), that has no Go meaning: "+
			"a Go program reads times written as strings or numbers", full)
	}
	return unsupported(full, "the pickle holds a Python object, %s(...), that has no Go meaning", full)
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
func pyName(module, name string) string {
	name = module + "." + name
	if q := strconv.QuoteToASCII(name); q[1:len(q)-1] != name {
		return q
	}
	return name
}

// intDigitsOver is how many decimal digits n has, or at least, if they
// are more than limit, and else 0; it does not print n, which takes time
// that grows as the square of its size.
func intDigitsOver(n *big.Int, limit int) int {
	bits := n.BitLen() // 2**(bits-1) <= |n| < 2**bits
	if float64(bits)+1 <= float64(limit)*math.Log2(10) || n.CmpAbs(pow10(limit)) < 0 {
		return 0
	}
	return max(limit+1, int(float64(bits-1)/math.Log2(10))+1)
}

// lastPow10 is the power of 10 that pow10 made last.
var lastPow10 atomic.Pointer[struct {
	n int
	p *big.Int
}]

// pow10 is 10**n.
func pow10(n int) *big.Int {
	if c := lastPow10.Load(); c != nil && c.n == n {
		return c.p
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	lastPow10.Store(&struct {
		n int
		p *big.Int
	}{n, p})
	return p
}

// pythonType names the Go type a Python value was decoded into.
func pythonType(v any) string { return fmt.Sprintf("%T", v) }
