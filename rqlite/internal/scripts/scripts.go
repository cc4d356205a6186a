// Package scripts holds the Lua scripts that make a multi-step change to
// Redis atomic. Each script documents its KEYS and ARGV at its top.
package scripts

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed enqueue_dependent.lua
	enqueueDependent string
	//go:embed empty.lua
	empty string
)

// EnqueueDependent enqueues a job that has dependencies, or defers it while
// any dependency has not finished.
var EnqueueDependent = redis.NewScript(enqueueDependent)

// Empty removes every job of a queue.
var Empty = redis.NewScript(empty)
