// Package rqlite is a Go port of Python's RQ (Redis Queue): a program puts
// function calls, jobs, in queues kept in Redis, and workers, usually
// other processes, take them from there and run them. It has RQ's queues,
// jobs, registries, results, callbacks, retries, dependencies, scheduled
// jobs and workers, and, in package rqlite/cli, the rq command with RQ's
// subcommands and output. It is unrelated to the rqlite database.
//
// # Compatibility with RQ
//
// rqlite stores everything in Redis exactly as Python RQ 1.13 does, under
// the same keys (rq:queue:NAME, rq:job:ID, rq:finished:NAME...) and in the
// same layout, so Go and Python programs can share queues: a Go program may
// enqueue jobs for Python workers ([External] names their functions), a
// Python program may enqueue jobs for Go workers, and RQ's rq info or
// django-rq's statistics see rqlite's workers and jobs. The RQ2 option of
// [WorkerOptions] and [QueueOptions] adds what RQ 2.x writes, for a Redis
// shared with RQ 2.x.
//
// RQ does not record the serializer in Redis, so both sides of a queue must
// use the same one. rqlite's default is [JSON], RQ's JSONSerializer; [Pickle]
// is RQ's own default, for sharing queues with a Python RQ that keeps its
// default settings.
//
// The one thing Go cannot do as Python does is find a function from the
// dotted path stored in a job. A Go function becomes a task by being
// registered under a stable name, with [Register] (or a [TaskRegistry] of
// one's own): producers and workers register the same tasks, typically in
// the init function of a package that both import.
//
// # The main types
//
//   - [Queue], made by [NewQueue], puts jobs in a queue: [Queue.Enqueue],
//     [Queue.EnqueueCall] with RQ's job options ([EnqueueOptions]: timeout,
//     result TTL, callbacks, dependencies, retries), [Queue.EnqueueMany],
//     [Queue.EnqueueAt] and [Queue.EnqueueIn]. [QueueOptions] choose the
//     serializer, the clock and the job IDs, or make the queue synchronous.
//   - [Job] is a job stored in Redis. [FetchJob] and [Queue.FetchJob] read
//     one by its ID; [Job.GetStatus], [Job.ReturnValue], [Job.LatestResult]
//     and [Job.WaitResult] follow it to its [Result].
//   - [Worker], made by [NewWorker] with [WorkerOptions], runs the jobs of
//     its queues, one at a time: [Worker.Work] until it is stopped or, in
//     burst mode, until the queues are empty; [Worker.Run] adds RQ's handling
//     of SIGINT and SIGTERM. [WorkerPool] runs several workers in one
//     process. With the Isolated option, each job runs in a child process,
//     as in RQ's forking worker (see [ServeHorseIfChild]).
//   - [JobRegistry] is one of a queue's registries (started, finished,
//     failed, deferred, scheduled, canceled), from [Queue.Registry].
//   - [Scheduler] queues scheduled jobs when their time comes.
//   - [Connect] opens a Redis client from a URL such as REDIS_URL;
//     [LoadConfig] reads queues and their Redis from a django-rq style file.
//
// A task is any Go function; it may take a [context.Context] first,
// cancelled when the job times out or is stopped ([StopJob]), and
// [JobFromContext] gives it its job. It returns nothing, a value, an error, or a value and
// an error, and the value becomes the job's result.
//
// # An example
//
// A package shared by the producer and the worker registers the task:
//
//	package tasks
//
//	func Add(a, b int) int { return a + b }
//
//	func init() { rqlite.Register("tasks.add", Add, "a", "b") }
//
// The producer enqueues a call and, if it wants to, waits for its result:
//
//	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
//	if err != nil {
//		return err
//	}
//	q := rqlite.NewQueue("default", rdb, nil)
//	job, err := q.Enqueue(ctx, tasks.Add, 2, 3) // or "tasks.add"
//	if err != nil {
//		return err
//	}
//	res, err := job.WaitResult(ctx, time.Minute) // nil if none came in time
//	if err != nil || res == nil {
//		return err
//	}
//	var sum int
//	err = res.Decode(&sum) // sum == 5
//
// The worker, in another process that imports tasks, runs it:
//
//	w, err := rqlite.NewWorker(rdb, []string{"default"}, nil)
//	if err != nil {
//		return err
//	}
//	return w.Run(ctx) // until SIGINT or SIGTERM
//
// Or the rq command runs it, rq worker default, when it is built with the
// tasks: a main package that imports them and calls cli.Main, as cmd/rq
// does.
//
// The examples of this package run each step against Redis and show its
// output. Package rqlite/rqtest gives tests a Redis database of their own;
// package rqlite/dashboard is a web dashboard for the queues.
package rqlite
