package rqlite

// Decoding a pickle, with the gopickle library: it keeps a list as a
// pointer, so that a list the pickle shares (x = [1]; [x, x]) is the same
// list wherever it appears, as in Python, and it reads ints of any size
// (LONG1, LONG4). og-rek, which writes the pickles, read a shared list as
// empty after its first appearance, and no LONG4.

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// loadPickle decodes data, a pickle that walkPickle checked (and
// rewrote where gopickle reads otherwise than Python). It never runs
// code: each class or function the pickle names is a pyClass, and each
// object it makes a pyObject, which the pickleReader refuses.
func loadPickle(data []byte) (v any, err error) {
	defer func() {
		// gopickle indexes without checking in a few places (a dict of an
		// odd number of items, an unhashable key of an OrderedDict).
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = func(module, name string) (any, error) { return &pyClass{module, name}, nil }
	u.PersistentLoad = func(id any) (any, error) { return pyPersistent{id}, nil }
	u.GetExtension = func(code int) (any, error) { return pyExtension(code), nil }
	return u.Load()
}

// A pyClass is a Python class or function that a pickle names.
type pyClass struct{ module, name string }

// A pyObject is what a pickle makes by calling a pyClass: a Python object
// that a Go program cannot read. It takes the state, items and attributes
// that the pickle gives it, and keeps none.
type pyObject struct{ class *pyClass }

// A pyPersistent is a persistent id, which refers to an object out of the
// pickle.
type pyPersistent struct{ id any }

// A pyExtension is an object of the extension registry (copyreg), by its
// code.
type pyExtension int

// Call is what the pickle makes by calling c with args: the bytes that
// Python writes with protocols 0 to 2 as calls (og-rek read them too), and
// else a pyObject.
func (c *pyClass) Call(args ...any) (any, error) {
	builtin := c.module == "builtins" || c.module == "__builtin__"
	switch {
	case c.module == "_codecs" && c.name == "encode" && len(args) == 2 && args[1] == "latin1":
		return latin1Bytes(args[0])
	case builtin && c.name == "bytearray" && len(args) == 1:
		if b, ok := args[0].([]byte); ok {
			return b, nil
		}
	case builtin && c.name == "bytearray" && len(args) == 2 && args[1] == "latin-1":
		return latin1Bytes(args[0])
	}
	return &pyObject{c}, nil
}

// PyNew is what NEWOBJ, NEWOBJ_EX and __builtin__.object make of c: a
// pyObject.
func (c *pyClass) PyNew(...any) (any, error) { return &pyObject{c}, nil }

func (*pyObject) PySetState(any) error { return nil }
func (*pyObject) Set(_, _ any)         {}
func (*pyObject) Append(any)           {}

// latin1Bytes is the bytes that Python's protocols 0 to 2 write as s, a
// str, encoded as Latin-1.
func latin1Bytes(s any) ([]byte, error) {
	str, ok := s.(string)
	if !ok {
		return nil, fmt.Errorf("latin1: want a str, got %T", s)
	}
	b := make([]byte, 0, len(str))
	for _, r := range str {
		if r >= 0x100 {
			return nil, fmt.Errorf("latin1: cannot encode %q", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// A pickleReader turns what gopickle decodes into rqlite's generic values,
// within the decode limits: gopickle keeps its stack in a slice, but the
// turning recurses, and a pickle can make a list or dict that holds
// itself, nest lists millions deep or share one list many times over,
// which would exhaust the stack or the memory. A value shared is turned
// each time it appears, and counts each time.
type pickleReader struct {
	limits Limits
	depth  int
	items  int
	path   map[any]bool // the lists and dicts being turned, to tell one that holds itself
}

func newPickleReader() *pickleReader { return &pickleReader{limits: DecodeLimits()} }

// unmarshal decodes data, a pickle, within the limits of p.
func (p *pickleReader) unmarshal(data []byte) (any, error) {
	data, err := walkPickle(data, p.limits)
	if err != nil {
		return nil, err
	}
	v, err := loadPickle(data)
	if err != nil {
		return nil, pickleError(err)
	}
	return p.value(v)
}

// value turns v and what it holds.
func (p *pickleReader) value(v any) (any, error) {
	if p.items++; p.items > p.limits.MaxItems {
		return nil, limitError("MaxItems", p.limits.MaxItems, "pickle holds more than %d values, the MaxItems limit", p.limits.MaxItems)
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case bool, string, float64:
		return v, nil
	case int:
		return int64(v), nil
	case []byte:
		return v, nil
	case *types.ByteArray:
		return []byte(*v), nil
	case *big.Int:
		return p.bigInt(v)
	case *types.Tuple:
		return nested(p, []any(*v), p.list)
	case *types.List:
		return p.shared(v, "list", func() (any, error) { return nested(p, []any(*v), p.list) })
	case *types.Dict:
		return p.shared(v, "dict", func() (any, error) { return nested(p, v, p.dict) })
	}
	return nil, pythonValueError(v)
}

// bigInt turns an int that gopickle reads as a *big.Int.
func (p *pickleReader) bigInt(v *big.Int) (any, error) {
	if v.IsInt64() {
		return v.Int64(), nil
	}
	if n := intDigitsOver(v, p.limits.MaxIntDigits); n > 0 {
		return nil, checkDigits("pickle", n, p.limits.MaxIntDigits)
	}
	return v, nil // exact, where an int64 or a float64 would not be
}

// shared turns v, a list or dict (what), with f, unless v is being turned
// already: it holds itself.
func (p *pickleReader) shared(v any, what string, f func() (any, error)) (any, error) {
	if p.path[v] {
		return nil, fmt.Errorf("pickle value refers to itself: a %s holds itself, which a Go value cannot", what)
	}
	if p.path == nil {
		p.path = make(map[any]bool)
	}
	p.path[v] = true
	defer delete(p.path, v)
	return f()
}

// nested turns a list, tuple or dict, v, with f, one level deeper.
func nested[T any](p *pickleReader, v T, f func(T) (any, error)) (any, error) {
	if p.depth++; p.depth > p.limits.MaxDepth {
		return nil, depthError("pickle", p.limits.MaxDepth)
	}
	out, err := f(v)
	p.depth--
	return out, err
}

// list turns a list or tuple.
func (p *pickleReader) list(v []any) (any, error) {
	return convertAll(v, p.value)
}

// dict turns a dict into a dict with str keys, the only ones Go reads. A
// key that the pickle sets again takes the later value, as in Python.
func (p *pickleReader) dict(v *types.Dict) (any, error) {
	out := make(map[string]any, len(*v))
	for _, e := range *v {
		k, ok := e.Key.(string)
		if !ok {
			return nil, unsupportedDictKey(keyType(e.Key))
		}
		g, err := p.value(e.Value)
		if err != nil {
			return nil, err
		}
		out[k] = g
	}
	return out, nil
}

// keyType names the type of a dict key that is not a str.
func keyType(k any) string {
	switch k.(type) {
	case nil:
		return "None"
	case int:
		return "int64"
	case []byte:
		return "Bytes"
	case *types.Tuple:
		return "Tuple"
	case *types.List:
		return "list"
	case *types.Dict:
		return "dict"
	}
	return pythonType(k)
}

// pythonValueError is the error of v, a value that gopickle decodes and
// that has no Go meaning.
func pythonValueError(v any) *UnsupportedValueError {
	switch v := v.(type) {
	case *pyObject:
		return unsupportedCall(v.class.module, v.class.name)
	case *pyClass:
		return unsupportedClass(pyName(v.module, v.name))
	case *types.OrderedDict:
		return unsupportedCall("collections", "OrderedDict")
	case *types.OrderedDictClass:
		return unsupportedClass("collections.OrderedDict")
	case *types.ObjectClass:
		return unsupportedClass("__builtin__.object")
	case *types.Reconstructor:
		return unsupportedClass("copy_reg._reconstructor")
	case pyPersistent:
		return unsupported("persistent id", "the pickle holds a persistent id, %s, that has no Go meaning", strconv.QuoteToASCII(fmt.Sprint(v.id)))
	case pyExtension:
		return unsupportedObject(fmt.Sprintf("extension code %d", v))
	}
	return unsupported(pythonType(v), "the pickle holds a Python value of type %s that has no Go meaning", pythonType(v))
}

// unsupportedClass is the error of a Python class or function, name.
func unsupportedClass(name string) *UnsupportedValueError {
	return unsupported(name, "the pickle holds a Python class or function, %s, that has no Go meaning", name)
}

// pickleError explains an error of gopickle's decoder in one line.
// gopickle makes a collections.OrderedDict, __builtin__.object and
// copy_reg._reconstructor of its own, without FindClass, and tells only
// by the text of its errors that they were given arguments it does not
// take.
func pickleError(err error) error {
	msg := strconv.QuoteToASCII(err.Error()) // one line, whatever bytes the pickle had
	for _, s := range []string{"OrderedDictClass", "ObjectClass", "Reconstructor"} {
		if strings.Contains(msg, s) {
			return unsupportedObject(msg)
		}
	}
	return invalidPickle(msg)
}

// invalidPickle is the error of data that is not a pickle that Python
// reads; msg, quoted, says why.
func invalidPickle(msg string) error {
	return fmt.Errorf("invalid pickle (is the data pickled? the queue's serializer may be another): %s", msg)
}
