package scripts

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// EnqueueDependentArgs are the arguments of enqueue_dependent.lua. The
// three lists about the dependencies hold one item per dependency, in the
// same order, and DependencyCount is their length.
type EnqueueDependentArgs struct {
	Job                  string   `lua:"KEYS[1]"`      // keys.Job(id)
	Queue                string   `lua:"KEYS[2]"`      // keys.Queue(q)
	AllQueues            string   `lua:"KEYS[3]"`      // keys.Queues
	DeferredRegistry     string   `lua:"KEYS[4]"`      // keys.Deferred(q)
	Dependencies         string   `lua:"KEYS[5]"`      // keys.Dependencies(id)
	Dependents           string   `lua:"KEYS[6]"`      // keys.Dependents(id)
	DependencyHashes     []string `lua:"KEYS[7..6+n]"` // keys.Job(dep) of each dependency
	DependencyDependents []string `lua:"KEYS[7+n..]"`  // keys.Dependents(dep) of each dependency
	JobID                string   `lua:"ARGV[1]"`
	DependencyCount      int      `lua:"ARGV[2]"`
	DeferredScore        string   `lua:"ARGV[3]"` // see deferredScore in package rqlite
	NowTimestamp         string   `lua:"ARGV[4]"` // wire.FormatTime
	AtFront              bool     `lua:"ARGV[5]"`
	AllowFailures        bool     `lua:"ARGV[6]"`
	TTL                  int64    `lua:"ARGV[7],emptyzero"` // seconds, 0 for none
	DependencyIDs        []string `lua:"ARGV[8..7+n]"`
	Fields               []any    `lua:"ARGV[8+n..]"` // field, value... of the job hash, without status and enqueued_at
}

func (a EnqueueDependentArgs) check() error {
	n := a.DependencyCount
	if len(a.DependencyHashes) != n || len(a.DependencyDependents) != n || len(a.DependencyIDs) != n {
		return fmt.Errorf("a DependencyCount of %d, with %d DependencyHashes, %d DependencyDependents and %d DependencyIDs",
			n, len(a.DependencyHashes), len(a.DependencyDependents), len(a.DependencyIDs))
	}
	if len(a.Fields)%2 != 0 {
		return errors.New("the Fields are not field, value pairs")
	}
	return nil
}

// EnqueueDependentReply is what enqueue_dependent.lua answers: exactly one
// of its fields is set.
type EnqueueDependentReply struct {
	Queued            bool   // every dependency is done: the job is queued
	Deferred          bool   // the job waits for its dependencies
	MissingDependency string // the ID of a dependency that does not exist: nothing was written
}

var enqueueDependentScript = newScript[EnqueueDependentArgs]("enqueue_dependent.lua")

// RunEnqueueDependent enqueues a job that has dependencies, or defers it
// while any of them has not finished.
func RunEnqueueDependent(ctx context.Context, rdb redis.Scripter, a EnqueueDependentArgs) (EnqueueDependentReply, error) {
	res, err := enqueueDependentScript.run(ctx, rdb, a)
	if err != nil {
		return EnqueueDependentReply{}, err
	}
	items, _ := res.([]any)
	code := int64(2) // none of the script's codes
	if len(items) > 0 {
		if c, ok := items[0].(int64); ok {
			code = c
		}
	}
	switch {
	case len(items) == 1 && code == 1:
		return EnqueueDependentReply{Queued: true}, nil
	case len(items) == 1 && code == 0:
		return EnqueueDependentReply{Deferred: true}, nil
	case len(items) == 2 && code == -1:
		i, _ := items[1].(int64)
		if i >= 1 && int(i) <= len(a.DependencyIDs) {
			return EnqueueDependentReply{MissingDependency: a.DependencyIDs[i-1]}, nil
		}
	}
	return EnqueueDependentReply{}, enqueueDependentScript.replyError(res)
}
