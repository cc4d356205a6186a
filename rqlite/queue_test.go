package rqlite_test

import (
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// Sum, Greet and Notify are the tasks of these tests.
func Sum(a, b int) int                                 { return a + b }
func Greet(ctx context.Context, name string) string    { return "hola " + name }
func Notify(to string, kw rqlite.Kwargs) error         { return nil }
func unregistered(n int) int                           { return n }
func Variadic(prefix string, rest ...int) (int, error) { return len(rest), nil }

var fixedNow = time.Date(2026, 11, 27, 9, 33, 38, 94805000, time.UTC)

const fixedTime = "2026-11-27T09:33:38.094805Z"

type bundle struct {
	ctx context.Context
	rdb *redis.Client
	reg *rqlite.TaskRegistry
	n   int // job IDs made so far
}

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{ctx: context.Background(), rdb: rqtest.New(t), reg: rqlite.NewTaskRegistry()}
	must(t, b.reg.Register("test.sum", Sum, "a", "b"))
	must(t, b.reg.Register("test.greet", Greet, "name"))
	must(t, b.reg.Register("test.notify", Notify, "to"))
	must(t, b.reg.Register("test.variadic", Variadic))
	must(t, b.reg.Register("test.done", func(*rqlite.Job, any) {}))
	must(t, b.reg.Register("test.alert", func(context.Context, *rqlite.Job, error) error { return nil }))
	return b
}

// queue returns a queue with a fixed clock whose job IDs are job-1, job-2…
func (b *bundle) queue(name string) *rqlite.Queue {
	return rqlite.NewQueue(name, b.rdb, &rqlite.QueueOptions{
		Tasks: b.reg,
		Now:   func() time.Time { return fixedNow },
		NewID: func() string {
			b.n++
			return fmt.Sprintf("job-%d", b.n)
		},
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func unzipB64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	must(t, err)
	return unzip(t, string(b))
}

func unzip(t *testing.T, s string) string {
	t.Helper()
	r, err := zlib.NewReader(strings.NewReader(s))
	must(t, err)
	b, err := io.ReadAll(r)
	must(t, err)
	return string(b)
}

// hash reads a job hash, with data decompressed.
func (b *bundle) hash(t *testing.T, id string) map[string]string {
	t.Helper()
	h, err := b.rdb.HGetAll(b.ctx, "rq:job:"+id).Result()
	must(t, err)
	if d, ok := h["data"]; ok {
		h["data"] = unzip(t, d)
	}
	return h
}

func equalMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s[%s] = %q, want %q", what, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s has unexpected %s = %q", what, k, v)
			}
		}
	}
}

func TestEnqueueWritesRQLayout(t *testing.T) {
	b := setup(t)
	q := b.queue("")
	job, err := q.Enqueue(b.ctx, Sum, 3, 4)
	must(t, err)
	if job.ID != "job-1" || job.Status != rqlite.StatusQueued || job.Origin != "default" || job.Description != "test.sum(3, 4)" {
		t.Errorf("job = %+v", job)
	}

	queues, _ := b.rdb.SMembers(b.ctx, "rq:queues").Result()
	if len(queues) != 1 || queues[0] != "rq:queue:default" {
		t.Errorf("rq:queues = %q", queues)
	}
	ids, _ := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Result()
	if len(ids) != 1 || ids[0] != "job-1" {
		t.Errorf("rq:queue:default = %q", ids)
	}
	equalMaps(t, "rq:job:job-1", b.hash(t, "job-1"), map[string]string{
		"status":                "queued",
		"created_at":            fixedTime,
		"enqueued_at":           fixedTime,
		"data":                  `["test.sum", null, [3, 4], {}]`,
		"success_callback_name": "",
		"failure_callback_name": "",
		"started_at":            "",
		"ended_at":              "",
		"last_heartbeat":        "",
		"worker_name":           "",
		"origin":                "default",
		"description":           "test.sum(3, 4)",
		"timeout":               "180",
	})
	if ttl := b.rdb.TTL(b.ctx, "rq:job:job-1").Val(); ttl != -1 {
		t.Errorf("TTL rq:job:job-1 = %v, want none", ttl)
	}
	if n := b.rdb.DBSize(b.ctx).Val(); n != 3 {
		t.Errorf("DBSIZE = %d, want 3 keys (rq:queues, the queue, the job)", n)
	}
}

