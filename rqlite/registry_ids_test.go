package rqlite_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// exec32 is an execution ID as RQ 2.x makes them: uuid4().hex.
const exec32 = "0123456789abcdef0123456789abcdef"

// Started-registry scores: long past (the entry is abandoned, whatever the
// clock) and far ahead (the entry is alive).
const (
	expired = 1
	alive   = 1e12
)

// idsQueue returns queue "default" in RQ 1.13's layout, or RQ 2.x's with
// rq2, whose jobs get the given IDs in turn.
func idsQueue(b *bundle, rq2 bool, ids ...string) *rqlite.Queue {
	return rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{
		Tasks: b.reg,
		RQ2:   rq2,
		NewID: func() string {
			id := ids[0]
			ids = ids[1:]
			return id
		},
	})
}

// addStarted puts members in the started registry of queue "default".
func (b *bundle) addStarted(t *testing.T, score float64, members ...string) {
	t.Helper()
	for _, m := range members {
		must(t, b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: score, Member: m}).Err())
	}
}

// markStarted enqueues a job with the given ID and makes it look taken by a
// worker: status started, out of the queue.
func (b *bundle) markStarted(t *testing.T, q *rqlite.Queue) *rqlite.Job {
	t.Helper()
	job, err := q.Enqueue(b.ctx, "test.sum", 1, 2)
	must(t, err)
	must(t, b.rdb.LRem(b.ctx, "rq:queue:default", 0, job.ID).Err())
	must(t, b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "status", "started").Err())
	return job
}

// markFinished enqueues a job with the given ID and makes it look finished.
func (b *bundle) markFinished(t *testing.T, q *rqlite.Queue) *rqlite.Job {
	t.Helper()
	job, err := q.Enqueue(b.ctx, "test.sum", 1, 2)
	must(t, err)
	must(t, b.rdb.LRem(b.ctx, "rq:queue:default", 0, job.ID).Err())
	must(t, b.rdb.HSet(b.ctx, "rq:job:"+job.ID, "status", "finished").Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:finished:default", redis.Z{Score: alive, Member: job.ID}).Err())
	return job
}

func startedIDs(t *testing.T, b *bundle, q *rqlite.Queue) []string {
	t.Helper()
	ids, err := q.Registry(rqlite.Started).JobIDs(b.ctx, 0, -1)
	must(t, err)
	slices.Sort(ids)
	return ids
}

// In RQ 1.13's layout a started-registry member is the job ID, whatever it
// looks like: RQ 1.13 allows ':' in IDs, and never adds an execution.
func TestStartedJobIDs113KeepsColons(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, false)
	members := []string{"report:" + exec32, "report:2024", "a:b:" + exec32, "plain", ":" + exec32}
	b.addStarted(t, alive, members...)
	slices.Sort(members)
	if got := startedIDs(t, b, q); !slices.Equal(got, members) {
		t.Errorf("started JobIDs = %q, want the members as they are, %q", got, members)
	}
}

// In RQ 2.x's layout only the composite form RQ 2.x writes, ID:<32 hex>, is
// split; other members are job IDs, as RQ 2.x takes a member without ':'.
func TestStartedJobIDsRQ2SplitsOnlyTheCompositeForm(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, true)
	b.addStarted(t, alive,
		"job-1:"+exec32,                          // RQ 2.x's member
		"a:b:"+exec32,                            // an ID with ':' (rqlite allows it), split at the last
		"legacy",                                 // a 1.13-style member
		"report:2024",                            // not an execution: kept whole
		"upper:0123456789ABCDEF0123456789ABCDEF", // uuid4().hex is lowercase
		"short:0123456789abcdef",                 // too short for an execution
	)
	want := []string{"a:b", "job-1", "legacy", "report:2024", "short:0123456789abcdef", "upper:0123456789ABCDEF0123456789ABCDEF"}
	if got := startedIDs(t, b, q); !slices.Equal(got, want) {
		t.Errorf("started JobIDs = %q, want %q", got, want)
	}
}

