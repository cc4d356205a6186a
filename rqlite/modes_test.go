package rqlite_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
)

// A job runs one way in both modes: each test here runs the same jobs on an
// in-process worker and on an isolated one (issue 14). Their tasks are in
// DefaultTasks, where a work horse of this test binary finds them.

var modes = []struct {
	name     string
	isolated bool
}{{"in-process", false}, {"isolated", true}}

// seen records what callbacks, which run in the worker's process in both
// modes, saw.
var seen struct {
	sync.Mutex
	notes []string
}

func note(format string, args ...any) {
	seen.Lock()
	defer seen.Unlock()
	seen.notes = append(seen.notes, fmt.Sprintf(format, args...))
}

func takeNotes() []string {
	seen.Lock()
	defer seen.Unlock()
	n := seen.notes
	seen.notes = nil
	return n
}

func init() {
	rqlite.Register("modes.echo", func(v any) any { return v }, "v")
	rqlite.Register("modes.add", func(a, b int64) int64 { return a + b }, "a", "b")
	rqlite.Register("modes.bytes", func(b []byte) []byte { return append(b, 0xff) }, "b")
	rqlite.Register("modes.save_meta", func(ctx context.Context) error {
		j := rqlite.JobFromContext(ctx)
		j.Meta["seen"] = true
		return j.SaveMeta(ctx)
	})
	rqlite.Register("modes.fail", func() error { return errors.New("la tarea falla") })
	rqlite.Register("modes.cause", func(ctx context.Context) error {
		<-ctx.Done()
		return context.Cause(ctx)
	})
	// Callbacks note the job's status as Redis has it when they run.
	rqlite.Register("modes.on_success", func(ctx context.Context, j *rqlite.Job, result any) error {
		st, err := j.GetStatus(ctx)
		note("on_success %s %v: status %s %v", j.ID, result, st, err)
		return nil
	})
	rqlite.Register("modes.on_success_fails", func(ctx context.Context, j *rqlite.Job, result any) error {
		note("on_success_fails %s", j.ID)
		return errors.New("el aviso falla")
	})
	rqlite.Register("modes.on_failure", func(ctx context.Context, j *rqlite.Job, err error) error {
		st, serr := j.GetStatus(ctx)
		note("on_failure %s: %v: status %s %v", j.ID, err, st, serr)
		return nil
	})
	rqlite.Register("modes.on_success_meta", func(j *rqlite.Job, result any) {
		note("on_success_meta %v", j.Meta["seen"])
	})
	rqlite.Register("modes.on_failure_fails", func(ctx context.Context, j *rqlite.Job, err error) error {
		return errors.New("el aviso de fallo falla")
	})
}

// runModes runs the worker of each mode over the jobs that enqueue puts in
// queue "default", in burst mode, and gives check their IDs.
func runModes(t *testing.T, s rqlite.Serializer, enqueue func(t *testing.T, q *rqlite.Queue) []*rqlite.Job,
	check func(t *testing.T, b *bundle, jobs []*rqlite.Job)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			b := setup(t)
			q := rqlite.NewQueue("default", b.rdb, &rqlite.QueueOptions{Serializer: s})
			jobs := enqueue(t, q)
			takeNotes()
			w, err := rqlite.NewWorker(b.rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: m.isolated,
				Serializer: s, Name: "modes-" + m.name, Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
			must(t, err)
			must(t, w.Work(b.ctx))
			check(t, b, jobs)
		})
	}
}

// storedResult is the return_value of a job's last result, as stored.
func storedResult(t *testing.T, b *bundle, id string) []byte {
	t.Helper()
	entries, err := b.rdb.XRevRangeN(b.ctx, keys.Results(id), "+", "-", 1).Result()
	must(t, err)
	if len(entries) == 0 {
		t.Fatalf("job %s has no result", id)
	}
	if exc, ok := entries[0].Values["exc_string"]; ok {
		t.Fatalf("job %s failed: %s", id, unzipB64(t, exc.(string)))
	}
	v, _ := entries[0].Values["return_value"].(string)
	raw, err := base64.StdEncoding.DecodeString(v)
	must(t, err)
	return raw
}

