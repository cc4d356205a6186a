package cli

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The decoding limits (rqlite.Limits) are flags of every command, since
// every command that reads jobs decodes them: a worker, the dashboard,
// rq info. They apply to the whole process, and to an isolated worker's
// work horses.

// sizeValue is a flag of a number of bytes, written as 8388608, 8MiB or
// 8 MB (go-humanize's forms).
type sizeValue struct{ n *int64 }

func (v sizeValue) String() string { return humanize.IBytes(uint64(*v.n)) }

func (v sizeValue) Set(s string) error {
	n, err := humanize.ParseBytes(s)
	if err != nil || n == 0 || n > 1<<62 {
		return fmt.Errorf("%q is not a size in bytes such as 64MiB", s)
	}
	*v.n = int64(n)
	return nil
}

func (sizeValue) Type() string { return "size" }

// addLimitFlags adds the decoding limits' flags to flags, with their
// defaults, into l.
func addLimitFlags(flags *pflag.FlagSet, l *rqlite.Limits) {
	*l = rqlite.DecodeLimits()
	flags.Var(sizeValue{&l.MaxDecompressed}, "max-decompressed",
		"the most bytes a compressed job field may inflate to; a job over it fails, naming the limit")
	flags.IntVar(&l.MaxDepth, "max-depth", l.MaxDepth,
		"how deeply lists and dicts in a job's data, meta or result may nest")
	flags.IntVar(&l.MaxItems, "max-items", l.MaxItems,
		"the most lists, dicts and elements one pickled value may hold")
	flags.IntVar(&l.MaxIntDigits, "max-int-digits", l.MaxIntDigits,
		"the most decimal digits of an integer in a job's data, meta or result")
}

// applyLimits sets the limits of the flags, refusing counts below 1.
func applyLimits(l rqlite.Limits) error {
	for name, n := range map[string]int{"max-depth": l.MaxDepth, "max-items": l.MaxItems, "max-int-digits": l.MaxIntDigits} {
		if n < 1 {
			return fmt.Errorf("invalid argument \"%d\" for \"--%s\" flag: use a number above 0", n, name)
		}
	}
	rqlite.SetDecodeLimits(l)
	return nil
}
