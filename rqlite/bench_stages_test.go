package rqlite

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The stages of a processed no-op job, each timed alone, so that
// allocs/op says what each costs: take (the dequeue script and its reply),
// run (decoding the job, binding and calling the task, classifying the
// outcome) and finish (the finish script, without taking the next job).
// BenchmarkWorkerDequeueFinish times them together, as a worker runs them:
// there the finish script also takes the next job, so that a job costs
// one script call, not the two that Take and Finish make alone.

// stageWorker is a worker of a queue holding n queued no-op jobs.
func stageWorker(b *testing.B, n int) *Worker {
	rdb := rqtest.New(b)
	tasks := NewTaskRegistry()
	if err := tasks.Register("bench.noop", func(i int) {}, "i"); err != nil {
		b.Fatal(err)
	}
	q := NewQueue("stages", rdb, &QueueOptions{Tasks: tasks})
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		calls := make([]Call, min(1000, n-start))
		for i := range calls {
			calls[i] = Call{Func: "bench.noop", EnqueueOptions: EnqueueOptions{Args: []any{start + i}}}
		}
		if _, err := q.EnqueueMany(ctx, calls); err != nil {
			b.Fatal(err)
		}
	}
	w, err := NewWorker(rdb, []string{q.Name}, &WorkerOptions{Tasks: tasks,
		Logger: &Logger{Out: io.Discard, Err: io.Discard, Level: LevelWarning}})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// done is the record of a no-op job's success.
var done = record{status: StatusFinished, ttl: 500, streamTTL: true, rtype: ResultSuccessful,
	field: "return_value", counter: "successful_job_count", elapsed: time.Millisecond}

// cycle takes and finishes n jobs with w, one after the other (a worker
// takes its next job only once it has finished the one it runs), with the
// benchmark's timer running for the takes (take) or for the finishes
// (!take) only, and returns the jobs taken.
func cycle(b *testing.B, w *Worker, n int, take bool) []*dequeued {
	ctx := context.Background()
	out := make([]*dequeued, 0, n)
	b.StopTimer()
	for range n {
		if take {
			b.StartTimer()
		}
		d, err := w.fetch.take(ctx, "", "")
		if take {
			b.StopTimer()
		}
		if err != nil || d == nil {
			b.Fatalf("take: %v, %v", d, err)
		}
		if !take {
			b.StartTimer()
		}
		w.finish(ctx, d, done, time.Time{})
		if !take {
			b.StopTimer()
		}
		out = append(out, d)
	}
	if n, err := NewQueue("stages", w.c.rdb, nil).Registry(Finished).Count(ctx); err != nil || n != int64(len(out)) {
		b.Fatalf("%d jobs finished (%v), want %d", n, err, len(out))
	}
	return out
}

// BenchmarkStageTake is the take of one queued job.
func BenchmarkStageTake(b *testing.B) {
	w := stageWorker(b, b.N)
	b.ReportAllocs()
	cycle(b, w, b.N, true)
}

// BenchmarkStageRun is the run of one taken job, in process.
func BenchmarkStageRun(b *testing.B) {
	w := stageWorker(b, b.N)
	taken := cycle(b, w, b.N, true)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.StartTimer() // cycle stopped it
	for _, d := range taken {
		job := &Job{ID: d.id, c: w.c}
		if err := job.decode(d.hash); err != nil {
			b.Fatal(err)
		}
		if r := runTask(ctx, w.opts.Tasks, job); r.err != nil {
			b.Fatal(r.err)
		}
	}
}

// BenchmarkStageFinish is the recording of one job's success, without
// taking the next.
func BenchmarkStageFinish(b *testing.B) {
	w := stageWorker(b, b.N)
	b.ReportAllocs()
	cycle(b, w, b.N, false)
}
