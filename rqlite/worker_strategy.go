package rqlite

import (
	"math/rand/v2"
	"slices"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A DequeueStrategy is the order in which a worker looks at its queues for
// the next job, as RQ's --dequeue-strategy (RQ 1.14+).
type DequeueStrategy string

// The dequeue strategies, named as RQ names them.
const (
	// DequeueDefault looks at the queues in the order they were given,
	// always: a job of the first queue goes before any of the second.
	DequeueDefault DequeueStrategy = "default"
	// DequeueRoundRobin looks first, after each job, at the queue that
	// follows the one the job came from, so that each queue gets a turn.
	DequeueRoundRobin DequeueStrategy = "round_robin"
	// DequeueRandom shuffles the queues after each job.
	DequeueRandom DequeueStrategy = "random"
)

// ParseDequeueStrategy returns the strategy named s ("" is DequeueDefault),
// or an *OptionError.
func ParseDequeueStrategy(s string) (DequeueStrategy, error) {
	switch d := DequeueStrategy(s); d {
	case "":
		return DequeueDefault, nil
	case DequeueDefault, DequeueRoundRobin, DequeueRandom:
		return d, nil
	}
	return "", badOption("dequeue strategy", s, "use default, round_robin or random")
}

// reorder puts the fetcher's queues in the order of the next dequeue, after
// a job was taken from queue, as RQ's reorder_queues: round_robin rotates
// them so that the queue after queue comes first, random shuffles them.
// The order feeds both the dequeue script and the finish script that may
// take the next job.
func (f *fetcher) reorder(queue string) {
	switch f.opts.DequeueStrategy {
	case DequeueRoundRobin:
		if i := slices.Index(f.qkeys, keys.Queue(queue)); i >= 0 {
			f.qkeys = slices.Concat(f.qkeys[i+1:], f.qkeys[:i+1])
		}
	case DequeueRandom:
		shuffle := f.shuffle
		if shuffle == nil {
			shuffle = rand.Shuffle
		}
		shuffle(len(f.qkeys), func(i, j int) { f.qkeys[i], f.qkeys[j] = f.qkeys[j], f.qkeys[i] })
	}
}
