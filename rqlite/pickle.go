package rqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	ogórek "github.com/kisielk/og-rek"
)

// Pickle is RQ's default serializer: Python's pickle, written with
// protocol 5 as RQ 1.13 writes it on Python 3, through the og-rek library.
// Use it to share queues with a Python RQ that keeps its default settings.
//
// Decoding never runs code: it understands Python's plain values (None,
// bool, int, float, str, bytes, list, tuple, dict with str keys); an int
// beyond int64 is a *big.Int. A value that Go cannot represent exactly (a
// set, a datetime, a class instance, a function, a dict with other keys)
// is an *UnsupportedValueError that names it, and fails only what holds it
// (the job's call, its meta or one result), not the rest of the job. So
// does a pickle beyond the decode limits (see Limits): a dict that holds
// itself, or a *LimitError for nesting deeper than MaxDepth, more values
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
	r := newPickleReader()
	if err := scanPickle(data, r.limits); err != nil {
		return nil, err
	}
	dec := ogórek.NewDecoderWithConfig(bytes.NewReader(data), &ogórek.DecoderConfig{StrictUnicode: true})
	v, err := dec.Decode()
	if err != nil {
		return nil, pickleError(err)
	}
	return r.value(v)
}

// An UnsupportedValueError is the error of a serializer that meets a value
// that a Go program cannot represent exactly, such as a pickled Python set
// or datetime. It fails only the value that holds it: the job's call, its
// meta, or one result.
type UnsupportedValueError struct {
	// Python names the value as Python does: "set", "frozenset",
	// "datetime.datetime", "decimal.Decimal", "object" for an instance
	// whose class the pickle does not name where og-rek can see it, or
	// "dict key" for a dict with keys that are not str.
	Python string
	msg    string // one line
}

func (e *UnsupportedValueError) Error() string { return e.msg }

func unsupported(python, format string, args ...any) *UnsupportedValueError {
	return &UnsupportedValueError{Python: python, msg: fmt.Sprintf(format, args...)}
}

// pickleError explains an error of og-rek's decoder in one line. og-rek
// gives no type for a dict key it cannot hold, nor for a call it leaves as
// a value: those are told by the text of its errors, the only place that
// names them.
func pickleError(err error) error {
	msg := strconv.QuoteToASCII(err.Error()) // one line, whatever bytes the pickle had
	var op ogórek.OpcodeError
	if errors.As(err, &op) {
		switch op.Key {
		case 0x8f, 0x90: // EMPTY_SET, ADDITEMS
			return unsupportedSet("set")
		case 0x91: // FROZENSET
			return unsupportedSet("frozenset")
		case 0x81, 0x92, 0x82, 0x83, 0x84: // NEWOBJ, NEWOBJ_EX, EXT1, EXT2, EXT4
			return unsupportedObject(msg)
		}
	}
	if i := strings.Index(err.Error(), "invalid key type "); i >= 0 {
		return unsupportedDictKey(strings.TrimPrefix(strings.TrimPrefix(err.Error()[i+len("invalid key type "):], "ogórek."), "*"))
	}
	if strings.Contains(msg, "ogórek.Call") || strings.Contains(msg, "ogórek.Class") || strings.Contains(msg, `og\u00f3rek.C`) {
		// A Python object, made by a call og-rek keeps as a Call, that the
		// pickle then fills as a dict or list (an OrderedDict, a deque).
		return unsupportedObject(msg)
	}
	return fmt.Errorf("invalid pickle (is the data pickled? the queue's serializer may be another): %s", msg)
}

// unsupportedSet is the error of a pickled set or frozenset.
func unsupportedSet(python string) *UnsupportedValueError {
	instead := map[string]string{"set": "a list", "frozenset": "a tuple"}[python]
	return unsupported(python, "the pickle holds a Python %s, which is not supported in Go (%s is)", python, instead)
}

// unsupportedObject is the error of a pickled object that og-rek cannot
// decode, which msg, og-rek's error, describes.
func unsupportedObject(msg string) *UnsupportedValueError {
	return unsupported("object", "the pickle holds a Python object that a Go program cannot read (%s)", msg)
}

