package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// EnqueueScheduledArgs are the arguments of enqueue_scheduled.lua.
type EnqueueScheduledArgs struct {
	ScheduledRegistry string `lua:"KEYS[1]"` // keys.Scheduled(q)
	Queue             string `lua:"KEYS[2]"` // keys.Queue(q)
	NowEpoch          int64  `lua:"ARGV[1]"`
	NowTimestamp      string `lua:"ARGV[2]"` // wire.FormatTime
	Limit             int    `lua:"ARGV[3]"` // the most jobs to move in one call
	RQ2Front          bool   `lua:"ARGV[4]"` // RQ 2.x's rule for the front of the queue
}

// EnqueueScheduledReply is what enqueue_scheduled.lua answers.
type EnqueueScheduledReply struct {
	Queued int // how many due jobs were queued
}

var enqueueScheduledScript = newScript[EnqueueScheduledArgs]("enqueue_scheduled.lua")

// RunEnqueueScheduled queues the scheduled jobs whose time has come, at
// most Limit of them.
func RunEnqueueScheduled(ctx context.Context, rdb redis.Scripter, a EnqueueScheduledArgs) (EnqueueScheduledReply, error) {
	res, err := enqueueScheduledScript.run(ctx, rdb, a)
	if err != nil {
		return EnqueueScheduledReply{}, err
	}
	n, ok := res.(int64)
	if !ok {
		return EnqueueScheduledReply{}, enqueueScheduledScript.replyError(res)
	}
	return EnqueueScheduledReply{Queued: int(n)}, nil
}
