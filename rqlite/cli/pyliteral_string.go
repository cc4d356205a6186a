package cli

// The strings of Python literals (see pyliteral.go): prefixes, escapes,
// and strings written next to each other.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
