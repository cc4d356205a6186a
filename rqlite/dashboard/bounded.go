package dashboard

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// What a page shows of the values of a job is bounded, so that a view
// costs a few megabytes whatever Redis holds: a job's call, meta, error
// text or return value may take up to the decode limits (64 MiB of text,
// ten million values) and more to show in full (a list shared millions of
// times, lists nested ten thousand deep print as hundreds of megabytes).

// maxShown is the most bytes shown of one value (the args, the kwargs,
// the meta, an error text, a return value, a field of a job hash), before
// HTML escaping; the value is then cut, and says so.
const maxShown = 64 << 10

// maxListText is the most bytes a list of jobs shows of a job's
// description.
const maxListText = 512

// viewLimits bound what the job page decodes (see rqlite.ViewLimits). A
// call beyond maxData bytes, or a value beyond maxItems values, is not
// decoded: it would take tens of megabytes to show 64 KiB of it.
var viewLimits = rqlite.ViewLimits{
	MaxData:    4 << 20,
	MaxItems:   100_000,
	MaxText:    maxShown,
	MaxResults: 20,
	// What is read of the job hash: no value over 4 MiB (a call that
	// long inflates beyond MaxData anyway), 16 MiB in all, and no hash of
	// more than a thousand fields (a job has about thirty).
	MaxField:  4 << 20,
	MaxRead:   16 << 20,
	MaxFields: 1000,
}

// errFull ends the printing of a value once maxShown bytes are written.
var errFull = errors.New("the value is longer than the page shows")

// printer writes a value as indented JSON (as encoding/json with
// SetIndent("", "  ") and SetEscapeHTML(false) does) into buf, up to max
// bytes; then every write returns errFull, which ends the walk over the
// value.
type printer struct {
	buf []byte
	max int
}

func (p *printer) write(s string) error {
	if room := p.max - len(p.buf); len(s) > room {
		p.buf = append(p.buf, s[:room]...)
		return errFull
	}
	p.buf = append(p.buf, s...)
	return nil
}

const spaces = "                                                                "

// indent starts a line of depth levels.
func (p *printer) indent(depth int) error {
	if err := p.write("\n"); err != nil {
		return err
	}
	for n := 2 * depth; n > 0; n -= len(spaces) {
		if err := p.write(spaces[:min(n, len(spaces))]); err != nil {
			return err
		}
	}
	return nil
}

func (p *printer) value(v any, depth int) error {
	switch v := v.(type) {
	case string:
		return p.str(v)
	case []byte:
		return p.bytes(v)
	case []any:
		if v == nil {
			return p.write("null")
		}
		return p.list(v, depth)
	case map[string]any:
		if v == nil {
			return p.write("null")
		}
		return p.dict(v, depth)
	}
	// The other values that decoding makes are small: nil, bools,
	// numbers, and ints of at most MaxIntDigits digits.
	b, err := json.Marshal(v)
	if err != nil {
		return p.write(fmt.Sprint(v)) // NaN, ±Inf
	}
	return p.write(string(b))
}

func (p *printer) list(v []any, depth int) error {
	if len(v) == 0 {
		return p.write("[]")
	}
	if err := p.write("["); err != nil {
		return err
	}
	for i, e := range v {
		if i > 0 {
			if err := p.write(","); err != nil {
				return err
			}
		}
		if err := p.indent(depth + 1); err != nil {
			return err
		}
		if err := p.value(e, depth+1); err != nil {
			return err
		}
	}
	if err := p.indent(depth); err != nil {
		return err
	}
	return p.write("]")
}

func (p *printer) dict(v map[string]any, depth int) error {
	if len(v) == 0 {
		return p.write("{}")
	}
	if err := p.write("{"); err != nil {
		return err
	}
	for i, k := range slices.Sorted(maps.Keys(v)) {
		if i > 0 {
			if err := p.write(","); err != nil {
				return err
			}
		}
		if err := p.indent(depth + 1); err != nil {
			return err
		}
		if err := p.str(k); err != nil {
			return err
		}
		if err := p.write(": "); err != nil {
			return err
		}
		if err := p.value(v[k], depth+1); err != nil {
			return err
		}
	}
	if err := p.indent(depth); err != nil {
		return err
	}
	return p.write("}")
}

// bytes writes b as encoding/json does, in base64, no more of it than fits.
func (p *printer) bytes(b []byte) error {
	if err := p.write(`"`); err != nil {
		return err
	}
	n := min(len(b), (p.max-len(p.buf))/4*3+3)
	if err := p.write(base64.StdEncoding.EncodeToString(b[:n])); err != nil {
		return err
	}
	return p.write(`"`)
}

// str writes s as a JSON string, as encoding/json does, reading no more
// of s than fits.
func (p *printer) str(s string) error {
	if err := p.write(`"`); err != nil {
		return err
	}
	for i := 0; i < len(s); {
		j := i
		for end := min(len(s), i+p.max-len(p.buf)+1); j < end && plain(s[j]); j++ {
		}
		if j > i {
			if err := p.write(s[i:j]); err != nil {
				return err
			}
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if err := p.write(escape(r, size, s[i:i+size])); err != nil {
			return err
		}
		i += size
	}
	return p.write(`"`)
}

// plain tells a byte that a JSON string holds as it is.
func plain(c byte) bool { return c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' }

// escape is how a JSON string writes rune r, of size bytes, raw.
func escape(r rune, size int, raw string) string {
	switch {
	case r == '"' || r == '\\':
		return `\` + raw
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case r == '\b':
		return `\b`
	case r == '\f':
		return `\f`
	case r < 0x20, r == '\u2028', r == '\u2029':
		return `\u` + fmt.Sprintf("%04x", r)
	case r == utf8.RuneError && size == 1:
		return `\ufffd`
	}
	return raw
}

// pretty shows a decoded value as indented JSON, at most maxShown bytes
// of it, and then says that it is cut.
func pretty(v any) string {
	p := printer{buf: make([]byte, 0, 512), max: maxShown}
	if err := p.value(v, 0); err != nil {
		return cutAtRune(string(p.buf), maxShown) + "\n… (cut: longer than " + strconv.Itoa(maxShown) + " bytes)"
	}
	return string(p.buf)
}

// cut is s, or its first maxShown bytes and how many more there are.
func cut(s string) string { return clip(s, int64(len(s)), maxShown) }

// cutList is s, or its first maxListText bytes and how many more there
// are.
func cutList(s string) string { return clip(s, int64(len(s)), maxListText) }

// clip is the start of a text of total bytes, s, its first n bytes at
// most, followed by how many bytes are not shown.
func clip(s string, total int64, n int) string {
	if int64(len(s)) >= total && len(s) <= n {
		return s
	}
	s = cutAtRune(s, n)
	return s + "… (" + strconv.FormatInt(total-int64(len(s)), 10) + " more bytes)"
}

// cutAtRune is the first n bytes of s at most, without a rune cut in two.
func cutAtRune(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > max(n-utf8.UTFMax, 0); i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}
