package cli

// The numbers of Python literals (see pyliteral.go): ints in any base,
// floats, and the limits on their size.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
