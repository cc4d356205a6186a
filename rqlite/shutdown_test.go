package rqlite_test

import (
	"strings"
	"syscall"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// RQ's shutdown command sends the worker SIGINT: it is the first signal,
// and one SIGTERM after it is the second, a cold shut down that stops the
// running job at once (issue 14, finding 7).
func TestShutdownCommandCountsAsTheFirstSignal(t *testing.T) {
	b, r := workerSetup(t)
	job, err := b.queue("default").Enqueue(b.ctx, "test.block")
	must(t, err)
	w, log := b.worker(t, nil, nil)
	done := make(chan error)
	go func() { done <- w.Run(b.ctx) }()
	waitFor(t, "the job to start", func() bool { return len(r.got()) == 1 })

	must(t, rqlite.SendShutdownCommand(b.ctx, b.rdb, w.Name()))
	waitFor(t, "the shutdown command", func() bool {
		return b.rdb.HExists(b.ctx, w.Key(), "shutdown_requested_date").Val()
	})
	must(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	must(t, <-done) // test.block never returns by itself: only a cold shut down ends it

	if s, _ := job.GetStatus(b.ctx); s != rqlite.StatusFailed {
		t.Errorf("the running job is %s, want failed by a cold shut down", s)
	}
	if !strings.Contains(log.String(), "Cold shut down") {
		t.Errorf("log:\n%s", log)
	}
}