// Finding 1: values cross into a horse and back bit-exact, in the job's
// serializer: the bytes stored are those an in-process worker stores.
func TestModesValuesBitExact(t *testing.T) {
	negZero := math.Copysign(0, -1)
	jsonCases := []struct {
		call []any
		want string
	}{
		{[]any{"modes.add", int64(1 << 62), int64(1)}, "4611686018427387905"},
		{[]any{"modes.echo", int64(9007199254740993)}, "9007199254740993"},
		{[]any{"modes.echo", new(big.Int).Lsh(big.NewInt(1), 70)}, "1180591620717411303424"},
		{[]any{"modes.echo", 3.0}, "3.0"},
		{[]any{"modes.echo", negZero}, "-0.0"},
		{[]any{"modes.echo", math.NaN()}, "NaN"},
		{[]any{"modes.echo", math.Inf(-1)}, "-Infinity"},
		{[]any{"modes.echo", []any{"\x00inf\x00", "ñ", 1e300}}, `["\u0000inf\u0000", "\u00f1", 1e+300]`},
	}
	runModes(t, rqlite.JSON, func(t *testing.T, q *rqlite.Queue) []*rqlite.Job {
		var jobs []*rqlite.Job
		for _, c := range jsonCases {
			j, err := q.Enqueue(context.Background(), c.call[0], c.call[1:]...)
			must(t, err)
			jobs = append(jobs, j)
		}
		return jobs
	}, func(t *testing.T, b *bundle, jobs []*rqlite.Job) {
		for i, j := range jobs {
			if got := string(storedResult(t, b, j.ID)); got != jsonCases[i].want {
				t.Errorf("%v: stored %s, want %s", jsonCases[i].call, got, jsonCases[i].want)
			}
		}
	})
}

// Finding 1, pickle: bytes stay bytes.
func TestModesPickleBytes(t *testing.T) {
	want, err := rqlite.Pickle.Marshal([]byte{0, 0x80, 0xff})
	must(t, err)
	runModes(t, rqlite.Pickle, func(t *testing.T, q *rqlite.Queue) []*rqlite.Job {
		j, err := q.Enqueue(context.Background(), "modes.bytes", []byte{0, 0x80})
		must(t, err)
		return []*rqlite.Job{j}
	}, func(t *testing.T, b *bundle, jobs []*rqlite.Job) {
		if got := storedResult(t, b, jobs[0].ID); !bytes.Equal(got, want) {
			t.Errorf("stored %q, want %q", got, want)
		}
	})
}

// Finding 1, meta: a task that saves meta keeps the producer's values as
// they were, and its success callback sees the meta it saved.
func TestModesMetaBitExact(t *testing.T) {
	runModes(t, rqlite.JSON, func(t *testing.T, q *rqlite.Queue) []*rqlite.Job {
		j, err := q.EnqueueCall(context.Background(), "modes.save_meta", &rqlite.EnqueueOptions{OnSuccess: "modes.on_success_meta",
			Meta: map[string]any{"user_id": int64(9007199254740993), "n": int64(5), "x": negZeroValue()}})
		must(t, err)
		return []*rqlite.Job{j}
	}, func(t *testing.T, b *bundle, jobs []*rqlite.Job) {
		got := b.rdb.HGet(b.ctx, keys.Job(jobs[0].ID), "meta").Val()
		if want := `{"n": 5, "seen": true, "user_id": 9007199254740993, "x": -0.0}`; got != want {
			t.Errorf("meta %s, want %s", got, want)
		}
		// The callback's job has the meta the task saved, in both modes.
		if got := takeNotes(); len(got) != 1 || got[0] != "on_success_meta true" {
			t.Errorf("the callback saw %q, want the meta the task saved", got)
		}
	})
}

func negZeroValue() float64 { return math.Copysign(0, -1) }