// unsupportedDictKey is the error of a pickled dict with a key of a type
// other than str.
func unsupportedDictKey(typ string) *UnsupportedValueError {
	return unsupported("dict key", "a dict has a key of type %s; only str keys can be read in Go", typ)
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

// A pickleReader turns what og-rek decodes into rqlite's generic values,
// within the decode limits: og-rek's decoder keeps its stack in a slice,
// but the turning recurses, and a pickle can make a dict that holds
// itself, nest lists millions deep or share one list many times over,
// which would exhaust the stack or the memory.
type pickleReader struct {
	limits Limits
	depth  int
	items  int
	path   []uintptr // the dicts being turned, to tell one that holds itself
}

func newPickleReader() *pickleReader { return &pickleReader{limits: DecodeLimits()} }

// value turns v and what it holds.
func (p *pickleReader) value(v any) (any, error) {
	if p.items++; p.items > p.limits.MaxItems {
		return nil, limitError("MaxItems", p.limits.MaxItems, "pickle holds more than %d values, the MaxItems limit", p.limits.MaxItems)
	}
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
		return p.bigInt(v)
	case ogórek.Tuple:
		return nested(p, []any(v), p.list)
	case []any:
		return nested(p, []any(v), p.list)
	case map[any]any:
		return nested(p, v, p.dict)
	case ogórek.Call:
		return nil, unsupportedCall(v)
	case ogórek.Class:
		name := pyName(v)
		return nil, unsupported(name, "the pickle holds a Python class or function, %s, that has no Go meaning", name)
	}
	return nil, unsupported(pythonType(v), "the pickle holds a Python value of type %s that has no Go meaning", pythonType(v))
}

// bigInt turns an int that og-rek reads as a *big.Int.
func (p *pickleReader) bigInt(v *big.Int) (any, error) {
	if v.IsInt64() {
		return v.Int64(), nil
	}
	if n := intDigitsOver(v, p.limits.MaxIntDigits); n > 0 {
		return nil, checkDigits("pickle", n, p.limits.MaxIntDigits)
	}
	return v, nil // exact, where an int64 or a float64 would not be
}

// nested turns a list or dict, v, with f, one level deeper.
func nested[T any](p *pickleReader, v T, f func(T) (any, error)) (any, error) {
	if p.depth++; p.depth > p.limits.MaxDepth {
		return nil, depthError("pickle", p.limits.MaxDepth)
	}
	out, err := f(v)
	p.depth--
	return out, err
}

// list turns og-rek's list or tuple.
func (p *pickleReader) list(v []any) (any, error) {
	return convertAll(v, p.value)
}

// dict turns og-rek's dict into a dict with str keys, the only ones Go
// reads.
func (p *pickleReader) dict(v map[any]any) (any, error) {
	id := reflect.ValueOf(v).Pointer()
	if slices.Contains(p.path, id) { // a short list: dicts seldom nest deep
		return nil, errors.New("pickle value refers to itself: a dict holds itself, which a Go value cannot")
	}
	p.path = append(p.path, id)
	defer func() { p.path = p.path[:len(p.path)-1] }()
	out := make(map[string]any, len(v))
	for k, x := range v {
		ks, ok := k.(string)
		if !ok {
			return nil, unsupportedDictKey(pythonType(k))
		}
		g, err := p.value(x)
		if err != nil {
			return nil, err
		}
		out[ks] = g
	}
	return out, nil
}

// unsupportedCall is the error of a Python object that the pickle makes
// by a call, such as set([1, 2]) or datetime.datetime(...).
func unsupportedCall(v ogórek.Call) *UnsupportedValueError {
	name := pyName(v.Callable)
	switch name {
	case "builtins.set", "__builtin__.set":
		return unsupportedSet("set")
	case "builtins.frozenset", "__builtin__.frozenset":
		return unsupportedSet("frozenset")
	}
	if v.Callable.Module == "datetime" {
		return unsupported(name, "the pickle holds a Python object, %s(...), that has no Go meaning: "+
			"a Go program reads times written as strings or numbers", name)
	}
	return unsupported(name, "the pickle holds a Python object, %s(...), that has no Go meaning", name)
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

// pythonType names the Go type og-rek decoded a Python value into.
func pythonType(v any) string { return fmt.Sprintf("%T", v) }
