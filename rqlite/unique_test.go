package rqlite_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// layouts are the two Redis layouts a test runs in.
var layouts = []struct {
	name string
	rq2  bool
}{{"rq1.13", false}, {"rq2", true}}

// layoutQueue is queue name of b in RQ 2.x's layout if rq2, else in RQ
// 1.13's.
func (b *bundle) layoutQueue(name string, rq2 bool) *rqlite.Queue {
	if rq2 {
		return b.rq2Queue(name)
	}
	return b.queue(name)
}

// TestEnqueueUniqueRefusesDuplicate checks that a unique enqueue writes a
// new ID and refuses an existing one, whether that job was enqueued
// unique or not, with a *DuplicateJobError naming it and nothing changed.
func TestEnqueueUniqueRefusesDuplicate(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			b := setup(t)
			q := b.layoutQueue("default", l.rq2)
			j, err := q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "u1", Unique: true})
			must(t, err)
			if j.ID != "u1" || j.Status != rqlite.StatusQueued {
				t.Errorf("unique job %s %s, want u1 queued", j.ID, j.Status)
			}
			_, err = q.Enqueue(b.ctx, "test.sum", 5, 6)
			must(t, err) // job-1, not unique
			for _, id := range []string{"u1", "job-1"} {
				_, err := q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{3, 4}, JobID: id, Unique: true, AtFront: true})
				var dup *rqlite.DuplicateJobError
				if !errors.As(err, &dup) || dup.ID != id || !strings.Contains(err.Error(), `"`+id+`"`) {
					t.Errorf("second enqueue of %s: %v, want a *DuplicateJobError naming it", id, err)
				}
			}
			if ids, _ := q.JobIDs(b.ctx, 0, -1); fmt.Sprint(ids) != "[u1 job-1]" {
				t.Errorf("queue %v, want [u1 job-1]", ids)
			}
			if got := b.rdb.HGet(b.ctx, "rq:job:u1", "description").Val(); got != "test.sum(1, 2)" {
				t.Errorf("u1's description is %q after the refused enqueue", got)
			}
		})
	}
}

// TestEnqueueUniqueOptions checks the options refused with Unique, as RQ
// 2.8 refuses them: no job ID, dependencies, and EnqueueMany, which has
// no unique option.
func TestEnqueueUniqueOptions(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	for name, o := range map[string]*rqlite.EnqueueOptions{
		"no job ID":    {Args: []any{1, 2}, Unique: true},
		"dependencies": {Args: []any{1, 2}, JobID: "u", Unique: true, DependsOn: []string{"p"}},
	} {
		_, err := q.EnqueueCall(b.ctx, "test.sum", o)
		var oe *rqlite.OptionError
		if !errors.As(err, &oe) || oe.Option != "unique" {
			t.Errorf("%s: %v, want an *OptionError on unique", name, err)
		}
	}
	_, err := q.EnqueueMany(b.ctx, []rqlite.Call{{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "m", Unique: true}}})
	var oe *rqlite.OptionError
	if !errors.As(err, &oe) || oe.Option != "unique" {
		t.Errorf("EnqueueMany with Unique: %v, want an *OptionError on unique", err)
	}
	if n := b.rdb.DBSize(b.ctx).Val(); n != 0 {
		t.Errorf("%d keys written by refused enqueues", n)
	}
}

// TestEnqueueUniqueHashMatches checks that a unique enqueue writes the
// hash a plain one writes (RQ 2.10's save_unique_job and
// schedule_unique_job pass job.to_dict(), which job.save writes too), and
// the key effects of RQ 2.10's scripts: the job's key expires after its
// ttl, the ID is pushed to the front or back of the queue, or put in the
// scheduled registry at its time, and the queue is in rq:queues.
func TestEnqueueUniqueHashMatches(t *testing.T) {
	at := fixedNow.Add(time.Hour)
	for _, l := range layouts {
		for _, scheduled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/scheduled=%v", l.name, scheduled), func(t *testing.T) {
				b := setup(t)
				q := b.layoutQueue("default", l.rq2)
				opts := func(id string, unique bool) *rqlite.EnqueueOptions {
					o := &rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: id, Unique: unique, TTL: time.Minute,
						ResultTTL: time.Hour, Meta: map[string]any{"k": "v"}, Retry: &rqlite.Retry{Max: 2}, AtFront: true}
					if scheduled {
						o.At = at
					}
					return o
				}
				_, err := q.EnqueueCall(b.ctx, "test.sum", opts("plain", false))
				must(t, err)
				_, err = q.EnqueueCall(b.ctx, "test.sum", opts("uniq", true))
				must(t, err)
				plain, uniq := b.rdb.HGetAll(b.ctx, "rq:job:plain").Val(), b.rdb.HGetAll(b.ctx, "rq:job:uniq").Val()
				if fmt.Sprint(plain) != fmt.Sprint(uniq) {
					t.Errorf("unique hash\n%v\nplain hash\n%v", uniq, plain)
				}
				if ttl := b.rdb.TTL(b.ctx, "rq:job:uniq").Val(); ttl <= 0 || ttl > time.Minute {
					t.Errorf("the unique job's key has ttl %v, want its ttl of 1m", ttl)
				}
				if !b.rdb.SIsMember(b.ctx, "rq:queues", "rq:queue:default").Val() {
					t.Error("the queue is not in rq:queues")
				}
				if scheduled {
					if s := b.rdb.ZScore(b.ctx, "rq:scheduled:default", "uniq").Val(); s != float64(at.Unix()) {
						t.Errorf("scheduled at %v, want %v", s, at.Unix())
					}
				} else if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); fmt.Sprint(ids) != "[uniq plain]" {
					t.Errorf("queue %v, want [uniq plain] (both at the front)", ids)
				}
			})
		}
	}
}

