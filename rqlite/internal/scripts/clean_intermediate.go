package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// CleanIntermediateArgs are the arguments of clean_intermediate.lua.
type CleanIntermediateArgs struct {
	Intermediate      string `lua:"KEYS[1]"` // keys.Intermediate(q)
	StartedRegistry   string `lua:"KEYS[2]"` // keys.Started(q)
	FailedRegistry    string `lua:"KEYS[3]"` // keys.Failed(q)
	NowEpoch          int64  `lua:"ARGV[1]"`
	ExcInfo           []byte `lua:"ARGV[2]"` // zlib'd
	DefaultFailureTTL int64  `lua:"ARGV[3]"` // seconds
	NowTimestamp      string `lua:"ARGV[4]"` // wire.FormatTime
	QueueName         string `lua:"ARGV[5]"`
	Layout            string `lua:"ARGV[6]"` // LayoutRQ1 or LayoutRQ2
	FirstSeenPrefix   string `lua:"ARGV[7]"` // keys.IntermediateFirstSeen(q, "")
}

// CleanIntermediateReply is what clean_intermediate.lua answers.
type CleanIntermediateReply struct {
	Failed []string // the IDs of the jobs moved to the failed registry (not those retried)
}

var cleanIntermediateScript = newScript[CleanIntermediateArgs]("run_again.lua", "retry.lua", "abandon.lua", "clean_intermediate.lua")

// RunCleanIntermediate recovers the jobs that dead workers left in a
// queue's intermediate list.
func RunCleanIntermediate(ctx context.Context, rdb redis.Scripter, a CleanIntermediateArgs) (CleanIntermediateReply, error) {
	res, err := cleanIntermediateScript.run(ctx, rdb, a)
	if err != nil {
		return CleanIntermediateReply{}, err
	}
	ids, ok := stringList(res)
	if !ok {
		return CleanIntermediateReply{}, cleanIntermediateScript.replyError(res)
	}
	return CleanIntermediateReply{Failed: ids}, nil
}
