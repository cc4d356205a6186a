package scripts

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Where a job written by enqueue_unique.lua goes.
const (
	UniqueFront     = "L" // the front of the queue
	UniqueBack      = "R" // the back of the queue
	UniqueNowhere   = "N" // nowhere: a queue that runs its jobs at once
	UniqueScheduled = "S" // the scheduled registry
)

// EnqueueUniqueArgs are the arguments of enqueue_unique.lua.
type EnqueueUniqueArgs struct {
	Job               string `lua:"KEYS[1]"` // keys.Job(id)
	Queue             string `lua:"KEYS[2]"` // keys.Queue(q)
	AllQueues         string `lua:"KEYS[3]"` // keys.Queues
	ScheduledRegistry string `lua:"KEYS[4]"` // keys.Scheduled(q)
	Claim             string `lua:"KEYS[5]"` // a key only one writer creates, such as keys.CronClaim; "" for none
	JobID             string `lua:"ARGV[1]"`
	Where             string `lua:"ARGV[2]"`           // UniqueFront, UniqueBack, UniqueNowhere or UniqueScheduled
	TTL               int64  `lua:"ARGV[3],emptyzero"` // seconds, 0 for none
	ScheduledScore    int64  `lua:"ARGV[4],emptyzero"` // epoch seconds, for UniqueScheduled
	ClaimTTL          int64  `lua:"ARGV[5],emptyzero"` // milliseconds the claim lasts; 0 without a claim
	ClaimValue        string `lua:"ARGV[6]"`
	Fields            []any  `lua:"ARGV[7..]"` // field, value... of the job hash, status among them
}

func (a EnqueueUniqueArgs) check() error {
	switch a.Where {
	case UniqueFront, UniqueBack, UniqueNowhere, UniqueScheduled:
	default:
		return errors.New("the Where is not one of UniqueFront, UniqueBack, UniqueNowhere, UniqueScheduled")
	}
	if (a.Claim == "") != (a.ClaimTTL == 0) {
		return errors.New("a Claim needs its ClaimTTL, and a ClaimTTL its Claim")
	}
	if len(a.Fields)%2 != 0 {
		return errors.New("the Fields are not field, value pairs")
	}
	return nil
}

// EnqueueUniqueReply is what enqueue_unique.lua answers.
type EnqueueUniqueReply struct {
	Written bool // false: nothing was written, as Claimed says why
	// Claimed is set when the claim existed; when it is not and nothing
	// was written, a job with this ID existed.
	Claimed bool
}

var enqueueUniqueScript = newScript[EnqueueUniqueArgs]("enqueue_unique.lua")

// RunEnqueueUnique writes a job and queues or schedules it, unless a job
// with its ID exists or its claim does.
func RunEnqueueUnique(ctx context.Context, rdb redis.Scripter, a EnqueueUniqueArgs) (EnqueueUniqueReply, error) {
	res, err := enqueueUniqueScript.run(ctx, rdb, a)
	if err != nil {
		return EnqueueUniqueReply{}, err
	}
	n, ok := res.(int64)
	if !ok || n < 0 || n > 2 {
		return EnqueueUniqueReply{}, enqueueUniqueScript.replyError(res)
	}
	return EnqueueUniqueReply{Written: n == 1, Claimed: n == 2}, nil
}
