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
	// Funcs are job ID, task name... pairs: the task names of jobs that a
	// reply asked for (DequeueReply.Resolve) for the task limits.
	Funcs []string `lua:"ARGV[11..]"`
}

func (a DequeueArgs) check() error {
	if len(a.Funcs)%2 != 0 {
		return errors.New("the funcs are not job ID, task name pairs")
	}
	return nil
}

var dequeueScript = newScript[DequeueArgs]("concurrency.lua", "take.lua", "dequeue.lua")

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
	reply, ok := readDequeue(res)
	if !ok {
		return DequeueReply{}, dequeueScript.replyError(res)
	}
	return reply, nil
}

// readDequeue reads dequeue.lua's reply: what take returns, or that
// wrapped in what the concurrency limits add to it.
func readDequeue(res any) (DequeueReply, bool) {
	items, _ := res.([]any)
	if len(items) != 5 || items[0] != "limits" {
		return readTake(res)
	}
	var reply DequeueReply
	ok := true
	if items[1] != int64(0) {
		reply, ok = readTake(items[1])
	}
	blocked, ok1 := stringList(items[2])
	bad, ok2 := stringList(items[3])
	resolve, ok3 := stringList(items[4])
	if !ok || !ok1 || !ok2 || !ok3 || len(bad)%3 != 0 || (len(resolve) != 0 && len(resolve) != 2) {
		return DequeueReply{}, false
	}
	lim := &LimitsReply{Blocked: blocked}
	for i := 0; i < len(bad); i += 3 {
		lim.BadLimits = append(lim.BadLimits, BadLimit{Kind: bad[i], Name: bad[i+1], Value: bad[i+2]})
	}
	if len(resolve) == 2 {
		lim.Resolve = &Unresolved{ID: resolve[0], Data: resolve[1]}
	}
	reply.Limits = lim
	return reply, true
}
