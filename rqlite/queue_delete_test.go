package rqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// deleteQueueJobs fills queue "default": job-1 and job-2 waiting, job-3
// deferred on job-1 (so job-1 has a dependents set and job-3 a
// dependencies set and a deferred entry), and job-4 in queue "other".
func deleteQueueJobs(t *testing.T, b *bundle, rq2 bool) *rqlite.Queue {
	t.Helper()
	q := b.queue("default")
	if rq2 {
		q = b.rq2Queue("default")
	}
	for _, o := range []*rqlite.EnqueueOptions{{Args: []any{1, 2}}, {Args: []any{3, 4}}, {Args: []any{5, 6}, DependsOn: []string{"job-1"}}} {
		_, err := q.EnqueueCall(b.ctx, "test.sum", o)
		must(t, err)
	}
	_, err := b.queue("other").Enqueue(b.ctx, "test.sum", 7, 8)
	must(t, err)
	return q
}

// TestQueueDelete checks Queue.Delete key by key, with and without its
// jobs.
func TestQueueDelete(t *testing.T) {
	for _, deleteJobs := range []bool{true, false} {
		t.Run(fmt.Sprint("deleteJobs=", deleteJobs), func(t *testing.T) {
			b := setup(t)
			q := deleteQueueJobs(t, b, false)
			must(t, q.Delete(b.ctx, deleteJobs))
			if names, _ := rqlite.AllQueues(b.ctx, b.rdb); len(names) != 1 || names[0] != "other" {
				t.Errorf("queues after Delete = %v, want [other]", names)
			}
			gone := []string{"rq:queue:default"}
			kept := []string{"rq:job:job-3", "rq:job::job-3:dependencies", "rq:deferred:default", "rq:queue:other", "rq:job:job-4"}
			jobKeys := []string{"rq:job:job-1", "rq:job:job-2", "rq:job:job-1:dependents"}
			if deleteJobs {
				gone = append(gone, jobKeys...)
			} else {
				kept = append(kept, jobKeys...)
			}
			for _, k := range gone {
				if b.rdb.Exists(b.ctx, k).Val() != 0 {
					t.Errorf("%s is left", k)
				}
			}
			for _, k := range kept {
				if b.rdb.Exists(b.ctx, k).Val() != 1 {
					t.Errorf("%s is gone", k)
				}
			}
		})
	}
}

// TestPythonQueueDeleteAgrees checks that Queue.Delete leaves Redis as RQ
// 1.13's and 2.3.3's q.delete(delete_jobs=...) leave a twin of it.
func TestPythonQueueDeleteAgrees(t *testing.T) {
	b := setup(t)
	rqs := pythonRQs(t)
	for _, p := range rqs {
		for _, deleteJobs := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/deleteJobs=%v", p.name, deleteJobs), func(t *testing.T) {
				must(t, b.rdb.FlushDB(b.ctx).Err())
				b.n = 0
				q := deleteQueueJobs(t, b, p.path != "")
				other := twin(t, b.ctx, b.rdb)
				must(t, q.Delete(b.ctx, deleteJobs))
				p.run(t, other, `
import os
from redis import Redis
from rq import Queue
r = Redis.from_url(os.environ["REDIS_URL"])
Queue("default", connection=r).delete(delete_jobs=`+pyBool(deleteJobs)+`)
`)
				compareTwins(t, b.ctx, b.rdb, other)
			})
		}
	}
}

// pyBool is v in Python.
func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// rq2Queue is b.queue(name) in RQ 2.x's layout (QueueOptions.RQ2).
func (b *bundle) rq2Queue(name string) *rqlite.Queue {
	return rqlite.NewQueue(name, b.rdb, &rqlite.QueueOptions{
		Tasks: b.reg,
		RQ2:   true,
		Now:   func() time.Time { return fixedNow },
		NewID: func() string {
			b.n++
			return fmt.Sprintf("job-%d", b.n)
		},
	})
}
