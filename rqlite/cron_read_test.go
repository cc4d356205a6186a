package rqlite_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// rqCronJobs is a cron_jobs field as RQ 2.10's CronScheduler writes it
// (json.dumps of CronJob.to_dict): an interval job that has run, with
// meta and RQ 2.10's webhooks, and a cron job whose kwargs json.dumps
// could not write (safe_json_dumps's placeholder).
const rqCronJobs = `[{"func_name": "app.tasks.cleanup", "queue_name": "maintenance", "args": "[\"tmp\", 3]", ` +
	`"kwargs": null, "interval": 1800, "cron": null, "latest_enqueue_time": "2026-03-01T09:30:00.250000Z", ` +
	`"next_enqueue_time": "2026-03-01T10:00:00.250000Z", "job_timeout": 600, "result_ttl": 500, ` +
	`"meta": "{\"owner\": \"ops\"}", "webhooks": "[{\"url\": \"https://example.com/done\", \"events\": [\"finished\"]}]"}, ` +
	`{"func_name": "app.tasks.newsletter", "queue_name": "email", "args": null, "kwargs": "<not JSON serializable>", ` +
	`"interval": null, "cron": "30 10 * * 2", "latest_enqueue_time": null, ` +
	`"next_enqueue_time": "2026-03-03T10:30:00.000000Z", "result_ttl": -1, "failure_ttl": 86400}]`

// A scheduler registered by RQ 2.10 is read whole: its hash fields, its
// jobs with their next runs, its heartbeat from the registry's score.
// AllCronSchedulers first removes the entries older than 120 s, as RQ's
// all() does, and leaves out a name whose hash has expired.
func TestCronReadsRQsScheduler(t *testing.T) {
	b := setup(t)
	beat := time.Now().Add(-10 * time.Second).Truncate(time.Millisecond)
	must(t, b.rdb.HSet(b.ctx, "rq:cron_scheduler:web-1:77:a1b2c3", "hostname", "web-1", "pid", "77", "name", "web-1:77:a1b2c3",
		"created_at", "2026-03-01T09:00:00.000000Z", "config_file", "app/cron_config.py", "cron_jobs", rqCronJobs).Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:cron_schedulers",
		redis.Z{Score: float64(beat.UnixMilli()) / 1e3, Member: "web-1:77:a1b2c3"},
		redis.Z{Score: float64(time.Now().Add(-time.Hour).Unix()), Member: "stale:1:000000"},
		redis.Z{Score: float64(time.Now().Unix()), Member: "expired:2:000000"}).Err())
	all, err := rqlite.AllCronSchedulers(b.ctx, b.rdb)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("%d schedulers, want 1: %+v", len(all), all)
	}
	s := all[0]
	if s.Name != "web-1:77:a1b2c3" || s.Hostname != "web-1" || s.PID != 77 || s.ConfigFile != "app/cron_config.py" ||
		!s.CreatedAt.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) || s.LastHeartbeat.Sub(beat).Abs() > time.Millisecond {
		t.Errorf("scheduler %+v", s)
	}
	want := []rqlite.CronJobInfo{{
		FuncName: "app.tasks.cleanup", Queue: "maintenance", Args: []any{"tmp", int64(3)}, Interval: 30 * time.Minute,
		JobTimeout: 10 * time.Minute, ResultTTL: 500 * time.Second, Meta: map[string]any{"owner": "ops"},
		Webhooks:  `[{"url": "https://example.com/done", "events": ["finished"]}]`,
		LatestRun: time.Date(2026, 3, 1, 9, 30, 0, 250000000, time.UTC), NextRun: time.Date(2026, 3, 1, 10, 0, 0, 250000000, time.UTC),
	}, {
		FuncName: "app.tasks.newsletter", Queue: "email", Cron: "30 10 * * 2", ResultTTL: rqlite.Forever, FailureTTL: 24 * time.Hour,
		NextRun: time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC),
	}}
	if !reflect.DeepEqual(s.Jobs, want) {
		t.Errorf("jobs\n%+v\nwant\n%+v", s.Jobs, want)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:cron_schedulers").Val(); n != 2 {
		t.Errorf("%d registry entries left, want 2 (the stale one removed)", n)
	}
	if _, err := rqlite.FetchCronScheduler(b.ctx, b.rdb, "expired:2:000000"); !errors.Is(err, rqlite.ErrCronSchedulerNotFound) {
		t.Errorf("Fetch of a name with no hash = %v", err)
	}
}

