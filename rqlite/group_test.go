package rqlite_test

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// groupCalls are two jobs, g-2 depending on g-1.
func groupCalls() []rqlite.Call {
	return []rqlite.Call{
		{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "g-1"}},
		{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{3, 4}, JobID: "g-2", DependsOn: []string{"g-1"}}},
	}
}

// sortedIDs are the IDs of jobs, sorted.
func sortedIDs(jobs []*rqlite.Job) string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID + ":" + j.GroupID
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

// TestGroupEnqueueMany checks the keys of a group, in both layouts: its
// set of IDs and its name in rq:groups, neither expiring, and each job's
// group_id.
func TestGroupEnqueueMany(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			b := setup(t)
			g, err := rqlite.NewGroup(b.rdb, "", nil)
			must(t, err)
			if !regexp.MustCompile(`^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`).MatchString(g.Name) {
				t.Errorf("default name %q is not a uuid4 in hex", g.Name)
			}
			jobs, err := g.EnqueueMany(b.ctx, b.layoutQueue("default", l.rq2), groupCalls())
			must(t, err)
			if got := sortedIDs(jobs); got != fmt.Sprintf("g-1:%s g-2:%s", g.Name, g.Name) {
				t.Errorf("jobs %s", got)
			}
			if jobs[1].Status != rqlite.StatusDeferred {
				t.Errorf("g-2 is %s, want deferred", jobs[1].Status)
			}
			if ids := b.rdb.SMembers(b.ctx, "rq:group:"+g.Name).Val(); len(ids) != 2 || b.rdb.TTL(b.ctx, "rq:group:"+g.Name).Val() != -1 {
				t.Errorf("group set %v, or it expires", ids)
			}
			if !b.rdb.SIsMember(b.ctx, "rq:groups", g.Name).Val() {
				t.Error("the group is not in rq:groups")
			}
			for _, id := range []string{"g-1", "g-2"} {
				j, err := rqlite.FetchJob(b.ctx, b.rdb, id, nil)
				must(t, err)
				if j.GroupID != g.Name {
					t.Errorf("%s's GroupID %q", id, j.GroupID)
				}
			}
		})
	}
}

// TestGroupCleanup checks Jobs, DeleteJob, Cleanup, FetchGroup, AllGroups
// and CleanGroups as jobs go away.
func TestGroupCleanup(t *testing.T) {
	b := setup(t)
	q := b.rq2Queue("default")
	g, err := rqlite.NewGroup(b.rdb, "mine", nil)
	must(t, err)
	_, err = g.EnqueueMany(b.ctx, q, groupCalls())
	must(t, err)
	other, err := rqlite.NewGroup(b.rdb, "other", nil)
	must(t, err)
	_, err = other.EnqueueMany(b.ctx, q, []rqlite.Call{{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{0, 0}, JobID: "o-1"}}})
	must(t, err)

	must(t, b.rdb.Del(b.ctx, "rq:job:g-1").Err())
	jobs, err := g.Jobs(b.ctx)
	must(t, err)
	if got := sortedIDs(jobs); got != "g-2:mine" {
		t.Errorf("Jobs after g-1 was deleted: %s", got)
	}
	if ids, _ := g.JobIDs(b.ctx); fmt.Sprint(ids) != "[g-2]" {
		t.Errorf("the set holds %v, want [g-2]", ids)
	}
	must(t, g.DeleteJob(b.ctx, "g-2"))
	if b.rdb.Exists(b.ctx, "rq:job:g-2").Val() != 1 {
		t.Error("DeleteJob deleted the job itself")
	}
	if _, err := rqlite.FetchGroup(b.ctx, b.rdb, "mine", nil); !errors.Is(err, rqlite.ErrNoSuchGroup) {
		t.Errorf("FetchGroup of an emptied group: %v", err)
	}
	all, err := rqlite.AllGroups(b.ctx, b.rdb, nil)
	must(t, err)
	if len(all) != 1 || all[0].Name != "other" || b.rdb.SIsMember(b.ctx, "rq:groups", "mine").Val() {
		t.Errorf("AllGroups %v; rq:groups %v", all, b.rdb.SMembers(b.ctx, "rq:groups").Val())
	}

	must(t, b.rdb.Del(b.ctx, "rq:job:o-1").Err())
	must(t, rqlite.CleanGroups(b.ctx, b.rdb))
	if n := b.rdb.Exists(b.ctx, "rq:groups", "rq:group:other").Val(); n != 0 {
		t.Errorf("%d group keys left after CleanGroups", n)
	}
}

