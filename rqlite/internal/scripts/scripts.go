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
	//go:embed take.lua
	take string
	//go:embed dequeue.lua
	dequeue string
	//go:embed finish.lua
	finish string
	//go:embed heartbeat.lua
	heartbeat string
	//go:embed clean_started.lua
	cleanStarted string
	//go:embed retry.lua
	retry string
	//go:embed requeue.lua
	requeue string
)

var (
	// EnqueueDependent enqueues a job that has dependencies, or defers it
	// while any dependency has not finished.
	EnqueueDependent = redis.NewScript(enqueueDependent)
	// Empty removes every job of a queue.
	Empty = redis.NewScript(empty)
	// Dequeue takes the first waiting job of a worker's queues and marks it
	// started.
	Dequeue = redis.NewScript(take + dequeue)
	// Finish records the outcome of a job run and enqueues its dependents,
	// and can take the worker's next job in the same call.
	Finish = redis.NewScript(retry + dependents + take + finish)
	// Heartbeat keeps a running job and its worker alive.
	Heartbeat = redis.NewScript(heartbeat)
	// CleanStarted moves abandoned jobs from the started to the failed
	// registry.
	CleanStarted = redis.NewScript(retry + cleanStarted)
	// Requeue puts failed jobs back in their queues.
	Requeue = redis.NewScript(requeue)
)
