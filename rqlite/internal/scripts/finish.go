package scripts

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// FinishArgs are the arguments of finish.lua.
type FinishArgs struct {
	Job             string   `lua:"KEYS[1]"`           // keys.Job(id)
	StartedRegistry string   `lua:"KEYS[2]"`           // keys.Started(q)
	Worker          string   `lua:"KEYS[3]"`           // keys.Worker(name)
	Results         string   `lua:"KEYS[4]"`           // keys.Results(id)
	Registry        string   `lua:"KEYS[5]"`           // keys.Finished(q) or keys.Failed(q)
	Dependents      string   `lua:"KEYS[6]"`           // keys.Dependents(id)
	Dependencies    string   `lua:"KEYS[7]"`           // keys.Dependencies(id)
	Suspended       string   `lua:"KEYS[8],omitempty"` // keys.Suspended with TakeNext, else ""
	Queues          []string `lua:"KEYS[9..]"`         // with TakeNext, the worker's queue keys, highest priority first

	JobID                 string `lua:"ARGV[1]"`
	Status                string `lua:"ARGV[2]"` // finished, failed or stopped
	NowTimestamp          string `lua:"ARGV[3]"` // wire.FormatTime
	NowEpoch              int64  `lua:"ARGV[4]"`
	TTL                   int64  `lua:"ARGV[5]"`  // seconds: -1 for ever, 0 to delete the job
	ResultsTTL            bool   `lua:"ARGV[6]"`  // give the results stream the job's TTL
	StreamEntryType       int    `lua:"ARGV[7]"`  // 1 successful, 2 failed
	StreamField           string `lua:"ARGV[8]"`  // return_value or exc_string
	FieldValue            string `lua:"ARGV[9]"`  // "" to leave the field out
	WorkerCounter         string `lua:"ARGV[10]"` // successful_job_count or failed_job_count
	JobSeconds            string `lua:"ARGV[11]"` // the run time, as a decimal
	WorkerTTL             int64  `lua:"ARGV[12]"` // the idle worker's, in seconds
	QueueName             string `lua:"ARGV[13]"`
	Sync                  bool   `lua:"ARGV[14]"` // leave the worker hash alone
	StartedMember         string `lua:"ARGV[15]"` // the job ID, or ID:EXECUTION
	ExecutionID           string `lua:"ARGV[16]"` // RQ 2.x's layout only
	ExecutionStarted      string `lua:"ARGV[17]"` // epoch seconds with microseconds
	NowMicroseconds       string `lua:"ARGV[18]"` // with an ExecutionID
	WorkerName            string `lua:"ARGV[19]"`
	TakeNext              bool   `lua:"ARGV[20]"` // take the worker's next job in the same call
	JobMonitoringInterval int64  `lua:"ARGV[21]"` // seconds, for TakeNext
	DefaultTimeout        int64  `lua:"ARGV[22]"` // seconds, for TakeNext
	HasDependencies       bool   `lua:"ARGV[23]"`
	// Fields of a job deleted while it ran (field, value...), to write it
	// again; see Gone.
	Fields []string `lua:"ARGV[24..]"`
}

func (a FinishArgs) check() error {
	if a.TakeNext && a.Suspended == "" {
		return errors.New("a TakeNext without the Suspended key")
	}
	if !a.TakeNext && (a.Suspended != "" || len(a.Queues) > 0) {
		return errors.New("a Suspended key or Queues without TakeNext")
	}
	return nil
}

// FinishReply is what finish.lua answers.
type FinishReply struct {
	// Gone is set when the job was deleted while it ran and the call had
	// no Fields to write it again with: it recorded nothing.
	Gone     bool
	Enqueued int64        // how many dependents were queued
	Retried  bool         // the failed job will run again (it had retries left)
	Next     DequeueReply // with TakeNext, the worker's next job, or suspended
}

var finishScript = newScript[FinishArgs]("run_again.lua", "retry.lua", "repeat.lua", "dependents.lua", "concurrency.lua", "take.lua", "finish.lua")

// RunFinish records the outcome of a job run and enqueues its dependents,
// and, with TakeNext, takes the worker's next job in the same call.
func RunFinish(ctx context.Context, rdb redis.Scripter, a FinishArgs) (FinishReply, error) {
	res, err := finishScript.run(ctx, rdb, a)
	if err != nil {
		return FinishReply{}, err
	}
	items, _ := res.([]any)
	if len(items) < 2 {
		return FinishReply{}, finishScript.replyError(res)
	}
	enqueued, ok1 := items[0].(int64)
	retried, ok2 := items[1].(int64)
	var reply FinishReply
	ok3 := len(items) == 2
	if len(items) == 3 {
		reply.Next, ok3 = readTake(items[2])
	}
	if !ok1 || !ok2 || !ok3 {
		return FinishReply{}, finishScript.replyError(res)
	}
	if enqueued < 0 {
		return FinishReply{Gone: true}, nil
	}
	reply.Enqueued, reply.Retried = enqueued, retried == 1
	return reply, nil
}