func TestEnqueueOptions(t *testing.T) {
	b := setup(t)
	q := b.queue("low")
	timeout, err := rqlite.ParseTimeout("1h")
	must(t, err)
	job, err := q.EnqueueCall(b.ctx, "test.greet", &rqlite.EnqueueOptions{
		Kwargs:      map[string]any{"name": "Ñandú"},
		JobTimeout:  timeout,
		ResultTTL:   rqlite.Discard,
		FailureTTL:  rqlite.Forever,
		TTL:         60 * time.Second,
		OnSuccess:   "test.done",
		OnFailure:   "test.alert",
		JobID:       "mi-trabajo_1",
		Description: "saludo",
		Meta:        map[string]any{"progreso": 0},
	})
	must(t, err)
	h := b.hash(t, "mi-trabajo_1")
	want := map[string]string{
		"data":                  `["test.greet", null, [], {"name": "\u00d1and\u00fa"}]`,
		"timeout":               "3600",
		"result_ttl":            "0",
		"failure_ttl":           "-1",
		"ttl":                   "60",
		"success_callback_name": "test.done",
		"failure_callback_name": "test.alert",
		"description":           "saludo",
		"meta":                  `{"progreso": 0}`,
		"origin":                "low",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("%s = %q, want %q", k, h[k], v)
		}
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:mi-trabajo_1").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL = %v, want about 60s", ttl)
	}
	if job.Description != "saludo" || job.ResultTTL != rqlite.Discard {
		t.Errorf("job = %+v", job)
	}

	// at_front puts a job at the head of the queue.
	_, err = q.EnqueueCall(b.ctx, Sum, &rqlite.EnqueueOptions{Args: []any{1, 2}, AtFront: true})
	must(t, err)
	ids := b.rdb.LRange(b.ctx, "rq:queue:low", 0, -1).Val()
	if strings.Join(ids, " ") != "job-1 mi-trabajo_1" {
		t.Errorf("rq:queue:low = %q", ids)
	}
}

func TestEnqueueKwargsAndDescription(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	for _, tc := range []struct {
		f    any
		args []any
		desc string
		data string
	}{
		{Sum, []any{1, rqlite.Kwargs{"b": 2}}, "test.sum(1, b=2)", `["test.sum", null, [1], {"b": 2}]`},
		{"test.notify", []any{"it's", rqlite.Kwargs{"z": []any{1, "x"}, "a": nil, "c": true}}, `test.notify("it's", a=None, c=True, z=[1, 'x'])`, `["test.notify", null, ["it's"], {"a": null, "c": true, "z": [1, "x"]}]`},
		{Greet, []any{strings.Repeat("x", 80)}, "test.greet('" + strings.Repeat("x", 74) + "...)", ""},
		{Variadic, []any{"p", 1, 2, 3}, "test.variadic('p', 1, 2, 3)", `["test.variadic", null, ["p", 1, 2, 3], {}]`},
		{Sum, []any{1.5, 2.0}, "", ""},
	} {
		job, err := q.Enqueue(b.ctx, tc.f, tc.args...)
		if tc.desc == "" {
			if err == nil {
				t.Errorf("Enqueue(%v) of floats into ints: no error", tc.args)
			}
			continue
		}
		must(t, err)
		if job.Description != tc.desc {
			t.Errorf("description = %s, want %s", job.Description, tc.desc)
		}
		if h := b.hash(t, job.ID); tc.data != "" && h["data"] != tc.data {
			t.Errorf("data = %s, want %s", h["data"], tc.data)
		}
	}
}

