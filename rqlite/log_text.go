package rqlite

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a worker logs comes in part from jobs: a job's description, its
// queue's name, its ID, the text of the error its function returned. Any
// of it may hold a line break that would forge a record, a terminal's
// escape sequence, bytes that are not UTF-8, or megabytes. The Logger
// therefore writes every string it is given on one line, escaped as Go
// escapes it (\n, \x1b, \u202e; a byte that is not UTF-8 as \xff) and cut
// after MaxLogValue bytes, saying how much was cut. Only the format and
// the text that the worker writes itself (a failure's exc_info block,
// whose parts from the job are escaped the same way) span lines.

// MaxLogValue is the most bytes of one value (a description, a queue name,
// an error's text) that a log record shows; the rest is cut, and the
// record says how many bytes were cut.
const MaxLogValue = 2048

// maxLogBlock is the most bytes of a failure's exc_info that its log
// record shows, a panic's stack included.
const maxLogBlock = 32 << 10

// painted is text that the Logger coloured itself, escaped already: it is
// written as it is.
type painted string

// logArgs returns args with every string, error, Stringer and byte slice
// replaced by its one-line form.
func logArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case painted:
		case string:
			args[i] = logSafe(v, MaxLogValue)
		case error:
			args[i] = logSafe(v.Error(), MaxLogValue)
		case fmt.Stringer:
			args[i] = logSafe(v.String(), MaxLogValue)
		case []byte:
			args[i] = logSafe(string(v), MaxLogValue)
		}
	}
	return args
}

// logSafe returns s on one line, with control and format characters and
// bytes that are not UTF-8 escaped, cut after max bytes.
func logSafe(s string, max int) string { return escapeText(s, max, false) }

// escapeText is logSafe, leaving tabs as they are when keepTabs is set.
func escapeText(s string, max int, keepTabs bool) string {
	if len(s) <= max && plainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max) + 16)
	i := 0
	for i < len(s) && b.Len() < max {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r) || keepTabs && r == '\t':
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	if i < len(s) {
		fmt.Fprintf(&b, "… (%d more bytes)", len(s)-i)
	}
	return b.String()
}

// plainASCII tells whether s holds only printable ASCII.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// logBlock returns text, which the worker composed, with each line
// escaped as logSafe does, but for tabs (a Go stack indents with them),
// the whole cut after maxLogBlock bytes.
func logBlock(text string) string {
	lines := strings.Split(text, "\n")
	n := 0
	for i, l := range lines {
		if n >= maxLogBlock {
			lines = append(lines[:i], fmt.Sprintf("… (%d more lines)", len(lines)-i))
			break
		}
		lines[i] = escapeText(l, MaxLogValue, true)
		n += len(lines[i]) + 1
	}
	return strings.Join(lines, "\n")
}
