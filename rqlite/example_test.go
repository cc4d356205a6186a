package rqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The tasks of the examples are registered in DefaultTasks at start-up, as
// a program registers its own in an init function or at the top of main.
// That is also what an isolated worker needs: its work horses are this
// test binary started again (see TestMain in isolation_test.go), and they
// know only the tasks that start-up registers.
func init() {
	rqlite.Register("example.add", exampleAdd, "a", "b")
	rqlite.Register("example.greet", exampleGreet, "name", "greeting")
	rqlite.Register("example.divide", exampleDivide, "a", "b")
	rqlite.Register("example.report", exampleReport)
	rqlite.Register("example.alert", exampleAlert)
	rqlite.Register("example.pid", os.Getpid)
	rqlite.Register("example.crash", func(code int) { os.Exit(code) }, "code")
}

// exampleAdd is the task of most examples.
func exampleAdd(a, b int) int { return a + b }

// exampleGreet takes keyword arguments: greeting has a name, so a job may
// pass it as rqlite.Kwargs{"greeting": "Hello"}.
func exampleGreet(name, greeting string) string { return greeting + ", " + name + "!" }

// exampleDivide fails when b is zero.
func exampleDivide(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}

// exampleReport is an on_success callback: it gets the job and its result.
func exampleReport(job *rqlite.Job, result any) {
	fmt.Printf("on_success: %s returned %v\n", job.Description, result)
}

// exampleAlert is an on_failure callback: it gets the job and its error.
func exampleAlert(job *rqlite.Job, err error) {
	fmt.Printf("on_failure: %s failed: %v\n", job.Description, err)
}

// exampleTB is the testing.TB that rqtest wants, for examples, which have
// none. It implements only what rqtest calls; the embedded nil interface
// stands in for the rest and would panic if called.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (tb *exampleTB) Helper()          {}
func (tb *exampleTB) Cleanup(f func()) { tb.cleanups = append(tb.cleanups, f) }

func (tb *exampleTB) Fatal(args ...any) { panic("rqtest: " + fmt.Sprint(args...)) }

func (tb *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (tb *exampleTB) Skip(args ...any) { panic("rqtest: skip: " + fmt.Sprint(args...)) }

// Errorf writes to standard output, so that the example's output no longer
// matches and the example fails.
func (tb *exampleTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// exampleRedis leases an empty database of the test Redis from rqtest, as
// rqtest.New does for a test. The returned function gives it back
// (flushed); an example defers it.
func exampleRedis() (*redis.Client, func()) {
	tb := &exampleTB{}
	rdb := rqtest.New(tb)
	return rdb, func() {
		for i := len(tb.cleanups) - 1; i >= 0; i-- {
			tb.cleanups[i]()
		}
	}
}

// exampleIDs makes the job IDs job-1, job-2... so that the output of an
// example is the same on every run; real programs keep the random UUIDs.
func exampleIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("job-%d", n)
	}
}

// exampleQueue is the queue "default" with job IDs from exampleIDs.
func exampleQueue(rdb *redis.Client) *rqlite.Queue {
	return rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{NewID: exampleIDs()})
}

// exampleBurst runs a burst worker named "example" that writes no log, and
// reports the end of each job on standard output.
func exampleBurst(ctx context.Context, rdb *redis.Client, isolated bool) {
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{
		Name:     "example",
		Burst:    true,
		Isolated: isolated,
		Logger:   &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		JobDone: func(id string, status rqlite.Status) {
			fmt.Println("worker:", id, status)
		},
	})
	if err == nil {
		err = w.Work(ctx)
	}
	if err != nil {
		fmt.Println(err)
	}
}

