package scripts

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ManyDependentJob is one job of enqueue_many_dependent.lua.
type ManyDependentJob struct {
	ID            string
	DeferredScore string // see deferredScore in package rqlite
	TTL           int64  // seconds, 0 for none
	AtFront       bool
	AllowFailures bool
	DependencyIDs []string
	Fields        []any // field, value... of the job hash, without status
}

// EnqueueManyDependentArgs are the arguments of enqueue_many_dependent.lua.
// Make them with NewEnqueueManyDependentArgs.
type EnqueueManyDependentArgs struct {
	Queue            string `lua:"KEYS[1]"` // keys.Queue(q)
	DeferredRegistry string `lua:"KEYS[2]"` // keys.Deferred(q)
	NowTimestamp     string `lua:"ARGV[1]"` // wire.FormatTime
	JobCount         int    `lua:"ARGV[2]"`
	Records          []any  `lua:"ARGV[3..]"` // the jobs, flattened
}

// NewEnqueueManyDependentArgs returns the arguments that write jobs into
// queue (its key) and deferred (its deferred registry's key).
func NewEnqueueManyDependentArgs(queue, deferred, now string, jobs []ManyDependentJob) EnqueueManyDependentArgs {
	a := EnqueueManyDependentArgs{Queue: queue, DeferredRegistry: deferred, NowTimestamp: now, JobCount: len(jobs)}
	for _, j := range jobs {
		ttl := ""
		if j.TTL > 0 {
			ttl = strconv.FormatInt(j.TTL, 10)
		}
		a.Records = append(a.Records, j.ID, j.DeferredScore, ttl, flag(j.AtFront), flag(j.AllowFailures),
			len(j.DependencyIDs), len(j.Fields))
		for _, d := range j.DependencyIDs {
			a.Records = append(a.Records, d)
		}
		a.Records = append(a.Records, j.Fields...)
	}
	return a
}

// flag is a bool as the scripts read it.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// check walks the records as the script does.
func (a EnqueueManyDependentArgs) check() error {
	at := 0
	for j := range a.JobCount {
		if at+7 > len(a.Records) {
			return fmt.Errorf("the Records end in job %d of %d", j+1, a.JobCount)
		}
		n, ok1 := a.Records[at+5].(int)
		m, ok2 := a.Records[at+6].(int)
		if !ok1 || !ok2 || n < 0 || m < 0 || m%2 != 0 {
			return fmt.Errorf("job %d's counts are not a count of dependencies and of field, value pairs", j+1)
		}
		at += 7 + n + m
	}
	if at != len(a.Records) {
		return errors.New("the Records do not hold JobCount jobs")
	}
	return nil
}

// EnqueueManyDependentReply is what enqueue_many_dependent.lua answers.
type EnqueueManyDependentReply struct {
	Queued []bool // per job, in order: queued (true) or deferred
}

var enqueueManyDependentScript = newScript[EnqueueManyDependentArgs]("enqueue_many_dependent.lua")

// RunEnqueueManyDependent writes jobs that have dependencies, deferred
// unless their dependencies are met.
func RunEnqueueManyDependent(ctx context.Context, rdb redis.Scripter, a EnqueueManyDependentArgs) (EnqueueManyDependentReply, error) {
	res, err := enqueueManyDependentScript.run(ctx, rdb, a)
	if err != nil {
		return EnqueueManyDependentReply{}, err
	}
	return readManyDependent(res, a.JobCount)
}

// PipeEnqueueManyDependent adds the script to a transaction, with the
// whole script text since the transaction cannot load it first. The
// returned function reads its reply once the transaction has run.
func PipeEnqueueManyDependent(ctx context.Context, p redis.Pipeliner, a EnqueueManyDependentArgs) (func() (EnqueueManyDependentReply, error), error) {
	if err := a.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrArgs, enqueueManyDependentScript.file, err)
	}
	keys, argv, err := marshal(enqueueManyDependentScript.slots, reflect.ValueOf(a))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrArgs, enqueueManyDependentScript.file, err)
	}
	cmd := enqueueManyDependentScript.lua.Eval(ctx, p, keys, argv...)
	return func() (EnqueueManyDependentReply, error) {
		res, err := cmd.Result()
		if err != nil {
			return EnqueueManyDependentReply{}, err
		}
		return readManyDependent(res, a.JobCount)
	}, nil
}

// readManyDependent reads the script's reply for n jobs.
func readManyDependent(res any, n int) (EnqueueManyDependentReply, error) {
	items, ok := res.([]any)
	if !ok || len(items) != n {
		return EnqueueManyDependentReply{}, enqueueManyDependentScript.replyError(res)
	}
	r := EnqueueManyDependentReply{Queued: make([]bool, n)}
	for i, it := range items {
		v, ok := it.(int64)
		if !ok || (v != 0 && v != 1) {
			return EnqueueManyDependentReply{}, enqueueManyDependentScript.replyError(res)
		}
		r.Queued[i] = v == 1
	}
	return r, nil
}
