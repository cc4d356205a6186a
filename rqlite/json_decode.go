package rqlite

// The JSON parser: one JSON value read as Python's json.loads reads it,
// into Go's generic values.

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonDecoder reads one JSON value as Python's json.loads does, NaN,
// Infinity and -Infinity included, into generic values. Its error messages
// are those of encoding/json.
type jsonDecoder struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int // the MaxDepth of the decode limits
	items    int // the values read so far
	maxItems int // the MaxItems of the decode limits
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

// value reads one value, counted against maxItems.
func (d *jsonDecoder) value() (any, error) {
	if d.items++; d.items > d.maxItems {
		return nil, limitError("MaxItems", d.maxItems, "JSON holds more than %d values, the MaxItems limit", d.maxItems)
	}
	return d.anyValue()
}

// anyValue reads the value that d.pos is on, whatever its kind.
func (d *jsonDecoder) anyValue() (any, error) {
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
	if d.at('-') {
		d.pos++
	}
	if err := d.digits(true); err != nil {
		return nil, err
	}
	fraction, err := d.fraction()
	if err != nil {
		return nil, err
	}
	exponent, err := d.exponent()
	if err != nil {
		return nil, err
	}
	lit := string(d.data[start:d.pos])
	if !fraction && !exponent {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return i, nil
		}
		return bigInt(lit)
	}
	f, _ := strconv.ParseFloat(lit, 64) // ±Inf when out of range
	return f, nil
}

// bigInt reads a whole number beyond int64, as Python reads it: exactly,
// if it has no more digits than the MaxIntDigits limit (as Python's
// sys.int_max_str_digits): a bound on the time a hostile number takes.
func bigInt(lit string) (any, error) {
	if err := checkDigits("JSON", len(strings.TrimPrefix(lit, "-")), DecodeLimits().MaxIntDigits); err != nil {
		return nil, err
	}
	n, _ := new(big.Int).SetString(lit, 10)
	return n, nil
}

// at reports whether the byte at d.pos is c.
func (d *jsonDecoder) at(c byte) bool {
	return d.pos < len(d.data) && d.data[d.pos] == c
}

// digits reads the digits of a number: one or more, or for the integer
// part (first) a lone 0 or digits that do not start with 0.
func (d *jsonDecoder) digits(first bool) error {
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

// fraction reads the fraction of a number, '.' and digits, if it has one.
func (d *jsonDecoder) fraction() (bool, error) {
	if !d.at('.') {
		return false, nil
	}
	d.pos++
	return true, d.digits(false)
}

// exponent reads the exponent of a number, 'e' or 'E', a sign and digits,
// if it has one.
func (d *jsonDecoder) exponent() (bool, error) {
	if !d.at('e') && !d.at('E') {
		return false, nil
	}
	d.pos++
	if d.at('+') || d.at('-') {
		d.pos++
	}
	return true, d.digits(false)
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
	var out []any
	if d.pos+1 < len(d.data) && d.data[d.pos+1] != ']' {
		// Most arrays are short: a job's call is a 4-tuple.
		out = make([]any, 0, 4)
	}
	err := d.elements(']', "after array element", func() error {
		v, err := d.value()
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []any{}
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
	if d.depth++; d.depth > d.maxDepth {
		return depthError("JSON", d.maxDepth)
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
