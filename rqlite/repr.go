package rqlite

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// callString is RQ's get_call_string, the default description of a job:
// func(arg, ..., key=value, ...) with each value as Python's repr shows it,
// keyword arguments sorted, and each repr cut at 75 characters.
func callString(name string, args []any, kwargs map[string]any) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	parts := make([]string, 0, len(args)+len(kwargs))
	for _, a := range args {
		parts = append(parts, truncRepr(a))
	}
	kw := make([]string, 0, len(kwargs))
	for k, v := range kwargs {
		kw = append(kw, k+"="+truncRepr(v))
	}
	sort.Strings(kw)
	b.WriteString(strings.Join(append(parts, kw...), ", "))
	b.WriteByte(')')
	return b.String()
}

func truncRepr(v any) string {
	s := pyRepr(v)
	if utf8.RuneCountInString(s) > 75 {
		s = string([]rune(s)[:75]) + "..."
	}
	return s
}

// pyRepr writes v as Python's repr would show the value that v becomes on
// the Python side.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pyString(v)
	case json.Number:
		return v.String()
	case float64:
		return pyFloat(v)
	case float32:
		return pyFloat(float64(v))
	case []any:
		return "[" + pyReprItems(v) + "]"
	case Tuple:
		if len(v) == 1 {
			return "(" + pyRepr(v[0]) + ",)"
		}
		return "(" + pyReprItems(v) + ")"
	case map[string]any:
		keys := sortedKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyString(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *big.Int: // a pickled int beyond int64
		if v == nil {
			return "None"
		}
		return v.String()
	}
	return pyReprOther(v)
}

// pyReprItems is the items of a list or tuple as pyRepr writes them,
// separated by commas.
func pyReprItems(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = pyRepr(x)
	}
	return strings.Join(parts, ", ")
}

// pyReprOther is pyRepr of a value of a type that is not one of the
// generic values: an integer or a string of any Go type as such, anything
// else as the JSON value it is sent as.
func pyReprOther(v any) string {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.String:
		return pyString(rv.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	g, err := JSON.Unmarshal(b)
	if err != nil {
		return string(b)
	}
	return pyRepr(g)
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if e := strings.IndexByte(s, 'e'); e >= 0 {
		// Python writes at least two exponent digits, as Go does, and
		// switches to exponents at 1e16 where Go's 'g' does at 1e21.
		return s
	}
	if math.Abs(f) >= 1e16 {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// pyString is Python's repr of a str.
func pyString(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