// A program puts a call of a registered function in a queue; a worker,
// usually another process, runs it and stores its result in Redis, where
// the program finds it. The job is stored as Python RQ stores it, so the
// producer could as well be a Python program.
func Example() {
	ctx := context.Background()
	// In a program: rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL")),
	// and rqlite.Register("example.add", exampleAdd, "a", "b") at start-up.
	rdb, release := exampleRedis()
	defer release()

	q := rqlite.NewQueue("default", rdb, nil)
	job, err := q.Enqueue(ctx, exampleAdd, 2, 3) // or q.Enqueue(ctx, "example.add", 2, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.Description, job.Status)

	// In the worker program: the same Register calls, then this.
	w, err := rqlite.NewWorker(rdb, []string{"default"}, &rqlite.WorkerOptions{
		Burst:  true, // return when the queue is empty
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Work(ctx); err != nil {
		fmt.Println(err)
		return
	}

	v, err := job.ReturnValue(ctx)
	fmt.Println(v, err)
	// Output:
	// example.add(2, 3) queued
	// 5 <nil>
}

// Enqueue takes the task's arguments after the function; a Kwargs at the
// end passes keyword arguments by the names given to Register, as a Python
// caller would. The job waits in Redis until a worker takes it.
func ExampleQueue_Enqueue() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)

	job, err := q.Enqueue(ctx, "example.greet", "Ada", rqlite.Kwargs{"greeting": "Hello"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.ID, job.Status)
	fmt.Println(job.Description)
	n, err := q.Count(ctx)
	fmt.Println(n, err)

	_, err = q.Enqueue(ctx, "example.nope")
	fmt.Println(err)
	// Output:
	// job-1 queued
	// example.greet('Ada', greeting='Hello')
	// 1 <nil>
	// rqlite: unknown function "example.nope": no task is registered under that name
}

// EnqueueCall takes RQ's job options: here a timeout, a result TTL, a
// chosen ID and some meta.
func ExampleQueue_EnqueueCall() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := rqlite.NewQueue("default", rdb, nil)

	job, err := q.EnqueueCall(ctx, "example.add", &rqlite.EnqueueOptions{
		Args:       []any{2},
		Kwargs:     map[string]any{"b": 40},
		JobTimeout: 30 * time.Second,
		ResultTTL:  time.Hour,
		JobID:      "answer",
		Meta:       map[string]any{"asked_by": "example"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.ID, job.Description, job.Timeout, job.ResultTTL, job.Meta["asked_by"])
	// Output:
	// answer example.add(2, b=40) 30s 1h0m0s example
}

// A burst worker runs the jobs of its queues, in order, and returns when
// they are empty. Its log, written as RQ's worker writes it, is discarded
// here; JobDone reports each job instead.
func ExampleWorker_Work() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	for _, b := range []float64{4, 0} {
		if _, err := q.Enqueue(ctx, exampleDivide, 10, b); err != nil {
			fmt.Println(err)
			return
		}
	}

	w, err := rqlite.NewWorker(rdb, []string{"default"}, &rqlite.WorkerOptions{
		Name:   "example",
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		JobDone: func(id string, status rqlite.Status) {
			fmt.Println(id, status)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Name(), w.Work(ctx))
	// Output:
	// job-1 finished
	// job-2 failed
	// example <nil>
}

// The worker's log has the lines of RQ's worker. A fixed clock makes it
// the same on every run; a real worker leaves Logger.Now unset.
func ExampleLogger() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	if _, err := exampleQueue(rdb).Enqueue(ctx, "example.add", 1, 1); err != nil {
		fmt.Println(err)
		return
	}

	var log strings.Builder
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{
		Name:  "example",
		Burst: true,
		Logger: &rqlite.Logger{Out: &log, Err: &log, Now: func() time.Time {
			return time.Date(2026, 1, 1, 15, 9, 0, 0, time.Local)
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Work(ctx); err != nil {
		fmt.Println(err)
	}
	// The first line names the version, which changes from release to release.
	fmt.Print(strings.Replace(log.String(), rqlite.Version, "X.Y.Z", 1))
	// Output:
	// 15:09:00 Worker rq:worker:example: started, version X.Y.Z
	// 15:09:00 Subscribing to channel rq:pubsub:example
	// 15:09:00 *** Listening on default...
	// 15:09:00 Cleaning registries for queue: default
	// 15:09:00 default: example.add(1, 1) (job-1)
	// 15:09:00 default: Job OK (job-1)
	// 15:09:00 Result is kept for 500 seconds
	// 15:09:00 Worker rq:worker:example: done, quitting
	// 15:09:00 Unsubscribing from channel rq:pubsub:example
}

// EnqueueMany writes many jobs in one round trip: all of them or none.
func ExampleQueue_EnqueueMany() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)

	var calls []rqlite.Call
	for i := 1; i <= 3; i++ {
		calls = append(calls, rqlite.Call{
			Func:           "example.add",
			EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i, i * 10}},
		})
	}
	jobs, err := q.EnqueueMany(ctx, calls)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, job := range jobs {
		fmt.Println(job.ID, job.Description)
	}
	ids, err := q.JobIDs(ctx, 0, -1)
	fmt.Println(ids, err)
	// Output:
	// job-1 example.add(1, 10)
	// job-2 example.add(2, 20)
	// job-3 example.add(3, 30)
	// [job-1 job-2 job-3] <nil>
}

// Another process, knowing only a job's ID, fetches the job and its result:
// rq:job:ID is all it needs, whoever enqueued or ran the job.
func ExampleFetchJob() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	if _, err := q.Enqueue(ctx, exampleAdd, 20, 22); err != nil {
		fmt.Println(err)
		return
	}
	exampleBurst(ctx, rdb, false)

	job, err := rqlite.FetchJob(ctx, rdb, "job-1", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.Description, job.Status, job.WorkerName)
	res, err := job.LatestResult(ctx)
	if err != nil || res == nil {
		fmt.Println("no result:", err)
		return
	}
	var sum int
	fmt.Println(res.Decode(&sum), sum)

	_, err = rqlite.FetchJob(ctx, rdb, "job-2", nil)
	fmt.Println(errors.Is(err, rqlite.ErrNoSuchJob))
	// Output:
	// worker: job-1 finished
	// example.add(20, 22) finished example
	// <nil> 42
	// true
}

