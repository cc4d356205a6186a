package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// DeleteQueueArgs are the arguments of delete_queue.lua.
type DeleteQueueArgs struct {
	Queues     string `lua:"KEYS[1]"` // keys.Queues
	Queue      string `lua:"KEYS[2]"` // keys.Queue(q)
	DeleteJobs bool   `lua:"ARGV[1]"`
}

// DeleteQueueReply is what delete_queue.lua answers.
type DeleteQueueReply struct {
	Removed int64 // how many jobs left the queue and were deleted
}

var deleteQueueScript = newScript[DeleteQueueArgs]("empty_queue.lua", "delete_queue.lua")

// RunDeleteQueue deletes a queue and, with DeleteJobs, its jobs.
func RunDeleteQueue(ctx context.Context, rdb redis.Scripter, a DeleteQueueArgs) (DeleteQueueReply, error) {
	res, err := deleteQueueScript.run(ctx, rdb, a)
	if err != nil {
		return DeleteQueueReply{}, err
	}
	n, ok := res.(int64)
	if !ok {
		return DeleteQueueReply{}, deleteQueueScript.replyError(res)
	}
	return DeleteQueueReply{Removed: n}, nil
}
