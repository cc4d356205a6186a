package rqlite

// The JSON encoder: Go's generic values written as Python's json.dumps
// writes them.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonEncoder writes JSON as Python's json.dumps does. Special floats are
// written bare by appendPyJSONFloat as it meets them: no string is ever
// rewritten afterwards, so no user value can turn into one.
type jsonEncoder struct{ buf []byte }

// value writes v at the given depth of lists and dicts.
func (e *jsonEncoder) value(v any, depth int) error {
	switch v := v.(type) {
	case Tuple:
		return e.list(v, depth)
	case []any:
		return e.list(v, depth)
	case map[string]any:
		return e.object(v, depth)
	case Kwargs:
		return e.object(v, depth)
	}
	if b, ok := appendPyJSONScalar(e.buf, v); ok {
		e.buf = b
		return nil
	}
	return e.marshaled(v)
}

// marshaled writes what the generic values leave out (structs, typed maps
// and slices, json.Marshalers) as encoding/json writes it, floats inside
// included, respaced and escaped as Python would.
func (e *jsonEncoder) marshaled(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	e.buf = append(e.buf, pythonJSON(b[:len(b)-1])...) // Encode adds a newline
	return nil
}

// appendPyJSONScalar appends nil, a bool, a string or a number of a Go
// basic type as json.dumps writes the Python value; ok is false for other
// values.
func appendPyJSONScalar(b []byte, v any) (_ []byte, ok bool) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, v), true
	case string:
		return appendPyJSONString(b, v), true
	case float64:
		return appendPyJSONFloat(b, v), true
	case float32:
		return appendPyJSONFloat(b, float64(v)), true
	}
	return appendInteger(b, v)
}

// appendInteger appends an integer of a Go basic type in decimal; ok is
// false for other values.
func appendInteger(b []byte, v any) (_ []byte, ok bool) {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int8:
		return strconv.AppendInt(b, int64(v), 10), true
	case int16:
		return strconv.AppendInt(b, int64(v), 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	}
	return b, false
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
	e.buf = append(e.buf, '{')
	for i, k := range sortedKeys(v) {
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
