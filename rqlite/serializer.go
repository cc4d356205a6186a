package rqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
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
	d := jsonDecoder{data: data}
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

// maxJSONDepth is how deeply lists and dicts may nest, as in encoding/json:
// deeper, a value is refused rather than exhausting the stack (a list that
// holds itself would never end).
const maxJSONDepth = 10000

var errJSONDepth = fmt.Errorf("JSON nested more than %d deep (does a value hold itself?)", maxJSONDepth)

// jsonEncoder writes JSON as Python's json.dumps does. Special floats are
// written bare by appendPyJSONFloat as it meets them: no string is ever
// rewritten afterwards, so no user value can turn into one.
type jsonEncoder struct{ buf []byte }

func (e *jsonEncoder) value(v any, depth int) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case string:
		e.buf = appendPyJSONString(e.buf, v)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int8:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int16:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case uint:
		e.buf = strconv.AppendUint(e.buf, uint64(v), 10)
	case uint8:
		e.buf = strconv.AppendUint(e.buf, uint64(v), 10)
	case uint16:
		e.buf = strconv.AppendUint(e.buf, uint64(v), 10)
	case uint32:
		e.buf = strconv.AppendUint(e.buf, uint64(v), 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, v, 10)
	case float64:
		e.buf = appendPyJSONFloat(e.buf, v)
	case float32:
		e.buf = appendPyJSONFloat(e.buf, float64(v))
	case tuple:
		return e.list(v, depth)
	case []any:
		return e.list(v, depth)
	case map[string]any:
		return e.object(v, depth)
	case Kwargs:
		return e.object(v, depth)
	default:
		// Structs, typed maps and slices, json.Marshalers: as encoding/json
		// writes them, floats inside included.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		b := buf.Bytes()
		e.buf = append(e.buf, pythonJSON(b[:len(b)-1])...) // Encode adds a newline
	}
	return nil
}

func (e *jsonEncoder) list(v []any, depth int) error {
	if depth >= maxJSONDepth {
		return errJSONDepth
	}
	e.buf = append(e.buf, '[')
	for i, x := range v {
		if i > 0 {
			e.buf = append(e.buf, ", "...)
		}
		if err := e.value(x, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// object writes a dict with its keys sorted, as encoding/json does (a Go
// map has no order to keep).
func (e *jsonEncoder) object(v map[string]any, depth int) error {
	if depth >= maxJSONDepth {
		return errJSONDepth
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ", "...)
		}
		e.buf = appendPyJSONString(e.buf, k)
		e.buf = append(e.buf, ": "...)
		if err := e.value(v[k], depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// appendPyJSONString appends s as json.dumps writes a str (ensure_ascii):
// every character outside ' ' to '~' escaped, as \uXXXX or a surrogate
// pair beyond the BMP, but for the short escapes. Invalid UTF-8 is written
// as U+FFFD, as encoding/json does.
func appendPyJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c <= '~' && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < utf8.RuneSelf {
				b = u4(b, rune(c))
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				b = u4(u4(b, r1), r2)
			} else {
				b = u4(b, r) // U+FFFD for invalid UTF-8
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

// appendPyJSONFloat appends f as json.dumps writes a float: repr's digits
// (the shortest that read back the same), in positional notation from 1e-4
// to 1e16 (with ".0" if whole) and with an exponent of two digits or more
// elsewhere; NaN, Infinity and -Infinity as such, which are not JSON but
// Python writes and reads them.
func appendPyJSONFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	exp, _ := strconv.Atoi(string(b[bytes.IndexByte(b[start:], 'e')+start+1:]))
	if exp < -4 || exp >= 16 {
		return b // Go's 'e' writes the exponent with two digits or more, as Python
	}
	b = strconv.AppendFloat(b[:start], f, 'f', -1, 64)
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, ".0"...)
	}
	return b
}

// jsonDecoder reads one JSON value as Python's json.loads does, NaN,
// Infinity and -Infinity included, into generic values. Its error messages
// are those of encoding/json.
type jsonDecoder struct {
	data  []byte
	pos   int
	depth int
}

// space skips JSON's whitespace.
func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// syntaxError says that the byte at d.pos is not what was expected.
func (d *jsonDecoder) syntaxError(context string) error {
	return fmt.Errorf("invalid character %s %s", quoteChar(d.data[d.pos]), context)
}

// quoteChar quotes a byte of the input as encoding/json does in its errors.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

func (d *jsonDecoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, io.ErrUnexpectedEOF
	}
	switch c := d.data[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.string()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	case 'N':
		return math.NaN(), d.literal("NaN")
	case 'I':
		return math.Inf(1), d.literal("Infinity")
	case '-':
		if d.pos+1 < len(d.data) && d.data[d.pos+1] == 'I' {
			return math.Inf(-1), d.literal("-Infinity")
		}
		return d.number()
	default:
		if '0' <= c && c <= '9' {
			return d.number()
		}
		return nil, d.syntaxError("looking for beginning of value")
	}
}

// literal reads the word lit (true, NaN...), which d.pos is on.
func (d *jsonDecoder) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.data) {
			return io.ErrUnexpectedEOF
		}
		if d.data[d.pos] != lit[i] {
			return d.syntaxError(fmt.Sprintf("in literal %s (expecting %s)", lit, quoteChar(lit[i])))
		}
		d.pos++
	}
	return nil
}