// TestEnqueueUniqueRace checks that of many goroutines enqueueing one ID
// as unique, exactly one succeeds and the others get a DuplicateJobError.
func TestEnqueueUniqueRace(t *testing.T) {
	b := setup(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		q := b.rq2Queue("default")
		wg.Go(func() {
			_, errs[i] = q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{i, i}, JobID: "once", Unique: true})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		var dup *rqlite.DuplicateJobError
		switch {
		case err == nil:
			won++
		case !errors.As(err, &dup) || dup.ID != "once":
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d enqueues won, want 1", won)
	}
	if n := b.rdb.LLen(b.ctx, "rq:queue:default").Val(); n != 1 {
		t.Errorf("queue holds %d IDs, want 1", n)
	}
}

// TestEnqueueUniqueSynchronous checks that a queue that runs its jobs at
// once runs a unique job, and refuses it when its ID exists, as RQ 2.8's
// _enqueue_sync_job does.
func TestEnqueueUniqueSynchronous(t *testing.T) {
	b := setup(t)
	q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Tasks: b.reg, Synchronous: true})
	j, err := q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "s", Unique: true})
	must(t, err)
	if j.Status != rqlite.StatusFinished {
		t.Errorf("status %s, want finished", j.Status)
	}
	_, err = q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "s", Unique: true})
	var dup *rqlite.DuplicateJobError
	if !errors.As(err, &dup) {
		t.Errorf("second run: %v, want a DuplicateJobError", err)
	}
	if n := b.rdb.LLen(b.ctx, "rq:queue:default").Val(); n != 0 {
		t.Errorf("queue holds %d IDs, want none", n)
	}
}

// TestPythonUniqueInterop checks uniqueness across languages: a job that
// Python RQ enqueued with an ID makes Go's unique enqueue of that ID fail,
// and a job Go enqueued as unique is read by Python as any other. RQ 1.13
// and 2.3.3 have no unique option themselves (it came in RQ 2.8).
func TestPythonUniqueInterop(t *testing.T) {
	b := setup(t)
	for _, p := range pythonRQs(t) {
		t.Run(p.name, func(t *testing.T) {
			must(t, b.rdb.FlushDB(b.ctx).Err())
			q := b.layoutQueue("default", p.path != "")
			p.run(t, b.rdb, `
import os
from redis import Redis
from rq import Queue
r = Redis.from_url(os.environ["REDIS_URL"])
Queue("default", connection=r).enqueue("test.sum", 1, 2, job_id="from-python")
`)
			_, err := q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "from-python", Unique: true})
			var dup *rqlite.DuplicateJobError
			if !errors.As(err, &dup) || dup.ID != "from-python" {
				t.Errorf("Go's unique enqueue of Python's job: %v, want a DuplicateJobError", err)
			}
			_, err = q.EnqueueCall(b.ctx, "test.sum", &rqlite.EnqueueOptions{Args: []any{3, 4}, JobID: "from-go", Unique: true})
			must(t, err)
			out := p.run(t, b.rdb, `
import os
from redis import Redis
from rq import Queue
from rq.job import Job
r = Redis.from_url(os.environ["REDIS_URL"])
j = Job.fetch("from-go", connection=r)
s = j.get_status()
print(j.description, j.origin, getattr(s, "value", s), Queue("default", connection=r).job_ids)
`)
			if want := "test.sum(3, 4) default queued ['from-python', 'from-go']\n"; !strings.HasSuffix(out, want) {
				t.Errorf("Python read %q, want %q", out, want)
			}
		})
	}
}
