package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// ReleaseLockArgs are the arguments of release_lock.lua.
type ReleaseLockArgs struct {
	Lock  string `lua:"KEYS[1]"`
	Value string `lua:"ARGV[1]"` // what the caller set the lock to
}

// ReleaseLockReply is what release_lock.lua answers.
type ReleaseLockReply struct {
	Released bool // the lock held Value and is deleted
}

var releaseLockScript = newScript[ReleaseLockArgs]("release_lock.lua")

// RunReleaseLock deletes a lock that still holds the caller's value.
func RunReleaseLock(ctx context.Context, rdb redis.Scripter, a ReleaseLockArgs) (ReleaseLockReply, error) {
	res, err := releaseLockScript.run(ctx, rdb, a)
	if err != nil {
		return ReleaseLockReply{}, err
	}
	n, ok := res.(int64)
	if !ok {
		return ReleaseLockReply{}, releaseLockScript.replyError(res)
	}
	return ReleaseLockReply{Released: n == 1}, nil
}
