package scripts

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed enqueue_scheduled.lua
	enqueueScheduled string
	//go:embed release_lock.lua
	releaseLock string
	//go:embed dependents.lua
	dependents string
	//go:embed cancel.lua
	cancel string
)

var (
	// EnqueueScheduled queues the scheduled jobs whose time has come.
	EnqueueScheduled = redis.NewScript(enqueueScheduled)
	// ReleaseLock deletes a lock that still holds the caller's value.
	ReleaseLock = redis.NewScript(releaseLock)
	// Cancel cancels a job.
	Cancel = redis.NewScript(dependents + cancel)
)
