// Package wire holds the encodings that RQ uses for values stored in Redis:
// timestamps, epoch scores and compressed fields.
package wire

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"time"
)

// TimeLayout is RQ's utcformat: UTC with exactly six fractional digits.
// Python RQ refuses any other format (nanoseconds, offsets) when it reads.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// fallbackLayout is the second format RQ's utcparse accepts.
const fallbackLayout = "2006-01-02T15:04:05Z"

// FormatTime formats t as RQ does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a timestamp written by RQ or rqlite. The empty string is
// the zero time, as RQ reads an empty field as None.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	// Python's %f takes 1 to 6 digits.
	if t, err := time.Parse("2006-01-02T15:04:05.999999Z", s); err == nil && len(s) <= len(TimeLayout) {
		return t, nil
	}
	if t, err := time.Parse(fallbackLayout, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not in RQ's format %s", s, TimeLayout)
}

// Epoch is RQ's current_timestamp: whole seconds since the Unix epoch, the
// score of most registry entries.
func Epoch(t time.Time) int64 { return t.Unix() }

// Compress zlib-compresses b, as RQ stores the job's data and exc_info.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b) // writes to a bytes.Buffer cannot fail
	w.Close()
	return buf.Bytes()
}

// Decompress undoes Compress. Like RQ, it returns b unchanged when b is not
// zlib data, since RQ accepts uncompressed fields too.
func Decompress(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return b, nil
	}
	defer r.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("corrupt zlib data: %w", err)
	}
	return out, nil
}
