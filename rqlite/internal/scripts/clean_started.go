package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// The layouts of the started registry, for CleanStartedArgs.Layout.
const (
	LayoutRQ1 = "1" // RQ 1.13's: members are job IDs
	LayoutRQ2 = "2" // RQ 2.x's: members are ID:EXECUTION
)

// CleanStartedArgs are the arguments of clean_started.lua.
type CleanStartedArgs struct {
	StartedRegistry   string `lua:"KEYS[1]"` // keys.Started(q)
	FailedRegistry    string `lua:"KEYS[2]"` // keys.Failed(q)
	NowEpoch          int64  `lua:"ARGV[1]"`
	ExcInfo           []byte `lua:"ARGV[2]"` // zlib'd
	DefaultFailureTTL int64  `lua:"ARGV[3]"` // seconds
	NowTimestamp      string `lua:"ARGV[4]"` // wire.FormatTime
	QueueName         string `lua:"ARGV[5]"`
	Layout            string `lua:"ARGV[6]"` // LayoutRQ1 or LayoutRQ2
	ResultExcString   string `lua:"ARGV[7]"` // with LayoutRQ2: ExcInfo, base64'd
}

// CleanStartedReply is what clean_started.lua answers.
type CleanStartedReply struct {
	Moved []string // the IDs of the jobs moved to the failed registry (not those retried)
	// Callbacks are the IDs of the abandoned jobs, moved or retried, whose
	// on_failure callback is to run (RQ 2.x's layout only).
	Callbacks []string
}

var cleanStartedScript = newScript[CleanStartedArgs]("run_again.lua", "retry.lua", "abandon.lua", "dependents.lua", "concurrency.lua", "clean_started.lua")

// RunCleanStarted moves abandoned jobs from the started to the failed
// registry.
func RunCleanStarted(ctx context.Context, rdb redis.Scripter, a CleanStartedArgs) (CleanStartedReply, error) {
	res, err := cleanStartedScript.run(ctx, rdb, a)
	if err != nil {
		return CleanStartedReply{}, err
	}
	lists, ok := res.([]any)
	if !ok || len(lists) != 2 {
		return CleanStartedReply{}, cleanStartedScript.replyError(res)
	}
	moved, ok1 := stringList(lists[0])
	callbacks, ok2 := stringList(lists[1])
	if !ok1 || !ok2 {
		return CleanStartedReply{}, cleanStartedScript.replyError(res)
	}
	return CleanStartedReply{Moved: moved, Callbacks: callbacks}, nil
}
