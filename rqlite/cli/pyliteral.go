package cli

// The %value arguments of rq enqueue: Python literals, read as
// ast.literal_eval reads them but without Python, and without running
// anything. Only the values a job's arguments can carry are accepted.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
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
// lists and tuples (both []any) and dicts with str keys. Bytes, sets,
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
	return vs, nil // a tuple: a list, as JSON writes it
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
	case []any:
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

// signed reads a number with a sign, which may stand before parentheses
// around the number (-(1) is a literal; -(-1) is not).
func (p *pyParser) signed() (any, error) {
	neg := p.s[p.i] == '-'
	p.i++
	p.skipSpace()
	parens := 0
	for ; p.i < len(p.s) && p.s[p.i] == '('; parens++ {
		if err := p.open(); err != nil {
			return nil, err
		}
		p.skipSpace()
	}
	if !p.atNumber() {
		return nil, errors.New("a sign may stand only before a number")
	}
	v, err := p.number()
	for ; err == nil && parens > 0; parens-- {
		err = p.expect(')')
	}
	if err != nil || !neg {
		return v, err
	}
	return negate(v), nil
}

// negate is -v for a number that number returned.
func negate(v any) any {
	switch v := v.(type) {
	case int64:
		if v == math.MinInt64 {
			return new(big.Int).Neg(big.NewInt(v))
		}
		return -v
	case *big.Int:
		n := new(big.Int).Neg(v)
		if n.IsInt64() {
			return n.Int64()
		}
		return n
	case json.Number:
		if s, ok := strings.CutPrefix(string(v), "-"); ok {
			return json.Number(s)
		}
		return "-" + v
	}
	return v
}

// atNumber tells whether a number starts at p.i.
func (p *pyParser) atNumber() bool {
	rest := p.s[p.i:]
	return len(rest) > 0 && (isDigit(rest[0], 10) || (rest[0] == '.' && len(rest) > 1 && isDigit(rest[1], 10)))
}

func isDigit(c byte, base int) bool {
	switch base {
	case 2:
		return c == '0' || c == '1'
	case 8:
		return '0' <= c && c <= '7'
	case 16:
		return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
	}
	return '0' <= c && c <= '9'
}

var errBadNumber = errors.New("invalid number")

// digits reads digits of base, each after at most one underscore; lead
// allows an underscore before the first (as after 0x). It returns how many
// digits it read.
func (p *pyParser) digits(base int, lead bool) (int, error) {
	n := 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' && (n > 0 || lead) {
			if p.i+1 >= len(p.s) || !isDigit(p.s[p.i+1], base) {
				return n, errBadNumber
			}
			p.i++
			continue
		}
		if !isDigit(c, base) {
			break
		}
		p.i++
		n++
	}
	return n, nil
}

// number reads an int or a float; complex numbers are refused.
func (p *pyParser) number() (any, error) {
	start := p.i
	if base := p.basePrefix(); base != 0 {
		p.i += 2
		if n, err := p.digits(base, true); err != nil || n == 0 {
			return nil, errBadNumber
		}
		if err := p.numberEnd(); err != nil {
			return nil, err
		}
		return p.intValue(p.s[start+2:p.i], base)
	}
	if _, err := p.digits(10, false); err != nil {
		return nil, err
	}
	intPart := p.s[start:p.i]
	isFloat, err := p.fraction()
	if err == nil {
		err = p.numberEnd()
	}
	switch {
	case err != nil:
		return nil, err
	case isFloat:
		return floatValue(p.s[start:p.i])
	case intPart[0] == '0' && strings.Trim(intPart, "0_") != "":
		return nil, errors.New("leading zeros in a decimal int are not permitted; use an 0o prefix for octal")
	}
	return p.intValue(intPart, 10)
}

// basePrefix is the base that 0x, 0o or 0b at p.i sets, or 0.
func (p *pyParser) basePrefix() int {
	if p.i+1 >= len(p.s) || p.s[p.i] != '0' {
		return 0
	}
	switch p.s[p.i+1] {
	case 'x', 'X':
		return 16
	case 'o', 'O':
		return 8
	case 'b', 'B':
		return 2
	}
	return 0
}

// fraction reads what makes a float of the digits read: a point and
// digits, an exponent, or both.
func (p *pyParser) fraction() (isFloat bool, err error) {
	if p.i < len(p.s) && p.s[p.i] == '.' {
		isFloat = true
		p.i++
		if _, err := p.digits(10, false); err != nil {
			return false, err
		}
	}
	if p.i+1 >= len(p.s) || (p.s[p.i] != 'e' && p.s[p.i] != 'E') {
		return isFloat, nil
	}
	j := p.i + 1
	if p.s[j] == '+' || p.s[j] == '-' {
		j++
	}
	if j >= len(p.s) || !isDigit(p.s[j], 10) {
		return isFloat, nil // numberEnd refuses the e
	}
	p.i = j
	_, err = p.digits(10, false)
	return true, err
}

// numberEnd refuses a number that goes on with letters or digits, a
// complex number (1j) among them.
func (p *pyParser) numberEnd() error {
	if p.i >= len(p.s) {
		return nil
	}
	switch c := p.s[p.i]; {
	case c == 'j' || c == 'J':
		return errors.New("complex numbers are not supported")
	case isNameByte(c) || isDigit(c, 10) || c >= utf8.RuneSelf:
		return errBadNumber
	}
	return nil
}

