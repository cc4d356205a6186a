package cli

// The %value arguments of rq enqueue: Python literals, read as
// ast.literal_eval reads them but without Python, and without running
// anything. Only the values a job's arguments can carry are accepted.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// pyMaxNesting is how deep Python's parser nests brackets: its tokenizer
// refuses a 201st level ("too many nested parentheses").
const pyMaxNesting = 200

// pyParser reads one Python literal from s.
type pyParser struct {
	s         string
	i         int // the offset of the next byte to read
	depth     int // the brackets open
	maxDepth  int
	maxDigits int // the most decimal digits of an int
}

// parsePyLiteral returns the value of the Python literal s as a job's
// argument: None, bools, ints (int64, or *big.Int beyond), floats (as
// json.Number spelled as Python's repr, as the JSON arguments), strs,
// lists ([]any), tuples (rqlite.Tuple) and dicts with str keys. Bytes, sets,
// complex numbers, Ellipsis, dicts with other keys, floats beyond float64
// (inf to Python) and surrogate escapes (which UTF-8 cannot carry) are
// refused, as are a few spellings that Python takes but that no one needs:
// a leading blank line or comment, a backslash continuing a line outside a
// string, form feeds outside strings and \N{...} escapes. The error is one
// line; the value is never more than s holds, nested at most
// min(rqlite.DecodeLimits().MaxDepth, 200) deep.
func parsePyLiteral(s string) (any, error) {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return nil, errors.New("it contains a NUL byte")
	case !utf8.ValidString(s):
		return nil, errors.New("it is not UTF-8 text")
	}
	// Python reads "\r\n" and "\r" as "\n", in strings too.
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lim := rqlite.DecodeLimits()
	p := &pyParser{s: s, maxDepth: min(lim.MaxDepth, pyMaxNesting), maxDigits: lim.MaxIntDigits}
	p.skipBlanks()
	v, err := p.sequence(0)
	if err != nil {
		return nil, err
	}
	return v, p.end()
}

// end reads what may follow the value, as it may follow a line of Python:
// blank lines and comments. Python refuses a last line of blanks alone, as
// indented.
func (p *pyParser) end() error {
	for p.skipSpace(); p.i < len(p.s) && p.s[p.i] == '\n'; p.skipSpace() {
		p.i++
		if rest := p.s[p.i:]; rest != "" && strings.Trim(rest, " \t") == "" {
			return errors.New("unexpected indent on the last line")
		}
	}
	if p.i < len(p.s) {
		return p.unexpected()
	}
	return nil
}

// skipBlanks skips spaces and tabs. (Form feeds, which Python's tokenizer
// reads in ways of its own, are refused outside strings.)
func (p *pyParser) skipBlanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// skipSpace skips what may come between two tokens: blanks, comments and,
// inside brackets, line ends.
func (p *pyParser) skipSpace() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || (c == '\n' && p.depth > 0):
			p.i++
		case c == '#':
			if n := strings.IndexByte(p.s[p.i:], '\n'); n >= 0 {
				p.i += n
			} else {
				p.i = len(p.s)
			}
		default:
			return
		}
	}
}

// unexpected is the error of the byte at p.i, or of the end of the text.
func (p *pyParser) unexpected() error {
	if p.i >= len(p.s) {
		return errors.New("unexpected end of text")
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return fmt.Errorf("unexpected %q at offset %d", r, p.i)
}

// open enters a bracket.
func (p *pyParser) open() error {
	p.i++
	if p.depth++; p.depth > p.maxDepth {
		return fmt.Errorf("brackets are nested more than %d deep", p.maxDepth)
	}
	return nil
}

// expect reads the closing bracket c.
func (p *pyParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return p.unexpected()
	}
	p.i++
	p.depth--
	return nil
}

// items reads values separated by commas, up to the closing bracket
// (close 0: the end of the line); comma tells whether there was one.
func (p *pyParser) items(close byte) (vs []any, comma bool, err error) {
	vs = []any{}
	for {
		p.skipSpace()
		if p.closes(close) {
			return vs, comma, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, false, err
		}
		vs = append(vs, v)
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return vs, comma, nil
		}
		p.i++
		comma = true
	}
}

// closes tells whether the next byte ends a sequence that close ends.
func (p *pyParser) closes(close byte) bool {
	if p.i >= len(p.s) {
		return close == 0
	}
	c := p.s[p.i]
	return c == close || (close == 0 && c == '\n')
}

// sequence reads what may stand between parentheses (or at the top): one
// value, or a tuple written with commas.
func (p *pyParser) sequence(close byte) (any, error) {
	vs, comma, err := p.items(close)
	switch {
	case err != nil:
		return nil, err
	case len(vs) == 1 && !comma:
		return vs[0], nil
	case len(vs) == 0 && close == 0:
		return nil, p.unexpected()
	}
	return rqlite.Tuple(vs), nil // a tuple: a list in JSON, a tuple in pickle
}

// value reads one value.
func (p *pyParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.unexpected()
	}
	switch c := p.s[p.i]; {
	case c == '-' || c == '+':
		return p.signed()
	case c == '[':
		return p.list()
	case c == '(':
		return p.paren()
	case c == '{':
		return p.dict()
	case c == '\'' || c == '"':
		return p.strings()
	case p.atNumber():
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "..."):
		return nil, errors.New("... (Ellipsis) is not supported")
	case isNameByte(c):
		return p.name()
	}
	return nil, p.unexpected()
}

func (p *pyParser) list() (any, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	vs, _, err := p.items(']')
	if err != nil {
		return nil, err
	}
	return vs, p.expect(']')
}

func (p *pyParser) paren() (any, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	v, err := p.sequence(')')
	if err != nil {
		return nil, err
	}
	return v, p.expect(')')
}

// dict reads a dict; a set, the same braces without colons, is refused.
func (p *pyParser) dict() (any, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	d := map[string]any{}
	for {
		p.skipSpace()
		if p.closes('}') {
			return d, p.expect('}')
		}
		k, err := p.dictKey(len(d) == 0)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if d[k], err = p.value(); err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return d, p.expect('}')
		}
		p.i++
	}
}

// dictKey reads a key of a dict and its colon; first says whether it is
// the first key, which tells a dict from a set.
func (p *pyParser) dictKey(first bool) (string, error) {
	k, err := p.value()
	if err != nil {
		return "", err
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		if first {
			return "", errors.New("sets are not supported: no serializer of a job's arguments carries them; write a list")
		}
		return "", p.unexpected()
	}
	p.i++
	s, ok := k.(string)
	if !ok {
		return "", fmt.Errorf("a dict key is of type %s: a job's dicts take str keys only", pyTypeName(k))
	}
	return s, nil
}

// pyTypeName is the Python type of a value that value returned.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case json.Number:
		return "float"
	case rqlite.Tuple:
		return "tuple" // a list cannot be a key
	}
	return "dict"
}

// name reads True, False, None or the prefix of a string.
func (p *pyParser) name() (any, error) {
	start := p.i
	for p.i < len(p.s) && (isNameByte(p.s[p.i]) || isDigit(p.s[p.i], 10)) {
		p.i++
	}
	word := p.s[start:p.i]
	if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
		p.i = start
		return p.strings()
	}
	switch word {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	case "set", "frozenset":
		return nil, errors.New("sets are not supported: no serializer of a job's arguments carries them; write a list")
	}
	return nil, fmt.Errorf("%s is not a literal", word)
}

func isNameByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
