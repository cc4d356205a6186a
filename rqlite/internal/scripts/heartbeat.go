package scripts

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// HeartbeatArgs are the arguments of heartbeat.lua.
type HeartbeatArgs struct {
	Worker          string `lua:"KEYS[1]"` // keys.Worker(name)
	Job             string `lua:"KEYS[2]"` // keys.Job(id)
	StartedRegistry string `lua:"KEYS[3]"` // keys.Started(q)
	JobID           string `lua:"ARGV[1]"`
	NowTimestamp    string `lua:"ARGV[2]"` // wire.FormatTime
	StartedScore    int64  `lua:"ARGV[3]"` // now + TTL, in epoch seconds
	TTL             int64  `lua:"ARGV[4]"` // seconds
	JobSeconds      string `lua:"ARGV[5]"` // how long the job has run, as a decimal
	StartedMember   string `lua:"ARGV[6]"` // the job ID, or ID:EXECUTION
	ExecutionID     string `lua:"ARGV[7]"` // RQ 2.x's layout only
	NowMicroseconds string `lua:"ARGV[8]"`
	QueueName       string `lua:"ARGV[9]"` // whose concurrency slot the job may hold
}

var heartbeatScript = newScript[HeartbeatArgs]("heartbeat.lua")

// RunHeartbeat keeps a running job and its worker alive.
func RunHeartbeat(ctx context.Context, rdb redis.Scripter, a HeartbeatArgs) error {
	_, err := heartbeatScript.run(ctx, rdb, a)
	return err
}