// The finding: an abandoned started entry report:2024, whose job is gone,
// must not fail the unrelated finished job "report", in either layout.
func TestCleanStartedLeavesUnrelatedJobAlone(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		name := "rq1.13"
		if rq2 {
			name = "rq2"
		}
		t.Run(name, func(t *testing.T) {
			b := setup(t)
			q := idsQueue(b, rq2, "report")
			report := b.markFinished(t, q)
			b.addStarted(t, expired, "report:2024")
			must(t, q.Registry(rqlite.Started).Cleanup(b.ctx))
			b.checkFinishedUntouched(t, report.ID)
			if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
				t.Errorf("%d started entries left; the abandoned one must be dropped", n)
			}
		})
	}
}

// checkFinishedUntouched checks that finished job id is still finished and
// only in the finished registry.
func (b *bundle) checkFinishedUntouched(t *testing.T, id string) {
	t.Helper()
	if s := b.rdb.HGet(b.ctx, "rq:job:"+id, "status").Val(); s != "finished" {
		t.Errorf("status of %s = %q, want it left finished", id, s)
	}
	if err := b.rdb.ZScore(b.ctx, "rq:failed:default", id).Err(); err != redis.Nil {
		t.Errorf("%s is in the failed registry (%v)", id, err)
	}
	if err := b.rdb.ZScore(b.ctx, "rq:finished:default", id).Err(); err != nil {
		t.Errorf("%s left the finished registry: %v", id, err)
	}
	if b.rdb.HExists(b.ctx, "rq:job:"+id, "exc_info").Val() {
		t.Errorf("%s got an exc_info", id)
	}
}

func (b *bundle) checkFailed(t *testing.T, id string) {
	t.Helper()
	if s := b.rdb.HGet(b.ctx, "rq:job:"+id, "status").Val(); s != "failed" {
		t.Errorf("status of %s = %q, want failed", id, s)
	}
	if err := b.rdb.ZScore(b.ctx, "rq:failed:default", id).Err(); err != nil {
		t.Errorf("%s is not in the failed registry: %v", id, err)
	}
}

// In RQ 1.13's layout an abandoned member is the ID of the job to fail, even
// when it ends in ':' and 32 hex digits; a job whose ID is its prefix is
// another job.
func TestCleanStarted113FailsTheMemberItself(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, false, "report", "report:"+exec32)
	report := b.markFinished(t, q)
	long := b.markStarted(t, q)
	b.addStarted(t, expired, long.ID)
	must(t, q.Registry(rqlite.Started).Cleanup(b.ctx))
	b.checkFailed(t, long.ID)
	b.checkFinishedUntouched(t, report.ID)
}

// RQ 1.13 cannot resolve RQ 2.x's composite members (spec §8): it skips them,
// and drops them with the other expired entries. rqlite in RQ 1.13's layout
// does the same rather than guess from the member's look.
func TestCleanStarted113DoesNotSplitComposites(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, false, "job-1")
	job := b.markStarted(t, q)
	b.addStarted(t, expired, job.ID+":"+exec32)
	must(t, q.Registry(rqlite.Started).Cleanup(b.ctx))
	if s := b.rdb.HGet(b.ctx, "rq:job:"+job.ID, "status").Val(); s != "started" {
		t.Errorf("status = %q; RQ 1.13's layout has no composite members to resolve", s)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:failed:default").Val(); n != 0 {
		t.Errorf("failed registry has %d entries", n)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:wip:default").Val(); n != 0 {
		t.Errorf("%d started entries left", n)
	}
}