// WaitResult blocks until a worker has run the job, instead of polling.
// Here the worker runs in a goroutine of the same program.
func ExampleJob_WaitResult() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	job, err := exampleQueue(rdb).Enqueue(ctx, exampleDivide, 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{
		Burst:  true,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- w.Work(ctx) }()

	res, err := job.WaitResult(ctx, 10*time.Second)
	if err != nil || res == nil {
		fmt.Println("no result:", err)
	} else {
		fmt.Println(res.Type == rqlite.ResultFailed)
		fmt.Println(res.ExcString)
	}
	fmt.Println("worker:", <-done)
	// Output:
	// true
	// example.divide(1, 0) failed:
	// Error: division by zero
	// worker: <nil>
}

// OnSuccess and OnFailure name registered tasks that the worker calls when
// the job ends, before it records the outcome, as RQ does: the first gets
// the job and its result, the second the job and its error. A success
// callback that fails makes the job fail; a failure callback that fails
// puts its own error in the job's exc_info.
func ExampleEnqueueOptions_callbacks() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	for _, b := range []float64{4, 0} {
		_, err := q.EnqueueCall(ctx, exampleDivide, &rqlite.EnqueueOptions{
			Args:      []any{10, b},
			OnSuccess: "example.report",
			OnFailure: exampleAlert, // the function or its name
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	exampleBurst(ctx, rdb, false)
	// Output:
	// on_success: example.divide(10, 4.0) returned 2.5
	// worker: job-1 finished
	// on_failure: example.divide(10, 0.0) failed: division by zero
	// worker: job-2 failed
}

// An isolated worker runs each job in a work horse, a child process, as
// RQ's forking worker does: a job that ends its process (or ignores its
// timeout, or crashes) fails, and the worker goes on with the next job.
//
// The horse is the worker's own program started again, so it must know the
// tasks from start-up (Register in init or at the top of main), and a
// program that does other work before Worker.Work calls
// rqlite.ServeHorseIfChild first in main; a test binary, in TestMain.
func ExampleWorkerOptions_isolated() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	crash, err := q.Enqueue(ctx, "example.crash", 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	pid, err := q.Enqueue(ctx, "example.pid")
	if err != nil {
		fmt.Println(err)
		return
	}
	exampleBurst(ctx, rdb, true)

	exc, err := crash.ExcInfo(ctx)
	fmt.Printf("%q %v\n", exc, err)
	var horse int
	if res, err := pid.LatestResult(ctx); err == nil && res != nil {
		err = res.Decode(&horse)
		fmt.Println("ran in another process:", err == nil && horse != os.Getpid())
	}
	// Output:
	// worker: job-1 failed
	// worker: job-2 finished
	// "Work-horse terminated unexpectedly; waitpid returned 768; " <nil>
	// ran in another process: true
}

// A synchronous queue runs each job at once, in the caller, as RQ's
// Queue(is_async=False): for tests and scripts. Redis ends up as if a
// worker had run it.
func ExampleQueueOptions_synchronous() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{Synchronous: true})

	job, err := q.Enqueue(ctx, exampleGreet, "Grace", "Hi")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := job.ReturnValue(ctx)
	fmt.Println(job.Status, v, err)
	// Output:
	// finished Hi, Grace! <nil>
}

// A job's place in its queue tells how many jobs a worker takes before it;
// deleting the queue deletes the jobs still waiting in it, as RQ's
// q.delete(delete_jobs=True) does.
func ExampleJob_GetPosition() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	var jobs []*rqlite.Job
	for i := range 3 {
		job, err := q.Enqueue(ctx, exampleAdd, i, i)
		if err != nil {
			fmt.Println(err)
			return
		}
		jobs = append(jobs, job)
	}
	pos, found, err := jobs[2].GetPosition(ctx)
	fmt.Println(jobs[2].ID, pos, found, err)

	if err := q.Delete(ctx, true); err != nil {
		fmt.Println(err)
		return
	}
	_, found, err = jobs[2].GetPosition(ctx)
	fmt.Println(jobs[2].ID, found, err)
	_, err = rqlite.FetchJob(ctx, rdb, jobs[2].ID, nil)
	fmt.Println(errors.Is(err, rqlite.ErrNoSuchJob))
	queues, err := rqlite.AllQueues(ctx, rdb)
	fmt.Println(queues, err)
	// Output:
	// job-3 2 true <nil>
	// job-3 false <nil>
	// true
	// [] <nil>
}