// intValue is the int of digits (underscores included) in base: an int64,
// or a *big.Int beyond. As Python, it refuses more decimal digits than
// rqlite.DecodeLimits().MaxIntDigits (its sys.int_max_str_digits), in
// any base, as Python could not write the int in the job's description.
func (p *pyParser) intValue(digits string, base int) (any, error) {
	digits = strings.ReplaceAll(digits, "_", "")
	if base == 10 && len(digits) > p.maxDigits {
		return nil, fmt.Errorf("an int has more than %d digits", p.maxDigits)
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, errBadNumber
	}
	if n.IsInt64() {
		return n.Int64(), nil
	}
	if tooManyDigits(n, p.maxDigits) {
		return nil, fmt.Errorf("an int has more than %d digits", p.maxDigits)
	}
	return n, nil
}

// tooManyDigits tells whether the positive n has more than limit decimal
// digits, without writing n in decimal when its bit length tells.
func tooManyDigits(n *big.Int, limit int) bool {
	switch bits := n.BitLen(); {
	case bits <= 3*limit: // n < 8**limit < 10**limit
		return false
	case bits > 4*limit: // n >= 16**limit
		return true
	}
	return len(n.String()) > limit
}

// floatValue is the float that s spells, as json.Number in Python's repr,
// as the JSON arguments' floats. Python reads a float beyond float64 as
// inf, which neither JSON nor RQ's description can carry: it is refused.
func floatValue(s string) (any, error) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		return nil, fmt.Errorf("float %s is out of range", s)
	}
	return json.Number(pyFloat(f)), nil
}

// strings reads one str, or several written next to each other, which
// Python joins. Bytes and f-strings are refused.
func (p *pyParser) strings() (any, error) {
	var b strings.Builder
	for {
		raw, err := p.strPrefix()
		if err != nil {
			return nil, err
		}
		if err := p.strBody(&b, raw); err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.atString() {
			return b.String(), nil
		}
	}
}

// atString tells whether a string, with its prefix, starts at p.i.
func (p *pyParser) atString() bool {
	j := p.i
	for j < len(p.s) && j < p.i+2 && strings.IndexByte("rRbBuUfF", p.s[j]) >= 0 {
		j++
	}
	return j < len(p.s) && (p.s[j] == '\'' || p.s[j] == '"')
}

// strPrefix reads the prefix of a string up to its quote; raw tells
// whether it is r.
func (p *pyParser) strPrefix() (raw bool, err error) {
	start := p.i
	for p.s[p.i] != '\'' && p.s[p.i] != '"' {
		p.i++
	}
	switch prefix := strings.ToLower(p.s[start:p.i]); prefix {
	case "", "u":
		return false, nil
	case "r":
		return true, nil
	case "b", "br", "rb":
		return false, errors.New("bytes are not supported: a job's arguments cannot carry them in JSON, nor show them in its description; write a str")
	case "f", "fr", "rf":
		return false, errors.New("f-strings are not literals")
	default:
		p.i = start
		return false, p.unexpected()
	}
}

var errUnterminated = errors.New("unterminated string")

// strBody reads a string from its quote on into b; raw strings keep their
// backslashes.
func (p *pyParser) strBody(b *strings.Builder, raw bool) error {
	quote := p.s[p.i : p.i+1]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	p.i += len(quote)
	for {
		switch rest := p.s[p.i:]; {
		case rest == "" || (rest[0] == '\n' && len(quote) == 1):
			return errUnterminated
		case strings.HasPrefix(rest, quote):
			p.i += len(quote)
			return nil
		case rest[0] != '\\':
			b.WriteByte(rest[0])
			p.i++
		case raw:
			if len(rest) < 2 {
				return errUnterminated
			}
			b.WriteString(rest[:2]) // a quote or a line end after it does not end the string
			p.i += 2
		default:
			if err := p.escape(b); err != nil {
				return err
			}
		}
	}
}

// simpleEscapes are the escapes of one letter.
var simpleEscapes = map[byte]byte{
	'\\': '\\', '\'': '\'', '"': '"', 'a': '\a', 'b': '\b', 'f': '\f',
	'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
}

// escape reads the escape that starts at the backslash at p.i into b.
func (p *pyParser) escape(b *strings.Builder) error {
	if p.i+1 >= len(p.s) {
		return errUnterminated
	}
	c := p.s[p.i+1]
	if r, ok := simpleEscapes[c]; ok {
		b.WriteByte(r)
		p.i += 2
		return nil
	}
	switch {
	case c == '\n': // the line goes on
		p.i += 2
		return nil
	case isDigit(c, 8):
		return p.codeEscape(b, 1, 3, 8)
	case c == 'x':
		return p.codeEscape(b, 2, 2, 16)
	case c == 'u':
		return p.codeEscape(b, 4, 4, 16)
	case c == 'U':
		return p.codeEscape(b, 8, 8, 16)
	case c == 'N':
		return errors.New(`\N{...} escapes are not supported; write the character or its \u escape`)
	}
	b.WriteByte('\\') // not an escape: the backslash stays
	p.i++
	return nil
}

// codeEscape reads the code of a character, from least to most digits in
// base, after the backslash and, but for octal, a letter.
func (p *pyParser) codeEscape(b *strings.Builder, least, most, base int) error {
	start := p.i + 2
	if base == 8 {
		start = p.i + 1
	}
	end := start
	for end < len(p.s) && end-start < most && isDigit(p.s[end], base) {
		end++
	}
	if end-start < least {
		return fmt.Errorf(`truncated \%s escape`, p.s[p.i+1:start])
	}
	code, _ := strconv.ParseUint(p.s[start:end], base, 32)
	switch {
	case code > utf8.MaxRune:
		return fmt.Errorf(`escape \%s is beyond Unicode`, p.s[p.i+1:end])
	case 0xD800 <= code && code <= 0xDFFF:
		return fmt.Errorf(`escape \%s is a surrogate, which UTF-8 cannot carry`, p.s[p.i+1:end])
	}
	b.WriteRune(rune(code))
	p.i = end
	return nil
}
