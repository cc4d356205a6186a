package rqlite

import (
	"testing"
	"time"
)

// pyTimedelta writes what Python's str(timedelta(microseconds=...)) writes.
func TestPyTimedelta(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00:00"},
		{1770 * time.Microsecond, "0:00:00.001770"},
		{1500 * time.Nanosecond, "0:00:00.000001"},
		{2 * time.Second, "0:00:02"},
		{61*time.Minute + 5*time.Second + 250*time.Millisecond, "1:01:05.250000"},
		{24 * time.Hour, "1 day, 0:00:00"},
		{50*time.Hour + time.Microsecond, "2 days, 2:00:00.000001"},
		{-time.Second, "0:00:00"},
	} {
		if got := pyTimedelta(c.d); got != c.want {
			t.Errorf("pyTimedelta(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