// Finding 3: callbacks run before the outcome is recorded, as in RQ: the
// success callback reads the job still started; a success callback that
// fails fails the job, runs the failure callback with its error and keeps
// the dependents waiting; a failure callback that fails replaces the
// job's exc_info.
func TestModesCallbacksBeforeOutcome(t *testing.T) {
	runModes(t, rqlite.JSON, func(t *testing.T, q *rqlite.Queue) []*rqlite.Job {
		ctx := context.Background()
		ok, err := q.EnqueueCall(ctx, "modes.echo", &rqlite.EnqueueOptions{Args: []any{"hola"}, OnSuccess: "modes.on_success"})
		must(t, err)
		bad, err := q.EnqueueCall(ctx, "modes.echo", &rqlite.EnqueueOptions{Args: []any{"hola"},
			OnSuccess: "modes.on_success_fails", OnFailure: "modes.on_failure"})
		must(t, err)
		dep, err := q.EnqueueCall(ctx, "modes.echo", &rqlite.EnqueueOptions{Args: []any{"después"}, DependsOn: []string{bad.ID}})
		must(t, err)
		fail, err := q.EnqueueCall(ctx, "modes.fail", &rqlite.EnqueueOptions{OnFailure: "modes.on_failure"})
		must(t, err)
		failFail, err := q.EnqueueCall(ctx, "modes.fail", &rqlite.EnqueueOptions{OnFailure: "modes.on_failure_fails"})
		must(t, err)
		return []*rqlite.Job{ok, bad, dep, fail, failFail}
	}, func(t *testing.T, b *bundle, jobs []*rqlite.Job) {
		ok, bad, dep, fail, failFail := jobs[0], jobs[1], jobs[2], jobs[3], jobs[4]
		want := []string{
			fmt.Sprintf("on_success %s hola: status started <nil>", ok.ID),
			fmt.Sprintf("on_success_fails %s", bad.ID),
			fmt.Sprintf("on_failure %s: el aviso falla: status started <nil>", bad.ID),
			fmt.Sprintf("on_failure %s: la tarea falla: status started <nil>", fail.ID),
		}
		if got := takeNotes(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("callbacks saw:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, c := range []struct {
			job    *rqlite.Job
			status rqlite.Status
			exc    string
		}{
			{ok, rqlite.StatusFinished, ""},
			{bad, rqlite.StatusFailed, "on_success callback modes.on_success_fails failed:\nError: el aviso falla"},
			{dep, rqlite.StatusDeferred, ""},
			{fail, rqlite.StatusFailed, "modes.fail() failed:\nError: la tarea falla"},
			{failFail, rqlite.StatusFailed, "on_failure callback modes.on_failure_fails failed:\nError: el aviso de fallo falla"},
		} {
			st, err := c.job.GetStatus(b.ctx)
			must(t, err)
			exc, _ := c.job.ExcInfo(b.ctx)
			if st != c.status || exc != c.exc {
				t.Errorf("job %s (%s): status %s, exc_info %q; want %s, %q", c.job.ID, c.job.FuncName, st, exc, c.status, c.exc)
			}
		}
	})
}

// Finding 5: a task that gives back context.Cause(ctx) at its timeout
// times out, in RQ's words, in both modes.
func TestModesTimeoutByCause(t *testing.T) {
	runModes(t, rqlite.JSON, func(t *testing.T, q *rqlite.Queue) []*rqlite.Job {
		j, err := q.EnqueueCall(context.Background(), "modes.cause", &rqlite.EnqueueOptions{JobTimeout: 1e9, OnFailure: "modes.on_failure"})
		must(t, err)
		return []*rqlite.Job{j}
	}, func(t *testing.T, b *bundle, jobs []*rqlite.Job) {
		exc, err := jobs[0].ExcInfo(b.ctx)
		must(t, err)
		if want := "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)"; exc != want {
			t.Errorf("exc_info %q, want %q", exc, want)
		}
		if got := takeNotes(); len(got) != 1 || !strings.HasPrefix(got[0], "on_failure "+jobs[0].ID) {
			t.Errorf("callbacks saw %q, want the failure callback once", got)
		}
	})
}
