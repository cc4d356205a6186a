package rqtest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// A CommandLog counts what a client sends to Redis: its round trips (a
// command sent alone, or a pipeline or transaction), its pipelines, and
// its commands by name, those of pipelines included (a transaction's
// "multi" and "exec" too). It is safe for concurrent use.
type CommandLog struct {
	mu        sync.Mutex
	trips     int64
	pipelines int64
	byName    map[string]int
}

// WatchCommands adds a CommandLog to rdb's hooks and returns it: it counts
// what rdb sends from then on, until rdb is closed.
func WatchCommands(rdb redis.UniversalClient) *CommandLog {
	l := &CommandLog{byName: map[string]int{}}
	rdb.AddHook(l)
	return l
}

func (l *CommandLog) record(pipeline bool, cmds ...redis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trips++
	if pipeline {
		l.pipelines++
	}
	for _, c := range cmds {
		l.byName[c.Name()]++
	}
}

// Trips is how many round trips were sent.
func (l *CommandLog) Trips() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.trips
}

// Pipelines is how many of the round trips were pipelines or
// transactions.
func (l *CommandLog) Pipelines() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pipelines
}

// Count is how many commands called name (in lower case, as go-redis
// names them: "evalsha", "blmove") were sent.
func (l *CommandLog) Count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byName[name]
}

// Total is how many commands were sent.
func (l *CommandLog) Total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.byName {
		n += c
	}
	return n
}

// Names are the names of the commands sent, sorted, each once.
func (l *CommandLog) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(maps.Keys(l.byName))
}

// DialHook is part of redis.Hook.
func (l *CommandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook is part of redis.Hook.
func (l *CommandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.record(false, cmd)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook is part of redis.Hook.
func (l *CommandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.record(true, cmds...)
		return next(ctx, cmds)
	}
}