// number reads a JSON number: an int64 if it is written as a whole number
// that fits, a *big.Int for a whole number beyond, else a float64 (an
// infinity beyond float64's range, as Python reads 1e400).
func (d *jsonDecoder) number() (any, error) {
	start := d.pos
	isInt := true
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func(first bool) error {
		if d.pos >= len(d.data) {
			return io.ErrUnexpectedEOF
		}
		if c := d.data[d.pos]; c < '0' || c > '9' {
			return d.syntaxError("in numeric literal")
		}
		if first && d.data[d.pos] == '0' {
			d.pos++
			return nil
		}
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
		}
		return nil
	}
	if err := digits(true); err != nil {
		return nil, err
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		isInt = false
		d.pos++
		if err := digits(false); err != nil {
			return nil, err
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		isInt = false
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if err := digits(false); err != nil {
			return nil, err
		}
	}
	lit := string(d.data[start:d.pos])
	if isInt {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return i, nil
		}
		return bigInt(lit)
	}
	f, _ := strconv.ParseFloat(lit, 64) // ±Inf when out of range
	return f, nil
}

// maxIntDigits is the most digits of a decimal integer that Python reads
// (sys.int_max_str_digits): a bound on the time a hostile number takes.
const maxIntDigits = 4300

// bigInt reads a whole number beyond int64, as Python reads it: exactly.
func bigInt(lit string) (any, error) {
	if n := len(strings.TrimPrefix(lit, "-")); n > maxIntDigits {
		return nil, fmt.Errorf("an integer of %d digits exceeds the limit of %d digits, as in Python", n, maxIntDigits)
	}
	n, _ := new(big.Int).SetString(lit, 10)
	return n, nil
}

// string reads a JSON string, which d.pos is on, as a value.
func (d *jsonDecoder) string() (any, error) {
	s, err := d.str()
	return s, err
}

// str reads a JSON string, which d.pos is on.
func (d *jsonDecoder) str() (string, error) {
	d.pos++ // the opening quote
	start, plain := d.pos, true
	for {
		if d.pos >= len(d.data) {
			return "", io.ErrUnexpectedEOF
		}
		switch c := d.data[d.pos]; {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if plain && utf8.Valid(s) {
				return string(s), nil
			}
			return unquoteJSON(s), nil
		case c == '\\':
			plain = false
			d.pos++
			if d.pos >= len(d.data) {
				return "", io.ErrUnexpectedEOF
			}
			switch d.data[d.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					d.pos++
					if d.pos >= len(d.data) {
						return "", io.ErrUnexpectedEOF
					}
					if !isHex(d.data[d.pos]) {
						return "", d.syntaxError("in \\u hexadecimal character escape")
					}
				}
			default:
				return "", d.syntaxError("in string escape code")
			}
		case c < ' ':
			return "", d.syntaxError("in string literal")
		}
		d.pos++
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unquoteJSON decodes the inside of a JSON string that str has checked: its
// escapes, a surrogate pair as one rune, a lone surrogate or invalid UTF-8
// as U+FFFD (as encoding/json does: a Go string cannot hold a surrogate).
func unquoteJSON(s []byte) string {
	out := make([]byte, 0, len(s))
	u4 := func(i int) rune { // the 4 hex digits at s[i:], checked
		r, _ := strconv.ParseUint(string(s[i:i+4]), 16, 32)
		return rune(r)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch e := s[i+1]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := u4(i + 2)
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if pair := utf16.DecodeRune(r, u4(i+2)); pair != utf8.RuneError {
							r = pair
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
				continue
			default: // '"', '\\', '/'
				out = append(out, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // U+FFFD for invalid UTF-8
			i += size
		}
	}
	return string(out)
}

func (d *jsonDecoder) array() (any, error) {
	out := []any{}
	err := d.elements(']', "after array element", func() error {
		v, err := d.value()
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *jsonDecoder) object() (any, error) {
	out := map[string]any{}
	err := d.elements('}', "after object key:value pair", func() error {
		if d.pos >= len(d.data) {
			return io.ErrUnexpectedEOF
		}
		if d.data[d.pos] != '"' {
			return d.syntaxError("looking for beginning of object key string")
		}
		k, err := d.str()
		if err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.data) {
			return io.ErrUnexpectedEOF
		}
		if d.data[d.pos] != ':' {
			return d.syntaxError("after object key")
		}
		d.pos++
		d.space()
		v, err := d.value()
		out[k] = v // the last of equal keys wins, as in Python
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// elements reads the elements of the array or object that starts at the
// decoder's position, up to close, calling each with the position on an
// element; after names what may not follow an element in syntax errors.
func (d *jsonDecoder) elements(close byte, after string, each func() error) error {
	if d.depth++; d.depth > maxJSONDepth {
		return errJSONDepth
	}
	d.pos++ // '[' or '{'
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == close {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.space()
		if err := each(); err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.data) {
			return io.ErrUnexpectedEOF
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case close:
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError(after)
		}
	}
}

// pythonJSON rewrites compact JSON as Python's json.dumps would write it:
// a space after every ',' and ':' outside strings, and every non-ASCII rune
// (and DEL) escaped as \uXXXX (a surrogate pair beyond the BMP).
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
		case c == 0x7f: // only in a string, as JSON has it
			out = append(out, `\u007f`...)
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
