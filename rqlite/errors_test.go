package rqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Bad values and unknown tasks are told apart by type, not by text.
func TestErrorsAreTyped(t *testing.T) {
	b, _ := workerSetup(t)
	q := b.queue("default")
	ctx := context.Background()
	for _, c := range []struct {
		err            error
		option, reason string
	}{
		{func() error {
			_, err := q.EnqueueCall(ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"x"}, JobID: "a b"})
			return err
		}(), "job ID", "use only letters, digits, '_' and '-'"},
		{func() error {
			_, err := q.EnqueueCall(ctx, "test.note", &rqlite.EnqueueOptions{Args: []any{"x"}, TTL: -time.Second})
			return err
		}(), "ttl", "it must be positive (leave it zero for no limit)"},
		{func() error { _, err := rqlite.ParseLogLevel("LOUD"); return err }(), "logging level", "use DEBUG, INFO, WARNING or ERROR"},
		{rqlite.ValidateQueueName("a b"), "queue name", "use no spaces, commas or control characters"},
	} {
		var oe *rqlite.OptionError
		if !errors.As(c.err, &oe) || oe.Option != c.option || oe.Reason != c.reason {
			t.Errorf("%v: want an *OptionError for %s (%q)", c.err, c.option, c.reason)
		}
	}
	_, err := q.Enqueue(ctx, "test.missing")
	var ue *rqlite.UnknownTaskError
	if !errors.As(err, &ue) || ue.Name != "test.missing" {
		t.Errorf("%v: want an *UnknownTaskError for test.missing", err)
	}
}