// In RQ 2.x's layout an abandoned composite member fails its job, under the
// job's own ID; a lone ID, as RQ 2.x tolerates, fails that job.
func TestCleanStartedRQ2FailsTheCompositesJob(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, true, "job-1", "job-2", "job-3")
	j1, j2, j3 := b.markStarted(t, q), b.markStarted(t, q), b.markStarted(t, q)
	b.addStarted(t, expired, j1.ID+":"+exec32, j2.ID)
	b.addStarted(t, alive, j3.ID+":"+exec32)
	must(t, q.Registry(rqlite.Started).Cleanup(b.ctx))
	b.checkFailed(t, j1.ID)
	b.checkFailed(t, j2.ID)
	if got := startedIDs(t, b, q); !slices.Equal(got, []string{j3.ID}) {
		t.Errorf("started JobIDs = %q, want the live job only", got)
	}
	if n := b.rdb.ZCard(b.ctx, "rq:failed:default").Val(); n != 2 {
		t.Errorf("failed registry has %d entries, want 2", n)
	}
}

// A worker's maintenance cleans the started registry in the worker's own
// layout.
func TestWorkerMaintenanceUsesItsLayout(t *testing.T) {
	t.Run("rq1.13", func(t *testing.T) {
		b, _ := workerSetup(t)
		q := idsQueue(b, false, "report")
		report := b.markFinished(t, q)
		b.addStarted(t, expired, "report:2024")
		w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true})
		if err := w.Work(b.ctx); err != nil {
			t.Fatalf("Work: %v; log:\n%s", err, log)
		}
		b.checkFinishedUntouched(t, report.ID)
	})
	t.Run("rq2", func(t *testing.T) {
		b, _ := workerSetup(t)
		q := idsQueue(b, true, "report", "job-1")
		report := b.markFinished(t, q)
		job := b.markStarted(t, q)
		b.addStarted(t, expired, "report:2024", job.ID+":"+exec32)
		w, log := b.worker(t, nil, &rqlite.WorkerOptions{Burst: true, RQ2: true})
		if err := w.Work(b.ctx); err != nil {
			t.Fatalf("Work: %v; log:\n%s", err, log)
		}
		b.checkFinishedUntouched(t, report.ID)
		b.checkFailed(t, job.ID)
	})
}

// The dashboard's started page lists a 1.13 job whose ID ends in ':' and 32
// hex digits under its own ID, not under the job whose ID is its prefix.
func TestDashboardStartedPageKeepsColons(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, false, "report", "report:"+exec32)
	b.markFinished(t, q)
	long := b.markStarted(t, q)
	b.addStarted(t, alive, long.ID)
	rec := httptest.NewRecorder()
	dashboard.New(b.rdb, nil).ServeHTTP(rec, localGet("/queues/default/started"))
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET started page: %d\n%s", rec.Code, body)
	}
	if link := `href="/jobs/` + url.PathEscape(long.ID) + `"`; !strings.Contains(string(body), link) {
		t.Errorf("the started page has no %s:\n%s", link, body)
	}
	if strings.Contains(string(body), `href="/jobs/report"`) {
		t.Errorf("the started page lists the finished job report:\n%s", body)
	}
}

// With RQ2, the dashboard's started page reads RQ 2.x's composite entries
// as their jobs.
func TestDashboardStartedPageRQ2(t *testing.T) {
	b := setup(t)
	q := idsQueue(b, true, "report")
	job := b.markStarted(t, q)
	b.addStarted(t, alive, job.ID+":"+exec32)
	rec := httptest.NewRecorder()
	dashboard.New(b.rdb, &dashboard.Options{RQ2: true}).ServeHTTP(rec, localGet("/queues/default/started"))
	body, _ := io.ReadAll(rec.Result().Body)
	if link := `href="/jobs/report"`; rec.Code != http.StatusOK || !strings.Contains(string(body), link) {
		t.Errorf("GET started page: %d, want a link %s:\n%s", rec.Code, link, body)
	}
	if strings.Contains(string(body), exec32) {
		t.Errorf("the started page shows the execution ID:\n%s", body)
	}
}

// localGet is a GET of path as a browser on this machine sends it (the
// dashboard answers only the Host names it knows).
func localGet(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = "localhost"
	return r
}
