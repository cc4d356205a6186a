package rqlite_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// The hash and registry entry that a running scheduler writes are those
// of RQ 2.10's CronScheduler, field by field, as rq/cron.py writes them:
// to_dict gives hostname, pid, name, created_at (utcformat), config_file
// and cron_jobs, json.dumps of a list of CronJob.to_dict (func_name,
// queue_name, args and kwargs as safe_json_dumps or None, interval, cron,
// latest_enqueue_time, next_enqueue_time, then the options set, meta as
// safe_json_dumps); the ZSET rq:cron_schedulers holds the name, scored by
// time.time() (the real time, whatever the scheduler's clock); the hash
// expires within 120 s (heartbeat's expire).
func TestCronHashIsRQs(t *testing.T) {
	b := setup(t)
	now := time.Date(2026, 3, 1, 10, 0, 7, 123456000, time.UTC)
	s, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{
		Name: "equipo:4242:abc123", ConfigFile: "demos/cron/cron.yaml", Tasks: b.reg,
		Now: func() time.Time { return now }, Logger: &rqlite.Logger{Out: &strings.Builder{}},
	})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "informes", Task: "test.greet", Args: []any{"Ana"}, Interval: 30 * time.Second,
		JobTimeout: 3 * time.Minute, Meta: map[string]any{"equipo": "datos"}})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "informes", Task: "test.sum", Args: []any{1}, Kwargs: map[string]any{"b": 2},
		Cron: "*/15 * * * *", ResultTTL: rqlite.Forever, TTL: 10 * time.Minute, FailureTTL: time.Hour})
	must(t, err)
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, "the interval job's first run", func() bool {
		return strings.Contains(b.rdb.HGet(b.ctx, "rq:cron_scheduler:equipo:4242:abc123", "cron_jobs").Val(), `"latest_enqueue_time": "2026`)
	})
	host, _ := os.Hostname()
	want := map[string]string{
		"hostname":    host,
		"pid":         strconv.Itoa(os.Getpid()),
		"name":        "equipo:4242:abc123",
		"created_at":  "2026-03-01T10:00:07.123456Z",
		"config_file": "demos/cron/cron.yaml",
		"cron_jobs": `[{"func_name": "test.greet", "queue_name": "informes", "args": "[\"Ana\"]", "kwargs": null, ` +
			`"interval": 30, "cron": null, "latest_enqueue_time": "2026-03-01T10:00:07.123456Z", ` +
			`"next_enqueue_time": "2026-03-01T10:00:30.000000Z", "job_timeout": 180, "result_ttl": 500, ` +
			`"meta": "{\"equipo\": \"datos\"}"}, ` +
			`{"func_name": "test.sum", "queue_name": "informes", "args": "[1]", "kwargs": "{\"b\": 2}", ` +
			`"interval": null, "cron": "*/15 * * * *", "latest_enqueue_time": null, ` +
			`"next_enqueue_time": "2026-03-01T10:15:00.000000Z", "result_ttl": -1, "ttl": 600, "failure_ttl": 3600}]`,
	}
	got := b.rdb.HGetAll(b.ctx, "rq:cron_scheduler:equipo:4242:abc123").Val()
	for f, v := range want {
		if got[f] != v {
			t.Errorf("field %s = %q\nwant %q", f, got[f], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("hash has %d fields, want %d: %v", len(got), len(want), got)
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:cron_scheduler:equipo:4242:abc123").Val(); ttl <= 0 || ttl > 120*time.Second {
		t.Errorf("hash TTL %v, want up to 120 s", ttl)
	}
	score := b.rdb.ZScore(b.ctx, "rq:cron_schedulers", "equipo:4242:abc123").Val()
	if real := float64(time.Now().UnixNano()) / 1e9; score > real || score < real-10 {
		t.Errorf("registry score %v, want the real time %v", score, real)
	}
	refusesTwin(t, b, "equipo:4242:abc123")
	cancel()
	must(t, <-done)
	if n := b.rdb.Exists(b.ctx, "rq:cron_scheduler:equipo:4242:abc123").Val() + b.rdb.ZCard(b.ctx, "rq:cron_schedulers").Val(); n != 0 {
		t.Errorf("the stopped scheduler left %d keys or entries", n)
	}
}

// Jobs gives each job's next run: an interval job due at once, then at the
// start of its next period; a cron job at the next time of its expression.
func TestCronJobsNextRun(t *testing.T) {
	b := setup(t)
	now := time.Date(2026, 3, 1, 10, 7, 0, 0, time.UTC)
	s, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{Tasks: b.reg, Now: func() time.Time { return now }, Logger: &rqlite.Logger{Out: &strings.Builder{}}})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Interval: 5 * time.Minute})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"y"}, Cron: "@hourly"})
	must(t, err)
	jobs := s.Jobs()
	if !jobs[0].NextRun.Equal(time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)) || !jobs[1].NextRun.Equal(time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("next runs %v, %v", jobs[0].NextRun, jobs[1].NextRun)
	}
	n, err := s.EnqueueDue(b.ctx)
	must(t, err)
	jobs = s.Jobs()
	if n != 1 || !jobs[0].LatestRun.Equal(now) || !jobs[0].NextRun.Equal(time.Date(2026, 3, 1, 10, 10, 0, 0, time.UTC)) {
		t.Errorf("after one look: %d queued, interval job %+v", n, jobs[0])
	}
	if c := b.rdb.LLen(b.ctx, "rq:queue:q").Val(); c != 1 {
		t.Errorf("%d jobs in the queue, want 1", c)
	}
}

