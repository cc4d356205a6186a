package scripts

import (
	"regexp"
	"strings"
)

// This file reads Lua source for the tests: its code without comments, and
// the KEYS and ARGV that a script's header documents.

// luaCode returns src with its comments blanked out (their newlines kept),
// so that what remains is code and string literals; with blankStrings, the
// strings' contents too (their quotes kept).
func luaCode(src string, blankStrings bool) string {
	out := []byte(src)
	blank := func(from, to int) {
		for j := from; j < to; j++ {
			if out[j] != '\n' {
				out[j] = ' '
			}
		}
	}
	for i := 0; i < len(src); {
		end := i + 1
		switch open := longOpen(src[i:]); {
		case strings.HasPrefix(src[i:], "--"):
			end = commentEnd(src, i)
			blank(i, end)
		case src[i] == '\'' || src[i] == '"':
			end = quotedEnd(src, i)
			if blankStrings {
				blank(i+1, end-1)
			}
		case open != "":
			end = longEnd(src, i+len(open), open)
			if blankStrings {
				blank(i+len(open), end-len(open))
			}
		}
		i = end
	}
	return string(out)
}

var longOpenPattern = regexp.MustCompile(`^\[=*\[`)

// longOpen returns the opening bracket of a long string or comment that
// s starts with, such as [[ or [==[, or "".
func longOpen(s string) string {
	return longOpenPattern.FindString(s)
}

// longEnd returns the index after the bracket that closes open, searched
// from i (the end of the text if it is not closed).
func longEnd(src string, i int, open string) int {
	closing := "]" + strings.Repeat("=", len(open)-2) + "]"
	if j := strings.Index(src[i:], closing); j >= 0 {
		return i + j + len(closing)
	}
	return len(src)
}

// commentEnd returns the index after the comment that starts at i.
func commentEnd(src string, i int) int {
	if open := longOpen(src[i+2:]); open != "" {
		return longEnd(src, i+2+len(open), open)
	}
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// quotedEnd returns the index after the quoted string that starts at i.
func quotedEnd(src string, i int) int {
	quote := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case quote, '\n':
			return j + 1
		}
	}
	return len(src)
}

// headerEntry is one KEYS or ARGV line of a script's header.
type headerEntry struct {
	kind string // KEYS or ARGV
	spec string // what the brackets hold, spaces removed
	desc string // the text after them, continuation lines included
}

var entryPattern = regexp.MustCompile(`^(KEYS|ARGV)\[([^\]]+)\]\s+(.*)$`)

// header returns the KEYS and ARGV entries of the comment block that
// starts a script, in their order.
func header(src string) []headerEntry {
	var entries []headerEntry
	var current *headerEntry
	for _, line := range strings.Split(src, "\n") {
		text, ok := strings.CutPrefix(line, "--")
		if !ok {
			break
		}
		m := entryPattern.FindStringSubmatch(strings.TrimPrefix(text, " "))
		switch {
		case m != nil:
			entries = append(entries, headerEntry{kind: m[1], spec: strings.ReplaceAll(m[2], " ", ""), desc: m[3]})
			current = &entries[len(entries)-1]
		case current != nil && strings.HasPrefix(text, "   "):
			current.desc += " " + strings.TrimSpace(text)
		default:
			current = nil
		}
	}
	return entries
}
