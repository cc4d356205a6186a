package rqlite_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Middleware wraps each task call: here it times each job, as a program
// would for its metrics or traces. It is added to the registry at
// start-up, so that an isolated worker's horses, which run the calls, have
// it too.
func ExampleTaskRegistry_Use() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	tasks := rqlite.NewTaskRegistry()
	if err := tasks.Register("example.divide", exampleDivide, "a", "b"); err != nil {
		fmt.Println(err)
		return
	}
	tasks.Use(func(next rqlite.TaskCall) rqlite.TaskCall {
		return func(ctx context.Context, job *rqlite.Job) (any, error) {
			start := time.Now()
			v, err := next(ctx, job)
			took := time.Since(start) // a real program would record it
			fmt.Printf("%s %s: %v, %v (timed: %v)\n", job.ID, job.FuncName, v, err, took >= 0)
			return v, err
		}
	})
	q := rqlite.NewQueue("default", rdb, &rqlite.QueueOptions{Tasks: tasks, NewID: exampleIDs()})
	for _, b := range []float64{4, 0} {
		if _, err := q.Enqueue(ctx, "example.divide", 10, b); err != nil {
			fmt.Println(err)
			return
		}
	}
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{Name: "example", Burst: true, Tasks: tasks,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
	if err == nil {
		err = w.Work(ctx)
	}
	fmt.Println(err)
	// Output:
	// job-1 example.divide: 2.5, <nil> (timed: true)
	// job-2 example.divide: 0, division by zero (timed: true)
	// <nil>
}

// Exception handlers are told of each job whose function fails, in order,
// before the failure is recorded; one that returns false stops the chain.
func ExampleWorkerOptions_exceptionHandlers() {
	ctx := context.Background()
	rdb, release := exampleRedis()
	defer release()
	q := exampleQueue(rdb)
	if _, err := q.Enqueue(ctx, exampleDivide, 1, 0); err != nil {
		fmt.Println(err)
		return
	}
	report := func(ctx context.Context, job *rqlite.Job, err error) bool {
		status, _ := job.GetStatus(ctx)
		fmt.Printf("report: %s (%s) failed: %v\n", job.ID, status, err)
		return false // the handlers after this one are not called
	}
	never := func(context.Context, *rqlite.Job, error) bool {
		fmt.Println("never called")
		return true
	}
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{Name: "example", Burst: true,
		Logger:            &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		ExceptionHandlers: []rqlite.ExceptionHandler{report, never}})
	if err == nil {
		err = w.Work(ctx)
	}
	fmt.Println(err)
	// Output:
	// report: job-1 (started) failed: division by zero
	// <nil>
}
