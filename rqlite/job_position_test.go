package rqlite_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// TestJobGetPosition checks Job.GetPosition as RQ's job.get_position: the
// index from the head, at-front jobs first, and not found for a job that
// is not waiting (deferred) or has left the queue.
func TestJobGetPosition(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	jobs := positionJobs(t, b, q)
	want := map[string]string{"job-1": "1", "job-2": "2", "job-3": "0", "job-4": "None", "job-5": "None"}
	for _, j := range jobs {
		if got := goPosition(t, b, j); got != want[j.ID] {
			t.Errorf("position of %s = %s, want %s", j.ID, got, want[j.ID])
		}
	}

	var none rqlite.Job
	if _, _, err := none.GetPosition(b.ctx); !errors.Is(err, rqlite.ErrNoConnection) {
		t.Errorf("a job read from nowhere: err = %v, want ErrNoConnection", err)
	}
}

// positionJobs enqueues, into q: job-1, job-2, job-3 at the front, job-4
// deferred on job-1, and job-5, which is then taken out of the queue.
func positionJobs(t *testing.T, b *bundle, q *rqlite.Queue) []*rqlite.Job {
	t.Helper()
	var jobs []*rqlite.Job
	for _, o := range []*rqlite.EnqueueOptions{
		{Args: []any{1, 2}},
		{Args: []any{3, 4}},
		{Args: []any{5, 6}, AtFront: true},
		{Args: []any{7, 8}, DependsOn: []string{"job-1"}},
		{Args: []any{9, 10}},
	} {
		j, err := q.EnqueueCall(b.ctx, "test.sum", o)
		must(t, err)
		jobs = append(jobs, j)
	}
	must(t, b.rdb.LRem(b.ctx, q.Key(), 0, "job-5").Err())
	return jobs
}

// goPosition is j's position as Python prints it: the index, or None.
func goPosition(t *testing.T, b *bundle, j *rqlite.Job) string {
	t.Helper()
	pos, found, err := j.GetPosition(b.ctx)
	must(t, err)
	if !found {
		return "None"
	}
	return fmt.Sprint(pos)
}

// TestPythonGetPositionAgrees checks that RQ 1.13's and 2.3.3's
// job.get_position answer what GetPosition answers for the same jobs.
func TestPythonGetPositionAgrees(t *testing.T) {
	b := setup(t)
	rqs := pythonRQs(t)
	jobs := positionJobs(t, b, b.queue("default"))
	var want []string
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		want = append(want, goPosition(t, b, j))
		ids[i] = fmt.Sprintf("%q", j.ID)
	}
	for _, p := range rqs {
		got := p.run(t, b.rdb, `
import os
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
for id in [`+strings.Join(ids, ", ")+`]:
    print(Job.fetch(id, connection=r, serializer=JSONSerializer).get_position())
`)
		if got != strings.Join(want, "\n")+"\n" {
			t.Errorf("%s says positions\n%s\nrqlite says %v", p.name, got, want)
		}
	}
}