// Register refuses, with typed one-line errors naming the value, what RQ's
// CronJob refuses and what Enqueue would refuse.
func TestCronRegisterRefuses(t *testing.T) {
	b := setup(t)
	s, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{Tasks: b.reg, Logger: &rqlite.Logger{Out: &strings.Builder{}}})
	must(t, err)
	for _, c := range []struct {
		job  rqlite.CronJob
		want string
	}{
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}}, "give an interval or a cron expression"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Interval: time.Second, Cron: "* * * * *"}, "not both"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Interval: -time.Second}, "-1s"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Interval: time.Microsecond}, "1µs: it must be 1ms or more"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Cron: "61 * * * *"}, `"61 * * * *"`},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Cron: "@every 5s"}, "@every"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Cron: "0 0 30 2 *"}, "no time in the next five years"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Args: []any{"x"}, Cron: "CRON_TZ=Europe/Madrid * * * * *"}, "UTC"},
		{rqlite.CronJob{Queue: "q", Task: "no.such", Interval: time.Second}, `"no.such"`},
		{rqlite.CronJob{Queue: "bad queue!", Task: "test.greet", Args: []any{"x"}, Interval: time.Second}, "bad queue!"},
		{rqlite.CronJob{Queue: "q", Task: "test.greet", Interval: time.Second}, "name"},
	} {
		_, err := s.Register(c.job)
		var opt *rqlite.OptionError
		var unknown *rqlite.UnknownTaskError
		typed := errors.As(err, &opt) || errors.As(err, &unknown) || c.want == "name"
		if err == nil || !typed || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Register(%+v) = %v, want a one-line typed error with %q", c.job, err, c.want)
		}
	}
	if n := len(s.Jobs()); n != 0 {
		t.Errorf("%d jobs registered", n)
	}
}

// refusesTwin checks that a second scheduler called name does not start
// while the first runs.
func refusesTwin(t *testing.T, b *bundle, name string) {
	t.Helper()
	twin, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{Name: name, Tasks: b.reg, Logger: &rqlite.Logger{Out: &strings.Builder{}}})
	must(t, err)
	if err := twin.Run(b.ctx); !errors.Is(err, rqlite.ErrCronSchedulerExists) {
		t.Errorf("second Run = %v, want ErrCronSchedulerExists", err)
	}
}
