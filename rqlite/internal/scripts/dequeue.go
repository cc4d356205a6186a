package scripts

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// DequeueArgs are the arguments of dequeue.lua.
type DequeueArgs struct {
	Worker                string   `lua:"KEYS[1]"`   // keys.Worker(name)
	Suspended             string   `lua:"KEYS[2]"`   // keys.Suspended
	Queues                []string `lua:"KEYS[3..]"` // keys.Queue(q) of each queue, highest priority first
	WorkerName            string   `lua:"ARGV[1]"`
	NowTimestamp          string   `lua:"ARGV[2]"` // wire.FormatTime
	NowEpoch              int64    `lua:"ARGV[3]"`
	JobMonitoringInterval int64    `lua:"ARGV[4]"` // seconds
	DefaultTimeout        int64    `lua:"ARGV[5]"` // seconds
	PoppedID              string   `lua:"ARGV[6]"` // a job BLPOP or BLMOVE took from Queues[0], or ""
	Sync                  bool     `lua:"ARGV[7]"` // leave the worker hash alone
	ExecutionID           string   `lua:"ARGV[8]"` // RQ 2.x's layout only
	NowMicroseconds       string   `lua:"ARGV[9]"` // epoch seconds with microseconds
	// Intermediate is set when BLMOVE moved PoppedID into Queues[0]'s
	// intermediate list (keys.Intermediate), which the script empties of it.
	Intermediate bool `lua:"ARGV[10]"`
}

var dequeueScript = newScript[DequeueArgs]("take.lua", "dequeue.lua")

// RunDequeue takes the first job waiting in a worker's queues and marks it
// started. The reply has no job when every queue is empty (or the popped
// job was gone).
func RunDequeue(ctx context.Context, rdb redis.Scripter, a DequeueArgs) (DequeueReply, error) {
	res, err := dequeueScript.run(ctx, rdb, a)
	if errors.Is(err, redis.Nil) {
		return DequeueReply{}, nil
	}
	if err != nil {
		return DequeueReply{}, err
	}
	reply, ok := readTake(res)
	if !ok {
		return DequeueReply{}, dequeueScript.replyError(res)
	}
	return reply, nil
}
