package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// RemoveStartedArgs are the arguments of remove_started.lua.
type RemoveStartedArgs struct {
	Started    string `lua:"KEYS[1]"` // keys.Started(q)
	Executions string `lua:"KEYS[2]"` // keys.Executions(id)
	JobID      string `lua:"ARGV[1]"`
}

// RemoveStartedReply is what remove_started.lua answers.
type RemoveStartedReply struct {
	Removed int64 // how many members left the started registry
}

var removeStartedScript = newScript[RemoveStartedArgs]("remove_started.lua")

// RunRemoveStarted takes a job out of a started registry in RQ 2.x's
// layout.
func RunRemoveStarted(ctx context.Context, rdb redis.Scripter, a RemoveStartedArgs) (RemoveStartedReply, error) {
	res, err := removeStartedScript.run(ctx, rdb, a)
	if err != nil {
		return RemoveStartedReply{}, err
	}
	n, ok := res.(int64)
	if !ok {
		return RemoveStartedReply{}, removeStartedScript.replyError(res)
	}
	return RemoveStartedReply{Removed: n}, nil
}