// TestCleanGroupsBadGroup checks that a group whose key is not a set
// fails alone: the others are cleaned, and the error names it on one
// line.
func TestCleanGroupsBadGroup(t *testing.T) {
	b := setup(t)
	g, err := rqlite.NewGroup(b.rdb, "good", nil)
	must(t, err)
	_, err = g.EnqueueMany(b.ctx, b.rq2Queue("default"), groupCalls()[:1])
	must(t, err)
	must(t, b.rdb.Del(b.ctx, "rq:job:g-1").Err())
	must(t, b.rdb.Set(b.ctx, "rq:group:bad", "not a set", 0).Err())
	must(t, b.rdb.SAdd(b.ctx, "rq:groups", "bad").Err())
	err = rqlite.CleanGroups(b.ctx, b.rdb)
	if err == nil || !strings.Contains(err.Error(), `"bad"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("CleanGroups: %v, want one line naming the bad group", err)
	}
	if got := b.rdb.SMembers(b.ctx, "rq:groups").Val(); fmt.Sprint(got) != "[bad]" {
		t.Errorf("rq:groups %v, want [bad]: good was emptied", got)
	}
}

// TestGroupNames checks that a group name with spaces or control
// characters is refused, naming it.
func TestGroupNames(t *testing.T) {
	b := setup(t)
	for _, name := range []string{"a b", "x\ny", "\x00"} {
		_, err := rqlite.NewGroup(b.rdb, name, nil)
		var oe *rqlite.OptionError
		if !errors.As(err, &oe) || oe.Value != name || strings.Contains(err.Error(), "\n") {
			t.Errorf("NewGroup(%q): %v, want a one-line *OptionError", name, err)
		}
	}
}

// rq2Python returns RQ 2.3.3, or skips the test.
func rq2Python(t *testing.T) pythonRQ {
	t.Helper()
	for _, r := range pythonRQs(t) {
		if r.path != "" {
			return r
		}
	}
	t.Skip("RQ 2.3.3 is not available")
	return pythonRQ{}
}

// TestPythonGroupInterop checks that a group made by RQ 2.3.3 is read by
// Go (its name, IDs and the jobs' group_id), and one made by Go by RQ
// 2.3.3's Group.fetch, Group.all and get_jobs.
func TestPythonGroupInterop(t *testing.T) {
	b := setup(t)
	p := rq2Python(t)
	p.run(t, b.rdb, `
import os
from redis import Redis
from rq import Queue
from rq.group import Group
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
Group.create(connection=r, name="py-group").enqueue_many(q, [
    Queue.prepare_data("test.sum", (1, 2), job_id="p-1"),
    Queue.prepare_data("test.sum", (3, 4), job_id="p-2", depends_on=["p-1"]),
])
`)
	g, err := rqlite.FetchGroup(b.ctx, b.rdb, "py-group", nil)
	must(t, err)
	jobs, err := g.Jobs(b.ctx)
	must(t, err)
	if got := sortedIDs(jobs); got != "p-1:py-group p-2:py-group" {
		t.Errorf("Go read Python's group as %s", got)
	}

	gg, err := rqlite.NewGroup(b.rdb, "go-group", nil)
	must(t, err)
	_, err = gg.EnqueueMany(b.ctx, b.rq2Queue("default"), groupCalls())
	must(t, err)
	out := p.run(t, b.rdb, `
import os
from redis import Redis
from rq.group import Group
r = Redis.from_url(os.environ["REDIS_URL"])
g = Group.fetch("go-group", connection=r)
print(sorted(x.name for x in Group.all(connection=r)))
print(sorted((j.id, j.group_id, j.get_status(refresh=False).value) for j in g.get_jobs()))
`)
	want := "['go-group', 'py-group']\n[('g-1', 'go-group', 'queued'), ('g-2', 'go-group', 'deferred')]\n"
	if out != want {
		t.Errorf("Python read %q, want %q", out, want)
	}
}

// TestPythonGroupAgrees checks that Group.EnqueueMany leaves Redis as RQ
// 2.3.3's group.enqueue_many leaves a twin of it, times aside. The jobs
// depend on jobs that exist before: RQ's group enqueues its batch in a
// pipeline it runs at the end, so that a job depending on another job of
// the batch finds no hash for it, counts it as met and is queued at once;
// rqlite defers it, as Queue.EnqueueMany and RQ's queue.enqueue_many do.
func TestPythonGroupAgrees(t *testing.T) {
	b := setup(t)
	p := rq2Python(t)
	q := b.rq2Queue("default")
	manyDependentSetup(t, b, q)
	other := twin(t, b.ctx, b.rdb)
	g, err := rqlite.NewGroup(b.rdb, "twins", nil)
	must(t, err)
	_, err = g.EnqueueMany(b.ctx, q, []rqlite.Call{
		{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "g-1"}},
		{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{3, 4}, JobID: "g-2", DependsOn: []string{"done"}}},
		{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{5, 6}, JobID: "g-3", DependsOn: []string{"running"}}},
	})
	must(t, err)
	p.run(t, other, `
import os
from redis import Redis
from rq import Queue
from rq.group import Group
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ["REDIS_URL"])
q = Queue("default", connection=r, serializer=JSONSerializer)
Group.create(connection=r, name="twins").enqueue_many(q, [
    Queue.prepare_data("test.sum", (1, 2), job_id="g-1"),
    Queue.prepare_data("test.sum", (3, 4), job_id="g-2", depends_on=["done"]),
    Queue.prepare_data("test.sum", (5, 6), job_id="g-3", depends_on=["running"]),
])
`)
	// RQ 2.3.3 leaves the queued g-2 in the deferred registry; RQ 2.10
	// takes it out, as rqlite does.
	must(t, other.ZRem(b.ctx, "rq:deferred:default", "g-2").Err())
	inflateData(t, b.rdb)
	inflateData(t, other)
	g1 := timesPattern.ReplaceAllString(dump(t, b.ctx, b.rdb), "TIME")
	w := timesPattern.ReplaceAllString(dump(t, b.ctx, other), "TIME")
	if g1 != w {
		t.Errorf("rqlite left:\n%s\nPython RQ left:\n%s", g1, w)
	}
}

// A worker in RQ 2.x's layout cleans the groups in its maintenance, as
// RQ 2.x's run_maintenance_tasks does; one in RQ 1.13's does not.
func TestWorkerCleansGroups(t *testing.T) {
	for _, rq2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("rq2=%v", rq2), func(t *testing.T) {
			b := setup(t)
			g, err := rqlite.NewGroup(b.rdb, "gone", nil)
			must(t, err)
			_, err = g.EnqueueMany(b.ctx, b.rq2Queue("other"), []rqlite.Call{{Func: "test.sum", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{0, 0}, JobID: "x-1"}}})
			must(t, err)
			must(t, b.rdb.Del(b.ctx, "rq:job:x-1").Err())
			w, _ := b.worker(t, []string{"default"}, &rqlite.WorkerOptions{Burst: true, RQ2: rq2})
			must(t, w.Work(b.ctx))
			left := b.rdb.Exists(b.ctx, "rq:groups", "rq:group:gone").Val()
			if want := map[bool]int64{false: 2, true: 0}[rq2]; left != want {
				t.Errorf("%d group keys left after the worker's maintenance, want %d", left, want)
			}
		})
	}
}