// A hash that is wrong or huge is refused with a one-line *CronHashError
// naming the field and its value; AllCronSchedulers still returns the
// good ones beside the errors.
func TestCronReadsBadHashes(t *testing.T) {
	b := setup(t)
	good := map[string]string{"hostname": "h", "pid": "1", "name": "n", "created_at": "2026-03-01T09:00:00.000000Z", "config_file": ""}
	for _, c := range []struct{ field, value, want string }{
		{"pid", "uno", "invalid pid"},
		{"created_at", "ayer", "invalid created_at"},
		{"hostname", "", "invalid hostname"},
		{"cron_jobs", "{not json", "invalid cron_jobs"},
		{"cron_jobs", `{"a": 1}`, "not a JSON list"},
		{"cron_jobs", `[1]`, "job 0 is not a JSON object"},
		{"cron_jobs", `[{"func_name": 3, "queue_name": "q"}]`, "func_name 3 is not a string"},
		{"cron_jobs", `[{"func_name": "f"}]`, "queue_name missing"},
		{"cron_jobs", `[{"func_name": "f", "queue_name": "q", "interval": -5}]`, "interval -5 is out of range"},
		{"cron_jobs", `[{"func_name": "f", "queue_name": "q", "interval": 1e300}]`, "out of range"},
		{"cron_jobs", `[{"func_name": "f", "queue_name": "q", "args": "{\"a\": 1}"}]`, "args"},
		{"cron_jobs", `[{"func_name": "f", "queue_name": "q", "next_enqueue_time": "pronto"}]`, "next_enqueue_time"},
		{"cron_jobs", "[" + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "]", "invalid cron_jobs"},
		{"cron_jobs", `[` + strings.Repeat(`"x", `, 2<<20) + `"x"]`, "more than"},
	} {
		h := map[string]any{}
		for k, v := range good {
			h[k] = v
		}
		if c.value == "" {
			delete(h, c.field)
		} else {
			h[c.field] = c.value
		}
		must(t, b.rdb.Del(b.ctx, "rq:cron_scheduler:n").Err())
		must(t, b.rdb.HSet(b.ctx, "rq:cron_scheduler:n", h).Err())
		_, err := rqlite.FetchCronScheduler(b.ctx, b.rdb, "n")
		var bad *rqlite.CronHashError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 1000 {
			t.Errorf("%s=%.60q: %.300v, want a one-line *CronHashError with %q", c.field, c.value, err, c.want)
		}
	}
	must(t, b.rdb.ZAdd(b.ctx, "rq:cron_schedulers", redis.Z{Score: float64(time.Now().Unix()), Member: "n"}).Err())
	must(t, b.rdb.HSet(b.ctx, "rq:cron_scheduler:ok", "hostname", "h", "name", "ok", "created_at", good["created_at"], "config_file", "").Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:cron_schedulers", redis.Z{Score: float64(time.Now().Unix()), Member: "ok"}).Err())
	all, err := rqlite.AllCronSchedulers(b.ctx, b.rdb)
	var bad *rqlite.CronHashError
	if len(all) != 1 || all[0].Name != "ok" || !errors.As(err, &bad) {
		t.Errorf("AllCronSchedulers = %+v, %v; want the good one and the bad one's error", all, err)
	}
}

// ListCronSchedulers reads without writing: the live schedulers, oldest
// heartbeat first, at most the limit asked and the count of the others;
// a stale entry is skipped but stays in the registry, for
// CleanupCronSchedulers.
func TestCronListIsBoundedAndReadOnly(t *testing.T) {
	b := setup(t)
	now := time.Now()
	for i := range 5 {
		name := "live-" + string(rune('a'+i))
		must(t, b.rdb.HSet(b.ctx, "rq:cron_scheduler:"+name, "hostname", "h", "name", name,
			"created_at", "2026-03-01T09:00:00.000000Z", "config_file", "").Err())
		must(t, b.rdb.ZAdd(b.ctx, "rq:cron_schedulers", redis.Z{Score: float64(now.Add(time.Duration(i-10) * time.Second).Unix()), Member: name}).Err())
	}
	must(t, b.rdb.HSet(b.ctx, "rq:cron_scheduler:stale", "hostname", "h", "name", "stale",
		"created_at", "2026-03-01T09:00:00.000000Z", "config_file", "").Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:cron_schedulers", redis.Z{Score: float64(now.Add(-time.Hour).Unix()), Member: "stale"}).Err())

	list, more, err := rqlite.ListCronSchedulers(b.ctx, b.rdb, 3)
	must(t, err)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if !reflect.DeepEqual(names, []string{"live-a", "live-b", "live-c"}) || more != 2 {
		t.Errorf("ListCronSchedulers(3) = %v, %d more; want live-a to live-c, 2 more", names, more)
	}
	if list, more, err := rqlite.ListCronSchedulers(b.ctx, b.rdb, 0); list != nil || more != 5 || err != nil {
		t.Errorf("ListCronSchedulers(0) = %v, %d, %v; want none, 5 more", list, more, err)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:cron_schedulers").Val(); n != 6 {
		t.Errorf("%d registry entries after listing, want all 6 (listing writes nothing)", n)
	}
}
