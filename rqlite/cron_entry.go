package rqlite

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronJobInfo is what is known of a cron job: what its scheduler was
// given, when it last queued it and when it is next due. CronScheduler.Jobs
// gives those of a running scheduler, FetchCronScheduler those recorded in
// Redis by any scheduler, rqlite's or RQ's.
type CronJobInfo struct {
	FuncName string
	Queue    string
	Args     []any
	Kwargs   map[string]any
	Interval time.Duration // zero for a cron job
	Cron     string        // "" for an interval job

	// The options given to each job; zero when not set (RQ records
	// result_ttl always, 500 s by default). Forever is RQ's -1.
	JobTimeout time.Duration
	ResultTTL  time.Duration
	TTL        time.Duration
	FailureTTL time.Duration
	Meta       map[string]any
	// Webhooks is RQ 2.10's webhooks field as recorded, JSON; rqlite
	// neither writes nor calls them.
	Webhooks string

	// LatestRun is when this scheduler last queued the job; zero if never.
	LatestRun time.Time
	// NextRun is when the job is next due; zero if not known (an RQ
	// interval job that has not run yet, which is due at once).
	NextRun time.Time
}

// cronEntry is a registered job and its timing.
type cronEntry struct {
	job    CronJob
	task   *Task
	sched  cron.Schedule // nil for an interval job
	id     string        // the digest that names its claims
	latest time.Time
	next   time.Time
}

// cronParser reads RQ's cron strings: five fields, or a @descriptor.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// maxCronExpr is the longest cron expression taken.
const maxCronExpr = 256

// parseCron reads a cron expression. @every and a time zone prefix are
// refused: RQ's croniter reads neither, and @every's times depend on when
// each scheduler started, so that two schedulers would not agree on them.
func parseCron(expr string) (cron.Schedule, error) {
	const why = "use five fields (minute hour day month weekday) or @yearly, @monthly, @weekly, @daily, @hourly"
	if len(expr) > maxCronExpr {
		return nil, badOption("cron expression", expr[:maxCronExpr]+"...", "too long")
	}
	if strings.HasPrefix(expr, "@every") {
		return nil, badOption("cron expression", expr, "use an interval instead of @every")
	}
	if strings.Contains(expr, "TZ=") {
		return nil, badOption("cron expression", expr, "cron times are read in UTC, as RQ reads them; no time zone may be given")
	}
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, badOption("cron expression", expr, err.Error()+"; "+why)
	}
	return s, nil
}

// newEntry checks a job as RQ's CronJob does, and as Enqueue would check
// each call of it.
func (s *CronScheduler) newEntry(j CronJob) (*cronEntry, error) {
	if err := ValidateQueueName(j.Queue); err != nil {
		return nil, err
	}
	e := &cronEntry{job: j}
	switch {
	case j.Interval != 0 && j.Cron != "":
		return nil, badOption("cron job", j.Cron, "give an interval or a cron expression, not both")
	case j.Interval < 0 || j.Interval > 0 && j.Interval < time.Millisecond:
		return nil, badOption("interval", j.Interval, "it must be 1ms or more")
	case j.Interval == 0 && j.Cron == "":
		return nil, badOption("cron job", "", "give an interval or a cron expression")
	case j.Cron != "":
		sched, err := parseCron(j.Cron)
		if err != nil {
			return nil, err
		}
		e.sched = sched
	}
	q := s.queue(j.Queue)
	c, err := q.checkCall(j.Task, j.options())
	if err != nil {
		return nil, err
	}
	e.task = c.task
	e.id = e.digest()
	e.next = e.firstDue(s.opts.Now())
	if e.next.IsZero() {
		return nil, badOption("cron expression", j.Cron, "no time in the next five years matches it")
	}
	return e, nil
}

// options returns the enqueue options of each job.
func (j *CronJob) options() *EnqueueOptions {
	return &EnqueueOptions{
		Args: j.Args, Kwargs: j.Kwargs, JobTimeout: j.JobTimeout, ResultTTL: j.ResultTTL,
		TTL: j.TTL, FailureTTL: j.FailureTTL, Meta: j.Meta,
	}
}

// digest names the job in its claims: the same task, queue, arguments and
// schedule give the same digest in every scheduler.
func (e *cronEntry) digest() string {
	h := sha1.New()
	args, _ := JSON.Marshal(e.job.Args)
	kwargs, _ := JSON.Marshal(e.job.Kwargs)
	for _, part := range []string{e.task.Name, e.job.Queue, string(args), string(kwargs), e.job.Interval.String(), e.job.Cron} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// periodStart returns the start of the interval period that holds t,
// counted from the Unix epoch.
func periodStart(t time.Time, interval time.Duration) time.Time {
	ns := t.UnixNano()
	off := ns % int64(interval)
	if off < 0 {
		off += int64(interval)
	}
	return time.Unix(0, ns-off).UTC()
}

// firstDue is when the job is first due: an interval job at once, as in
// RQ; a cron job at the next time of its expression.
func (e *cronEntry) firstDue(now time.Time) time.Time {
	if e.sched == nil {
		return periodStart(now, e.job.Interval)
	}
	return e.sched.Next(now.UTC())
}

// due returns the period a job due at now runs for, and when it is due
// next: for an interval job the period that holds now (a missed one is
// skipped), for a cron job the time it was due (later ones missed are
// skipped, as RQ skips them).
func (e *cronEntry) due(now time.Time) (period, next time.Time) {
	if e.sched == nil {
		period = periodStart(now, e.job.Interval)
		return period, period.Add(e.job.Interval)
	}
	return e.next, e.sched.Next(now.UTC())
}

// claimTTL is how long the claim of a period lasts: the period and a
// minute, so that a late scheduler cannot claim it again.
func (e *cronEntry) claimTTL(period time.Time) time.Duration {
	if e.sched == nil {
		return e.job.Interval + time.Minute
	}
	return e.sched.Next(period).Sub(period) + time.Minute
}

// info returns what is known of the job.
func (e *cronEntry) info() CronJobInfo {
	j := e.job
	ttl := j.ResultTTL
	if ttl == 0 {
		ttl = DefaultResultTTL
	}
	return CronJobInfo{
		FuncName: e.task.Name, Queue: j.Queue, Args: j.Args, Kwargs: j.Kwargs,
		Interval: j.Interval, Cron: j.Cron, JobTimeout: j.JobTimeout, ResultTTL: ttl,
		TTL: j.TTL, FailureTTL: j.FailureTTL, Meta: j.Meta, LatestRun: e.latest, NextRun: e.next,
	}
}
