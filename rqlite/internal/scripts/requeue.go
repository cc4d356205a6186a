package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// RequeueArgs are the arguments of requeue.lua.
type RequeueArgs struct {
	FailedRegistry string   `lua:"KEYS[1]"` // keys.Failed(q)
	AllQueues      string   `lua:"KEYS[2]"` // keys.Queues
	NowTimestamp   string   `lua:"ARGV[1]"` // wire.FormatTime
	EmptyExcInfo   string   `lua:"ARGV[2]"` // zlib'd
	Queue          string   `lua:"ARGV[3]"` // the queue's name, for jobs without an origin
	DefaultTimeout int64    `lua:"ARGV[4]"` // seconds
	JobIDs         []string `lua:"ARGV[5..]"`
}

// RequeueOutcome is what became of one job given to requeue.lua.
type RequeueOutcome int

// The outcomes of requeue.lua.
const (
	NotInRegistry RequeueOutcome = iota // not in the failed registry: left alone
	Requeued                            // back in its queue
	JobGone                             // in the registry without a job hash: the entry is removed
)

// RequeueReply is what requeue.lua answers.
type RequeueReply struct {
	Outcomes []RequeueOutcome // one per JobIDs, in their order
}

var requeueScript = newScript[RequeueArgs]("requeue.lua")

// RunRequeue puts failed jobs back in their queues.
func RunRequeue(ctx context.Context, rdb redis.Scripter, a RequeueArgs) (RequeueReply, error) {
	res, err := requeueScript.run(ctx, rdb, a)
	if err != nil {
		return RequeueReply{}, err
	}
	items, _ := res.([]any)
	if res == nil || len(items) != len(a.JobIDs) {
		return RequeueReply{}, requeueScript.replyError(res)
	}
	outcomes := make([]RequeueOutcome, len(items))
	for i, item := range items {
		switch item {
		case int64(1):
			outcomes[i] = Requeued
		case int64(0):
			outcomes[i] = NotInRegistry
		case int64(-1):
			outcomes[i] = JobGone
		default:
			return RequeueReply{}, requeueScript.replyError(res)
		}
	}
	return RequeueReply{Outcomes: outcomes}, nil
}