func TestEnqueueBadInput(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	for _, tc := range []struct {
		name string
		q    *rqlite.Queue
		f    any
		o    rqlite.EnqueueOptions
		want string // a part of the error that names the bad value
	}{
		{"unregistered function", q, unregistered, rqlite.EnqueueOptions{Args: []any{1}}, "rqlite_test.unregistered is not registered"},
		{"unknown name", q, "test.summ", rqlite.EnqueueOptions{}, `unknown function "test.summ"`},
		{"not a function", q, 42, rqlite.EnqueueOptions{}, "cannot enqueue int"},
		{"too many arguments", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2, 3}}, "test.sum() takes 2 positional arguments but 3 were given"},
		{"missing argument", q, Sum, rqlite.EnqueueOptions{Args: []any{1}}, "test.sum() missing required argument 'b'"},
		{"wrong type", q, Sum, rqlite.EnqueueOptions{Args: []any{"tres", 4}}, "argument 1: 'tres' cannot be used as int"},
		{"unknown keyword", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, Kwargs: map[string]any{"c": 3}}, "unexpected keyword argument 'c'"},
		{"twice", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, Kwargs: map[string]any{"a": 3}}, "multiple values for argument 'a'"},
		{"unserializable", q, "test.notify", rqlite.EnqueueOptions{Args: []any{"x"}, Kwargs: map[string]any{"ch": make(chan int)}}, "cannot be serialized"},
		{"bad job ID", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, JobID: "rq:job:x"}, `invalid job ID "rq:job:x"`},
		{"bad dependency ID", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, DependsOn: []string{"a b"}}, `invalid dependency job ID "a b"`},
		{"bad queue name", b.queue("alta prioridad"), Sum, rqlite.EnqueueOptions{Args: []any{1, 2}}, `invalid queue name "alta prioridad"`},
		{"negative TTL", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, TTL: -5 * time.Second}, "invalid ttl -5s"},
		{"forever TTL", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, TTL: rqlite.Forever}, "invalid ttl -1s"},
		{"negative timeout", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, JobTimeout: -3 * time.Second}, "invalid job_timeout -3s"},
		{"fractional timeout", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, JobTimeout: 1500 * time.Millisecond}, "job_timeout 1.5s is not a whole number of seconds"},
		{"discarded failures", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, FailureTTL: rqlite.Discard}, "invalid failure_ttl -2s"},
		{"bad callback", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, OnSuccess: "test.nope"}, `on_success: rqlite: unknown function "test.nope"`},
		{"unserializable meta", q, Sum, rqlite.EnqueueOptions{Args: []any{1, 2}, Meta: map[string]any{"f": func() {}}}, "meta of test.sum(1, 2) cannot be serialized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.q.EnqueueCall(b.ctx, tc.f, &tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line: %q", err)
			}
		})
	}
	if n := b.rdb.DBSize(b.ctx).Val(); n != 0 {
		t.Errorf("bad input wrote %d keys to Redis", n)
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"180": 180 * time.Second, " 90 ": 90 * time.Second, "-1": rqlite.Forever, "0": 0,
		"1h": time.Hour, "30m": 30 * time.Minute, "15s": 15 * time.Second, "2d": 48 * time.Hour, "1H": time.Hour,
	} {
		got, err := rqlite.ParseTimeout(in)
		if err != nil || got != want {
			t.Errorf("ParseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"10x", "1.5h", "h", "", "m5", "99999999999999999999"} {
		var bad *rqlite.OptionError
		if _, err := rqlite.ParseTimeout(in); !errors.As(err, &bad) || bad.Option != "timeout" || bad.Value != in {
			t.Errorf("ParseTimeout(%q) error = %v, want an *OptionError naming the value", in, err)
		}
	}
}

func TestQueueMethods(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	jobs, err := q.EnqueueMany(b.ctx, []rqlite.Call{
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{1, 2}}},
		{Func: "test.greet", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{"Ana"}}},
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{5, 6}}},
	})
	must(t, err)
	if len(jobs) != 3 {
		t.Fatalf("EnqueueMany returned %d jobs", len(jobs))
	}
	if n, err := q.Count(b.ctx); n != 3 || err != nil {
		t.Errorf("Count = %d, %v", n, err)
	}
	if ids, _ := q.JobIDs(b.ctx, 1, 1); len(ids) != 1 || ids[0] != "job-2" {
		t.Errorf("JobIDs(1, 1) = %q", ids)
	}
	all, err := q.Jobs(b.ctx)
	must(t, err)
	if len(all) != 3 || all[1].FuncName != "test.greet" || all[1].Args[0] != "Ana" || all[2].Args[1] != int64(6) {
		t.Errorf("Jobs = %+v", all)
	}

	got, err := q.FetchJob(b.ctx, "job-1")
	must(t, err)
	if got.Description != "test.sum(1, 2)" || !got.CreatedAt.Equal(fixedNow) || got.Timeout != 180*time.Second {
		t.Errorf("FetchJob = %+v", got)
	}
	if _, err := b.queue("low").FetchJob(b.ctx, "job-1"); !errors.Is(err, rqlite.ErrNoSuchJob) {
		t.Errorf("FetchJob from another queue: %v, want ErrNoSuchJob", err)
	}
	if _, err := q.FetchJob(b.ctx, "nope"); !errors.Is(err, rqlite.ErrNoSuchJob) {
		t.Errorf("FetchJob of a missing job: %v, want ErrNoSuchJob", err)
	}

	must(t, q.DeleteJob(b.ctx, "job-2"))
	if ids, _ := q.JobIDs(b.ctx, 0, -1); strings.Join(ids, " ") != "job-1 job-3" {
		t.Errorf("after DeleteJob: %q", ids)
	}
	if b.rdb.Exists(b.ctx, "rq:job:job-2").Val() != 0 {
		t.Error("DeleteJob left the job hash")
	}
	if err := q.DeleteJob(b.ctx, "job-2"); !errors.Is(err, rqlite.ErrNoSuchJob) {
		t.Errorf("DeleteJob twice: %v", err)
	}

	n, err := q.Empty(b.ctx)
	must(t, err)
	if n != 2 || b.rdb.Exists(b.ctx, "rq:queue:default", "rq:job:job-1", "rq:job:job-3").Val() != 0 {
		t.Errorf("Empty removed %d, keys left: %v", n, b.rdb.Keys(b.ctx, "*").Val())
	}
}

