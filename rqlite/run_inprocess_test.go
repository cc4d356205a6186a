package rqlite

import (
	"context"
	"io"
	"testing"
	"time"
)

// TestInProcessChannelAfterAbandon: the in-process runner hands each job's
// ran through one channel while the worker receives them, but a job whose
// function it abandoned gets no successor on that channel: the function's
// late ran goes to its own channel, never to the next job's.
func TestInProcessChannelAfterAbandon(t *testing.T) {
	release := make(chan struct{})
	tasks := NewTaskRegistry()
	if err := tasks.Register("inprocess.echo", func(s string) string {
		if s == "late" {
			<-release
		}
		return s
	}, "s"); err != nil {
		t.Fatal(err)
	}
	p := &inProcess{tasks: tasks, log: &Logger{Out: io.Discard, Err: io.Discard}}
	c := newConn(nil, &QueueOptions{Serializer: JSON})
	job := func(s string) *Job {
		return &Job{ID: s, FuncName: "inprocess.echo", Args: []any{s}, c: c}
	}
	ctx := context.Background()
	first := p.start(ctx, job("first"), nil, 0)
	if r := receiveRan(t, first); r.value != "first" {
		t.Fatalf("first job ran %+v", r)
	}
	stuck := p.start(ctx, job("late"), nil, 0)
	if stuck != first {
		t.Error("the second job got a new channel, though the first's ran was received")
	}
	p.abandon("late", errJobTimeout)
	next := p.start(ctx, job("next"), nil, 0)
	if next == stuck {
		t.Fatal("the job after an abandoned one shares its channel")
	}
	close(release)
	if r := receiveRan(t, stuck); r.value != "late" {
		t.Errorf("the abandoned function's late ran is %+v, want its own value", r)
	}
	if r := receiveRan(t, next); r.value != "next" {
		t.Errorf("the next job ran %+v, want its own value", r)
	}
}

// receiveRan waits for a ran on ch, for ten seconds at most.
func receiveRan(t *testing.T, ch <-chan ran) ran {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no ran within 10 s")
		return ran{}
	}
}
