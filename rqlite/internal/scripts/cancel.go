package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// CancelArgs are the arguments of cancel.lua.
type CancelArgs struct {
	Job               string `lua:"KEYS[1]"` // keys.Job(id)
	JobID             string `lua:"ARGV[1]"`
	NowEpoch          int64  `lua:"ARGV[2]"`
	NowTimestamp      string `lua:"ARGV[3]"` // wire.FormatTime
	EnqueueDependents bool   `lua:"ARGV[4]"`
}

// CancelReply is what cancel.lua answers.
type CancelReply struct {
	NoJob           bool // the job does not exist; nothing changed
	AlreadyCanceled bool // the job was canceled already; nothing changed
}

var cancelScript = newScript[CancelArgs]("dependents.lua", "cancel.lua")

// RunCancel cancels a job.
func RunCancel(ctx context.Context, rdb redis.Scripter, a CancelArgs) (CancelReply, error) {
	res, err := cancelScript.run(ctx, rdb, a)
	if err != nil {
		return CancelReply{}, err
	}
	switch res {
	case int64(1):
		return CancelReply{}, nil
	case int64(0):
		return CancelReply{NoJob: true}, nil
	case int64(-1):
		return CancelReply{AlreadyCanceled: true}, nil
	}
	return CancelReply{}, cancelScript.replyError(res)
}