func TestJobStatusRefreshDelete(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, Sum, 1, 2)
	must(t, err)
	b.rdb.HSet(b.ctx, "rq:job:job-1", "status", "started", "worker_name", "w1", "started_at", "2026-11-27T10:00:00Z")
	if s, err := job.GetStatus(b.ctx); s != rqlite.StatusStarted || err != nil {
		t.Errorf("GetStatus = %q, %v", s, err)
	}
	must(t, job.Refresh(b.ctx))
	if job.WorkerName != "w1" || job.StartedAt.Hour() != 10 {
		t.Errorf("after Refresh: %+v", job)
	}
	b.rdb.ZAdd(b.ctx, "rq:wip:default", redis.Z{Score: 1, Member: "job-1"})
	must(t, job.Delete(b.ctx))
	if n := b.rdb.Exists(b.ctx, "rq:job:job-1", "rq:wip:default", "rq:queue:default").Val(); n != 0 {
		t.Errorf("Delete left %d keys", n)
	}
	if _, err := job.GetStatus(b.ctx); !errors.Is(err, rqlite.ErrNoSuchJob) {
		t.Errorf("GetStatus after Delete: %v", err)
	}
}

func TestDependencies(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	first, err := q.Enqueue(b.ctx, Sum, 1, 2)
	must(t, err)

	// While the dependency has not finished, the job is deferred.
	dep, err := q.EnqueueCall(b.ctx, Sum, &rqlite.EnqueueOptions{Args: []any{3, 4}, DependsOn: []string{first.ID}, AtFront: true})
	must(t, err)
	if dep.Status != rqlite.StatusDeferred {
		t.Errorf("status = %s, want deferred", dep.Status)
	}
	h := b.hash(t, dep.ID)
	if h["status"] != "deferred" || h["enqueued_at"] != "" || h["dependency_id"] != "job-1" || h["dependency_ids"] != `["job-1"]` || h["enqueue_at_front"] != "1" {
		t.Errorf("deferred hash = %v", h)
	}
	if ids := b.rdb.LRange(b.ctx, "rq:queue:default", 0, -1).Val(); len(ids) != 1 {
		t.Errorf("a deferred job was queued: %q", ids)
	}
	if s, _ := b.rdb.ZScore(b.ctx, "rq:deferred:default", dep.ID).Result(); s != float64(fixedNow.Unix()) {
		t.Errorf("deferred score = %v", s)
	}
	if !b.rdb.SIsMember(b.ctx, "rq:job:job-1:dependents", dep.ID).Val() || !b.rdb.SIsMember(b.ctx, "rq:job::job-2:dependencies", "job-1").Val() {
		t.Error("dependency sets not written")
	}

	// Once it has finished, a new dependent is queued at once.
	b.rdb.HSet(b.ctx, "rq:job:job-1", "status", "finished")
	ready, err := q.EnqueueCall(b.ctx, Sum, &rqlite.EnqueueOptions{Args: []any{5, 6}, DependsOn: []string{first.ID}})
	must(t, err)
	if ready.Status != rqlite.StatusQueued || b.hash(t, ready.ID)["enqueued_at"] != fixedTime {
		t.Errorf("job with a finished dependency: %+v", ready)
	}

	// A failed dependency counts only with AllowDependencyFailure.
	b.rdb.HSet(b.ctx, "rq:job:job-1", "status", "failed")
	j, err := q.EnqueueCall(b.ctx, Sum, &rqlite.EnqueueOptions{Args: []any{1, 1}, DependsOn: []string{first.ID}, AllowDependencyFailure: true})
	must(t, err)
	if j.Status != rqlite.StatusQueued || b.hash(t, j.ID)["allow_dependency_failures"] != "1" {
		t.Errorf("allowed failure: %s", j.Status)
	}

	if _, err := q.EnqueueCall(b.ctx, Sum, &rqlite.EnqueueOptions{Args: []any{1, 1}, DependsOn: []string{"ghost"}}); !errors.Is(err, rqlite.ErrNoSuchJob) || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("missing dependency: %v", err)
	}
}

