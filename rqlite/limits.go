package rqlite

import (
	"fmt"
	"sync/atomic"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// Limits bound what decoding one value read from Redis may cost, so that
// hostile or broken data (a zlib bomb, a pickle that holds itself, lists
// nested millions deep) fails only the job, meta or result that holds it,
// with an error that names the limit, instead of exhausting the worker's
// memory or stack. Python RQ has no such limits. The defaults keep what a
// worker needs for one hostile job within 64 MB of its idle memory
// (measured by the peak-RSS benchmarks of package cli) and are well above
// what a job's call, meta or result normally holds; a program that moves
// larger values raises them.
type Limits struct {
	// MaxDecompressed is the most bytes that a compressed field (a job's
	// data or exc_info, a result's exc_string) may inflate to. Default
	// 8 MiB (DefaultMaxDecompressed).
	MaxDecompressed int64
	// MaxDepth is how deeply the lists, tuples and dicts of a decoded
	// value may nest, in JSON and in pickle. Default 10000
	// (DefaultMaxDepth), as deep as the JSON serializer writes.
	MaxDepth int
	// MaxItems is the most values (lists, dicts and elements) that one
	// decoded value may hold, in JSON and in pickle, counting a value a
	// pickle shares each time it appears (a pickle can share a list many
	// times over in few bytes). Each costs the decoder 30 to 250 bytes, so
	// the default, 100,000 (DefaultMaxItems), keeps the worst within tens
	// of megabytes.
	MaxItems int
	// MaxIntDigits is the most decimal digits of an int, in JSON and in
	// pickle: a pickle holds a huge int in few bytes, which is cheap to
	// read but slow to print. Default 4300 (DefaultMaxIntDigits), as
	// Python's sys.int_max_str_digits.
	MaxIntDigits int
}

// The default limits.
const (
	DefaultMaxDecompressed = wire.DefaultMaxDecompressed // 8 MiB
	DefaultMaxDepth        = 10000
	DefaultMaxItems        = 100_000
	DefaultMaxIntDigits    = 4300
)

var decodeLimits atomic.Pointer[Limits]

func init() { SetDecodeLimits(Limits{}) }

// SetDecodeLimits sets the limits that every decoding in this process
// applies from then on; a zero or negative field sets that limit to its
// default. It may be called at any time, from any goroutine.
func SetDecodeLimits(l Limits) {
	if l.MaxDecompressed <= 0 {
		l.MaxDecompressed = DefaultMaxDecompressed
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxIntDigits <= 0 {
		l.MaxIntDigits = DefaultMaxIntDigits
	}
	decodeLimits.Store(&l)
	wire.SetMaxDecompressed(l.MaxDecompressed)
}

// DecodeLimits returns the limits in force, defaults filled in.
func DecodeLimits() Limits { return *decodeLimits.Load() }

// A LimitError is the error of a value beyond one of the decode limits:
// it fails only the job, meta or result that holds the value.
type LimitError struct {
	// Limit names the limit: "MaxDepth", "MaxItems" or "MaxIntDigits".
	Limit string
	// Max is the limit's value when the decoding met it.
	Max int
	msg string // one line
}

func (e *LimitError) Error() string { return e.msg }

// decompress is wire.Decompress, its error of data beyond MaxDecompressed
// a *LimitError.
func decompress(b []byte) ([]byte, error) {
	out, err := wire.Decompress(b)
	if tooLarge, ok := err.(*wire.TooLargeError); ok {
		return nil, &LimitError{Limit: "MaxDecompressed", Max: int(tooLarge.Max), msg: tooLarge.Error()}
	}
	return out, err
}

// limitError is the error of a value beyond the limit named, of value max.
func limitError(limit string, max int, format string, args ...any) *LimitError {
	return &LimitError{Limit: limit, Max: max, msg: fmt.Sprintf(format, args...)}
}
