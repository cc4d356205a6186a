package rqlite_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// removeExecution is the execution of job-3 that removeJobs starts in RQ
// 2.x's layout.
const removeExecution = "0123456789abcdef0123456789abcdef"

// removeJobs fills queue "default" in either layout: job-1 finished, job-2
// failed, job-3 started (by hand, as a worker of that layout leaves it:
// in RQ 2.x's, with its execution) and job-4 waiting.
func removeJobs(t *testing.T, b *bundle, rq2 bool) *rqlite.Queue {
	t.Helper()
	sync := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{
		Tasks: b.reg, RQ2: rq2, Synchronous: true,
		Now:   func() time.Time { return fixedNow },
		NewID: func() string { b.n++; return fmt.Sprintf("job-%d", b.n) },
	})
	_, err := sync.Enqueue(b.ctx, "test.sum", 1, 2)
	must(t, err)
	_, _ = sync.Enqueue(b.ctx, "test.fail", "x")
	q := b.queue("default")
	if rq2 {
		q = b.rq2Queue("default")
	}
	for range 2 {
		_, err := q.Enqueue(b.ctx, "test.sum", 3, 4)
		must(t, err)
	}
	now := time.Now()
	expiry := float64(now.Unix() + 60)
	member := "job-3"
	if rq2 {
		member += ":" + removeExecution
		must(t, b.rdb.ZAdd(b.ctx, "rq:executions:job-3", redisZ(expiry+60, removeExecution)).Err())
		stamp := strconv.FormatFloat(float64(now.UnixMicro())/1e6, 'f', 6, 64)
		must(t, b.rdb.HSet(b.ctx, "rq:execution:"+member, "id", removeExecution, "created_at", stamp, "last_heartbeat", stamp).Err())
	}
	must(t, b.rdb.LRem(b.ctx, q.Key(), 0, "job-3").Err())
	must(t, b.rdb.HSet(b.ctx, "rq:job:job-3", "status", "started").Err())
	must(t, b.rdb.ZAdd(b.ctx, "rq:wip:default", redisZ(expiry, member)).Err())
	return q
}

// TestRegistryRemove checks JobRegistry.Remove key by key in both layouts.
func TestRegistryRemove(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		t.Run(fmt.Sprint("rq2=", rq2), func(t *testing.T) {
			b, _ := workerSetup(t)
			q := removeJobs(t, b, rq2)
			must(t, q.Registry(rqlite.Failed).Remove(b.ctx, "job-2", false))
			must(t, q.Registry(rqlite.Failed).Remove(b.ctx, "job-404", false))
			if b.rdb.ZCard(b.ctx, "rq:failed:default").Val() != 0 || b.rdb.Exists(b.ctx, "rq:job:job-2").Val() != 1 {
				t.Errorf("job-2 should leave the failed registry and keep its hash")
			}
			must(t, q.Registry(rqlite.Started).Remove(b.ctx, "job-3", false))
			if b.rdb.ZCard(b.ctx, "rq:wip:default").Val() != 0 || b.rdb.Exists(b.ctx, "rq:job:job-3").Val() != 1 {
				t.Errorf("job-3 should leave the started registry and keep its hash")
			}
			must(t, q.Registry(rqlite.Finished).Remove(b.ctx, "job-1", true))
			if n := b.rdb.Exists(b.ctx, "rq:job:job-1").Val() + b.rdb.ZCard(b.ctx, "rq:finished:default").Val(); n != 0 {
				t.Errorf("job-1 should be deleted")
			}
			err := q.Registry(rqlite.Finished).Remove(b.ctx, "job-404", true)
			if !errors.Is(err, rqlite.ErrNoSuchJob) {
				t.Errorf("deleting a job that does not exist: err = %v, want ErrNoSuchJob", err)
			}
		})
	}
}

// TestPythonRegistryRemoveAgrees checks that Remove leaves Redis as RQ
// 1.13's and 2.3.3's registry.remove(job_id, delete_job=...) leave a twin
// of it; in RQ 2.3.3's started registry, whose remove is not implemented,
// as its remove_executions (and job.delete) leave it.
func TestPythonRegistryRemoveAgrees(t *testing.T) {
	b, _ := workerSetup(t)
	rqs := pythonRQs(t)
	type step struct {
		kind      rqlite.RegistryKind
		id        string
		deleteJob bool
	}
	steps := []step{{rqlite.Finished, "job-1", true}, {rqlite.Failed, "job-2", false}, {rqlite.Started, "job-3", false}, {rqlite.Started, "job-3", true}}
	for _, p := range rqs {
		rq2 := p.path != ""
		for _, s := range steps {
			t.Run(fmt.Sprintf("%s/%s/%s/delete=%v", p.name, s.kind, s.id, s.deleteJob), func(t *testing.T) {
				must(t, b.rdb.FlushDB(b.ctx).Err())
				b.n = 0
				q := removeJobs(t, b, rq2)
				other := twin(t, b.ctx, b.rdb)
				must(t, q.Registry(s.kind).Remove(b.ctx, s.id, s.deleteJob))
				p.run(t, other, pyRemove(string(s.kind), s.id, s.deleteJob, rq2))
				compareTwins(t, b.ctx, b.rdb, other)
			})
		}
	}
}

// pyRemove is a Python program that removes job id from registry kind of
// queue default as RQ does; rq2 for RQ 2.x.
func pyRemove(kind, id string, deleteJob, rq2 bool) string {
	class := map[string]string{"finished": "FinishedJobRegistry", "failed": "FailedJobRegistry", "started": "StartedJobRegistry"}[kind]
	call := fmt.Sprintf("reg.remove(%q, delete_job=%s)", id, pyBool(deleteJob))
	if rq2 && kind == "started" {
		call = fmt.Sprintf("job = Job.fetch(%q, connection=r, serializer=JSONSerializer)\nreg.remove_executions(job)", id)
		if deleteJob {
			call += "\njob.delete()"
		}
	}
	return `
import os
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ` + class + `
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
reg = ` + class + `(queue=Queue("default", connection=r, serializer=JSONSerializer))
` + call + "\n"
}

// redisZ is one sorted-set member with its score.
func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