func TestResultReaders(t *testing.T) {
	b := setup(t)
	q := b.queue("default")
	job, err := q.Enqueue(b.ctx, Sum, 1, 2)
	must(t, err)
	if v, err := job.ReturnValue(b.ctx); v != nil || err != nil {
		t.Errorf("ReturnValue before any result = %v, %v", v, err)
	}
	// As a Python RQ 1.13 worker writes them: base64 of the serialized value,
	// and base64 of the zlib'd traceback.
	b.rdb.XAdd(b.ctx, &redis.XAddArgs{Stream: "rq:results:job-1", Values: []any{"type", "2", "exc_string", "eJwLKUpMTk1KTM5WyCxWyEgtSgUAOKwGQQ=="}})
	b.rdb.XAdd(b.ctx, &redis.XAddArgs{Stream: "rq:results:job-1", Values: []any{"type", "1", "return_value", "Mw=="}})
	v, err := job.ReturnValue(b.ctx)
	if v != int64(3) || err != nil {
		t.Errorf("ReturnValue = %#v, %v", v, err)
	}
	rs, err := job.Results(b.ctx)
	must(t, err)
	if len(rs) != 2 || rs[1].Type != rqlite.ResultFailed || rs[1].ExcString != "Traceback is here" {
		t.Errorf("Results = %+v", rs)
	}
	var n int
	must(t, rs[0].Decode(&n))
	if n != 3 {
		t.Errorf("Decode = %d", n)
	}

	// RQ 1.13 writes exc_info into the hash of jobs it finds abandoned.
	other, err := q.Enqueue(b.ctx, Sum, 1, 1)
	must(t, err)
	b.rdb.HSet(b.ctx, "rq:job:"+other.ID, "exc_info", "x\x9c\xf3\xcd/KMQ(\xc9WpK\xcc\xccIM\x01\x00*\xf5\x05d")
	if s, err := other.ExcInfo(b.ctx); s != "Moved to Failed" || err != nil {
		t.Errorf("ExcInfo = %q, %v", s, err)
	}
}

