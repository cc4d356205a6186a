package cli

import (
	"fmt"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// scheduleAtLayouts are the forms --schedule-at takes, as RQ's click.DateTime.
var scheduleAtLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// schedule fills in the retry and scheduling options.
func (o *enqueueOptions) schedule(flags interface{ Changed(string) bool }, opts *rqlite.EnqueueOptions) error {
	if flags.Changed("retry-max") || len(o.retryEvery) > 0 {
		if o.retryMax < 1 {
			return fmt.Errorf("invalid --retry-max %d: it must be 1 or more", o.retryMax)
		}
		r := &rqlite.Retry{Max: o.retryMax}
		for _, n := range o.retryEvery {
			if n < 0 {
				return fmt.Errorf("invalid --retry-interval %d: it must be 0 or more seconds", n)
			}
			r.Intervals = append(r.Intervals, time.Duration(n)*time.Second)
		}
		opts.Retry = r
	}
	switch {
	case o.scheduleIn != "" && o.scheduleAt != "":
		return fmt.Errorf("--schedule-in and --schedule-at cannot go together")
	case o.scheduleIn != "":
		d, err := rqlite.ParseTimeout(o.scheduleIn)
		if err != nil || d < 0 {
			return fmt.Errorf("invalid --schedule-in %q: use whole seconds or digits with a unit d, h, m or s", o.scheduleIn)
		}
		opts.At = time.Now().Add(d)
	case o.scheduleAt != "":
		t, err := parseScheduleAt(o.scheduleAt)
		if err != nil {
			return err
		}
		opts.At = t
	}
	return nil
}

// parseScheduleAt reads --schedule-at. A time before 1970 is refused: the
// scheduled registry is scored by Unix time from 0, so the scheduler
// would never queue the job.
func parseScheduleAt(value string) (time.Time, error) {
	for _, layout := range scheduleAtLayouts {
		if t, err := time.ParseInLocation(layout, value, time.Local); err == nil {
			if t.Unix() < 0 {
				return time.Time{}, fmt.Errorf("invalid --schedule-at %q: it is before 1970-01-01 UTC, and the job would never be queued", value)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid --schedule-at %q: use a local time such as 2026-11-27T15:09:00", value)
}
