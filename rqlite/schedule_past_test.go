package rqlite_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// A job scheduled before 1970 would be scored below 0 in the scheduled
// registry, where the scheduler never looks: EnqueueAt refuses it with an
// *OptionError naming the time, and leaves nothing in Redis.
func TestEnqueueAtBefore1970(t *testing.T) {
	b, _ := workerSetup(t)
	for _, at := range []time.Time{
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		_, err := b.queue("default").EnqueueAt(b.ctx, at, "test.note", "x")
		var bad *rqlite.OptionError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), at.Format(time.RFC3339)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("EnqueueAt(%s) = %v, want a one-line *OptionError naming the time", at, err)
		}
	}
	if n := b.rdb.ZCard(b.ctx, "rq:scheduled:default").Val(); n != 0 {
		t.Errorf("%d jobs scheduled", n)
	}
	if _, err := b.queue("default").EnqueueAt(b.ctx, time.Unix(0, 0), "test.note", "x"); err != nil {
		t.Errorf("EnqueueAt(1970-01-01 UTC) = %v", err)
	}
}