// TestEnqueueManyOrder checks that EnqueueMany leaves the queue as one
// Enqueue per call would: jobs at the front in reverse order, the others
// at the back in order, scheduled ones out of the queue.
func TestEnqueueManyOrder(t *testing.T) {
	b := setup(t)
	one, many := b.queue("one"), b.queue("many")
	calls := []rqlite.Call{
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{1, 1}}},
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{2, 2}, AtFront: true}},
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{3, 3}, At: fixedNow.Add(time.Hour)}},
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{4, 4}}},
		{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{5, 5}, AtFront: true, TTL: time.Minute}},
	}
	for i := range calls {
		_, err := one.EnqueueCall(b.ctx, calls[i].Func, &calls[i].EnqueueOptions)
		must(t, err)
	}
	_, err := many.EnqueueMany(b.ctx, calls)
	must(t, err)
	descs := func(q *rqlite.Queue) []string {
		jobs, err := q.Jobs(b.ctx)
		must(t, err)
		var out []string
		for _, j := range jobs {
			out = append(out, j.Description)
		}
		return out
	}
	want := []string{"test.sum(5, 5)", "test.sum(2, 2)", "test.sum(1, 1)", "test.sum(4, 4)"}
	for _, q := range []*rqlite.Queue{one, many} {
		if got := descs(q); !slices.Equal(got, want) {
			t.Errorf("queue %s holds %q, want %q", q.Name, got, want)
		}
		if n, err := q.Registry(rqlite.Scheduled).Count(b.ctx); n != 1 || err != nil {
			t.Errorf("queue %s: %d scheduled jobs (%v), want 1", q.Name, n, err)
		}
	}
	if ttl := b.rdb.TTL(b.ctx, "rq:job:job-10").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL of the job with a ttl, enqueued by EnqueueMany: %v", ttl)
	}
}

// TestEnqueueManyLarge enqueues a batch large enough to be prepared on
// several goroutines (run with -race): the jobs keep the order of the
// calls, their IDs are made in that order, and a bad call is reported by
// its number.
func TestEnqueueManyLarge(t *testing.T) {
	b := setup(t)
	q := rqlite.NewQueue("large", b.rdb, &rqlite.QueueOptions{Tasks: b.reg, Serializer: rqlite.Pickle,
		Now: func() time.Time { return fixedNow },
		NewID: func() string {
			b.n++
			return fmt.Sprintf("job-%d", b.n)
		}})
	calls := make([]rqlite.Call, 2000)
	for i := range calls {
		calls[i] = rqlite.Call{Func: Sum, EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i, 1}}}
	}
	jobs, err := q.EnqueueMany(b.ctx, calls)
	must(t, err)
	ids, err := q.JobIDs(b.ctx, 0, -1)
	must(t, err)
	if len(jobs) != len(calls) || len(ids) != len(calls) {
		t.Fatalf("%d jobs returned, %d queued; want %d", len(jobs), len(ids), len(calls))
	}
	for i, id := range ids {
		if want := fmt.Sprintf("job-%d", i+1); id != want || jobs[i].ID != want {
			t.Fatalf("job %d: queued %s, returned %s; want %s", i+1, id, jobs[i].ID, want)
		}
	}
	if got, err := q.FetchJob(b.ctx, "job-1500"); err != nil || got.Description != "test.sum(1499, 1)" {
		t.Errorf("job-1500: %+v, %v", got, err)
	}
	calls[1700].Args = []any{"only one"}
	if _, err := q.EnqueueMany(b.ctx, calls); err == nil || !strings.HasPrefix(err.Error(), "call 1701: ") {
		t.Errorf("EnqueueMany with a bad call 1701: %v", err)
	}
}
