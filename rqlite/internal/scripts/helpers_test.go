package scripts

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// testNow is the clock of the tests.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// putJob writes the hash of job id, queued in queue origin, with the
// extra fields given.
func putJob(t *testing.T, rdb *redis.Client, id, origin string, fields ...any) {
	t.Helper()
	args := append([]any{"status", "queued", "origin", origin, "created_at", wire.FormatTime(testNow),
		"description", "test." + id + "()"}, fields...)
	if err := rdb.HSet(context.Background(), keys.Job(id), args...).Err(); err != nil {
		t.Fatal(err)
	}
}

// dequeueArgs are the arguments of a dequeue by worker w on queues.
func dequeueArgs(w string, queues ...string) DequeueArgs {
	a := DequeueArgs{Worker: keys.Worker(w), Suspended: keys.Suspended, WorkerName: w,
		NowTimestamp: wire.FormatTime(testNow), NowEpoch: wire.Epoch(testNow),
		JobMonitoringInterval: 30, DefaultTimeout: 180, NowMicroseconds: "1714979289.000000"}
	for _, q := range queues {
		a.Queues = append(a.Queues, keys.Queue(q))
	}
	return a
}

// finishArgs are the arguments that record the success of job id of queue
// q, run by worker w.
func finishArgs(w, q, id string) FinishArgs {
	return FinishArgs{Job: keys.Job(id), StartedRegistry: keys.Started(q), Worker: keys.Worker(w),
		Results: keys.Results(id), Registry: keys.Finished(q), Dependents: keys.Dependents(id),
		Dependencies: keys.Dependencies(id), JobID: id, Status: "finished",
		NowTimestamp: wire.FormatTime(testNow), NowEpoch: wire.Epoch(testNow), TTL: 500, ResultsTTL: true,
		StreamEntryType: 1, StreamField: "return_value", FieldValue: "", WorkerCounter: "successful_job_count",
		JobSeconds: "0.250000", WorkerTTL: 480, QueueName: q, StartedMember: id,
		ExecutionStarted: "1714979289.000000", NowMicroseconds: "1714979289.250000", WorkerName: w,
		JobMonitoringInterval: 30, DefaultTimeout: 180}
}

// redisZ is a registry entry for id, due long ago.
func redisZ(id string) redis.Z { return redis.Z{Score: 1, Member: id} }
