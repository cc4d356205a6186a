// Package wire holds the encodings that RQ uses for values stored in Redis:
// timestamps, epoch scores and compressed fields.
package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// TimeLayout is RQ's utcformat: UTC with exactly six fractional digits.
// Python RQ refuses any other format (nanoseconds, offsets) when it reads.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// fallbackLayout is the second format RQ's utcparse accepts.
const fallbackLayout = "2006-01-02T15:04:05Z"

var (
	rqTimestamp           = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z$`)
	rqTimestampNoFraction = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

// FormatTime formats t as RQ does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a timestamp written by RQ or rqlite. The empty string is
// the zero time, as RQ reads an empty field as None.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	// Python's %f takes 1 to 6 digits; Go's time.Parse would take more,
	// and a comma, so the form is checked first: by hand for the form RQ
	// writes, which is every timestamp but a few, else by a pattern.
	if t, ok := parseLayout(s); ok {
		return t, nil
	}
	if rqTimestamp.MatchString(s) {
		if t, err := time.Parse("2006-01-02T15:04:05.999999Z", s); err == nil {
			return t, nil
		}
	}
	if rqTimestampNoFraction.MatchString(s) {
		if t, err := time.Parse(fallbackLayout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not in RQ's format %s", s, TimeLayout)
}

// isTimeLayout reports whether s has the form of TimeLayout: digits
// where it has digits, its punctuation elsewhere.
func isTimeLayout(s string) bool {
	if len(s) != len(TimeLayout) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, l := s[i], TimeLayout[i]
		if l >= '0' && l <= '9' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != l {
			return false
		}
	}
	return true
}

// parseLayout reads s if it is in TimeLayout and a valid time, as
// time.Parse would, without its cost; ok is false otherwise, and then
// time.Parse says why.
func parseLayout(s string) (t time.Time, ok bool) {
	if !isTimeLayout(s) {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, second, micro := num(11, 2), num(14, 2), num(17, 2), num(20, 6)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, time.UTC), true
}

// daysIn is the number of days of a month (1 to 12) of a year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Epoch is RQ's current_timestamp: whole seconds since the Unix epoch, the
// score of most registry entries.
func Epoch(t time.Time) int64 { return t.Unix() }

// zlib writers and readers are costly to make (each holds large tables), so
// they are reused: a stored writer for small inputs, one at the default
// level for the others.
var (
	storeWriters   = sync.Pool{New: func() any { return mustWriter(zlib.NoCompression) }}
	defaultWriters = sync.Pool{New: func() any { return mustWriter(zlib.DefaultCompression) }}
	readers        sync.Pool // of io.ReadCloser that are zlib.Resetter
)

func mustWriter(level int) *zlib.Writer {
	w, err := zlib.NewWriterLevel(nil, level)
	if err != nil {
		panic(err) // only valid levels
	}
	return w
}

// storeBelow is the size under which Compress stores its input instead of
// compressing it: a job's call is often a few dozen bytes, which deflate
// barely shrinks, while resetting a compressor at the default level clears
// over half a megabyte of tables.
const storeBelow = 256

// Compress zlib-compresses b, as RQ stores the job's data and exc_info
// (Python's zlib.compress). Inputs under 256 bytes are stored in the zlib
// stream without compression (level 0), the rest compressed at the
// default level, as Python does; zlib.decompress reads both.
func Compress(b []byte) []byte {
	pool := &defaultWriters
	if len(b) < storeBelow {
		pool = &storeWriters
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + 16)
	w := pool.Get().(*zlib.Writer)
	w.Reset(&buf)
	w.Write(b) // writes to a bytes.Buffer cannot fail
	w.Close()
	pool.Put(w)
	return buf.Bytes()
}

// maxDecompressed is the most bytes Decompress inflates: the
// MaxDecompressed limit of rqlite.Limits, which sets it.
var maxDecompressed atomic.Int64

// DefaultMaxDecompressed is maxDecompressed until SetMaxDecompressed.
const DefaultMaxDecompressed = 8 << 20

// A TooLargeError is the error of zlib data that inflates beyond the
// limit, Max bytes.
type TooLargeError struct{ Max int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("zlib data inflates to more than %d bytes, the MaxDecompressed limit", e.Max)
}

func init() { maxDecompressed.Store(DefaultMaxDecompressed) }

// SetMaxDecompressed sets the most bytes that Decompress inflates; beyond,
// it returns an error instead, having held no more than n bytes.
func SetMaxDecompressed(n int64) { maxDecompressed.Store(n) }

// Decompress undoes Compress. Like RQ, it returns b unchanged when b is not
// zlib data, since RQ accepts uncompressed fields too. Data that inflates
// beyond the limit that SetMaxDecompressed sets is an error that names it.
func Decompress(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	var r io.ReadCloser
	if pooled, ok := readers.Get().(io.ReadCloser); ok {
		if err := pooled.(zlib.Resetter).Reset(src, nil); err != nil {
			readers.Put(pooled)
			return b, nil
		}
		r = pooled
	} else {
		var err error
		if r, err = zlib.NewReader(src); err != nil {
			return b, nil
		}
	}
	max := maxDecompressed.Load()
	out, err := inflate(r, int64(4*len(b)+64), max)
	r.Close()
	readers.Put(r)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, &TooLargeError{Max: max}
	case err != nil:
		return nil, fmt.Errorf("corrupt zlib data: %w", err)
	}
	return out, nil
}

var errTooLarge = errors.New("too large")

// inflate reads r to its end, into buffers that start at size bytes and
// double, and are never copied as they grow: a bomb costs no more than max
// bytes, then errTooLarge. Output that fits the first buffer, the usual
// case, is that buffer.
func inflate(r io.Reader, size, max int64) ([]byte, error) {
	var chunks [][]byte
	total := int64(0)
	for {
		n := min(size, max+1-total) // one byte more than max tells a bomb
		buf, err := fill(r, make([]byte, n))
		total += int64(len(buf))
		chunks = append(chunks, buf)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if total > max {
			return nil, errTooLarge
		}
		if err == io.EOF {
			break
		}
		size *= 2
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// fill reads r into buf until buf is full, or r ends (io.EOF) or fails,
// and returns what it read.
func fill(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return buf[:n], err
		}
	}
	return buf, nil
}
