package rqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// fastClock returns a clock that starts at base and runs speed times
// faster than the real one.
func fastClock(base time.Time, speed time.Duration) func() time.Time {
	start := time.Now()
	return func() time.Time { return base.Add(time.Since(start) * speed) }
}

// Three schedulers with the same two jobs, one every minute by cron and
// one every 60 s by interval, look at once (three goroutines released
// together) at each of twelve minutes of a clock that the test moves: each
// job is queued exactly once per period, whichever scheduler claims it.
func TestCronThreeSchedulersQueueOncePerPeriod(t *testing.T) {
	b := setup(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var scheds []*rqlite.CronScheduler
	for i := range 3 {
		s, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{
			Name: fmt.Sprintf("cron-%d", i), Tasks: b.reg, Now: clock,
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		})
		must(t, err)
		_, err = s.Register(rqlite.CronJob{Queue: "por-cron", Task: "test.greet", Args: []any{"Ana"}, Cron: "* * * * *"})
		must(t, err)
		_, err = s.Register(rqlite.CronJob{Queue: "por-intervalo", Task: "test.sum", Args: []any{1, 2}, Interval: time.Minute})
		must(t, err)
		must(t, s.Start(b.ctx))
		scheds = append(scheds, s)
	}
	for range 12 {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := s.EnqueueDue(b.ctx); err != nil {
					t.Errorf("EnqueueDue: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
	}
	for _, s := range scheds {
		must(t, s.Stop(b.ctx))
	}
	// The interval job is due at once, at 12:00:30; the cron job first at
	// 12:01, seen at 12:01:30.
	for q, want := range map[string]int{"por-intervalo": 12, "por-cron": 11} {
		minutes := jobMinutes(t, b, q)
		if len(minutes) != want {
			t.Errorf("queue %s has %d jobs, want %d", q, len(minutes), want)
		}
		for i := 1; i < len(minutes); i++ {
			if !minutes[i].Equal(minutes[i-1].Add(time.Minute)) {
				t.Errorf("queue %s: runs in minutes %v, want one a minute", q, minutes)
				break
			}
		}
	}
}

// The same three schedulers, each in its own Run loop, on a clock 240
// times faster than real time (a minute lasts 250 ms), for more than ten
// minutes of it: no minute gets a job twice, and there is one claim per
// job queued. (Whether a loaded machine lets every loop look in every
// 250 ms is luck, so gaps are not checked here, but above.)
func TestCronThreeRunningSchedulers(t *testing.T) {
	b := setup(t)
	clock := fastClock(time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC), 240)
	ctx, cancel := context.WithCancel(b.ctx)
	var wg sync.WaitGroup
	var logs [3]bytes.Buffer
	for i := range 3 {
		s, err := rqlite.NewCronScheduler(b.rdb, &rqlite.CronOptions{
			Name: fmt.Sprintf("cron-%d", i), Tasks: b.reg, Now: clock, MaxWait: 5 * time.Millisecond,
			Logger: &rqlite.Logger{Out: &logs[i], Err: &logs[i]},
		})
		must(t, err)
		_, err = s.Register(rqlite.CronJob{Queue: "por-cron", Task: "test.greet", Args: []any{"Ana"}, Cron: "* * * * *"})
		must(t, err)
		_, err = s.Register(rqlite.CronJob{Queue: "por-intervalo", Task: "test.sum", Args: []any{1, 2}, Interval: time.Minute})
		must(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	count := func(q string) int64 { return b.rdb.LLen(b.ctx, "rq:queue:"+q).Val() }
	waitFor(t, "eleven runs of each job", func() bool { return count("por-cron") >= 11 && count("por-intervalo") >= 11 })
	cancel()
	wg.Wait()
	claims := b.rdb.Keys(b.ctx, "rq:cron_claim:*").Val()
	total := 0
	for _, q := range []string{"por-cron", "por-intervalo"} {
		minutes := jobMinutes(t, b, q)
		total += len(minutes)
		for i := 1; i < len(minutes); i++ {
			if minutes[i].Equal(minutes[i-1]) {
				t.Errorf("queue %s: runs in minutes %v, want at most one a minute", q, minutes)
				break
			}
		}
	}
	if len(claims) != total {
		t.Errorf("%d claims for %d jobs queued", len(claims), total)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:cron_schedulers").Val(); n != 0 {
		t.Errorf("%d schedulers left registered after they stopped", n)
	}
}

// jobMinutes returns the minutes in which the jobs of queue q were
// created, sorted.
func jobMinutes(t *testing.T, b *bundle, q string) []time.Time {
	t.Helper()
	jobs, err := rqlite.NewQueue(q, b.rdb, &rqlite.QueueOptions{Tasks: b.reg}).Jobs(b.ctx)
	must(t, err)
	var out []time.Time
	for _, j := range jobs {
		out = append(out, j.CreatedAt.Truncate(time.Minute))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
