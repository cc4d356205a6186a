package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// EmptyArgs are the arguments of empty.lua.
type EmptyArgs struct {
	Queue string `lua:"KEYS[1]"` // keys.Queue(q)
}

// EmptyReply is what empty.lua answers.
type EmptyReply struct {
	Removed int64 // how many jobs left the queue and were deleted
}

var emptyScript = newScript[EmptyArgs]("empty_queue.lua", "empty.lua")

// RunEmpty removes every job of a queue.
func RunEmpty(ctx context.Context, rdb redis.Scripter, a EmptyArgs) (EmptyReply, error) {
	res, err := emptyScript.run(ctx, rdb, a)
	if err != nil {
		return EmptyReply{}, err
	}
	n, ok := res.(int64)
	if !ok {
		return EmptyReply{}, emptyScript.replyError(res)
	}
	return EmptyReply{Removed: n}, nil
}
