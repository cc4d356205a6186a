package rqlite_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The benchmarks of the hot paths: go test -run XXX -bench . ./rqlite
// (bench/ measures the same against asynq and Python RQ).

// benchTasks holds the no-op task of the benchmarks, apart from the tasks
// that the tests register in DefaultTasks.
func benchTasks(b *testing.B) *rqlite.TaskRegistry {
	tasks := rqlite.NewTaskRegistry()
	if err := tasks.Register("bench.noop", func(i int) {}, "i"); err != nil {
		b.Fatal(err)
	}
	return tasks
}

func benchQueue(b *testing.B) (*rqlite.Queue, *redis.Client, *rqlite.TaskRegistry) {
	rdb := rqtest.New(b)
	tasks := benchTasks(b)
	return rqlite.NewQueue("bench", rdb, &rqlite.QueueOptions{Tasks: tasks}), rdb, tasks
}

// BenchmarkEnqueue is one Enqueue call of a no-op job.
func BenchmarkEnqueue(b *testing.B) {
	q, _, _ := benchQueue(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := q.Enqueue(ctx, "bench.noop", i); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkEnqueueParallel16 is Enqueue called from 16 goroutines at once
// (a web service's handlers), each with its own no-op jobs: concurrent
// calls share round trips. An op is one job; round-trips/op counts the
// pipelines sent.
func BenchmarkEnqueueParallel16(b *testing.B) {
	q, rdb, _ := benchQueue(b)
	ctx := context.Background()
	trips := &pipelineCounter{}
	rdb.AddHook(trips)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if _, err := q.Enqueue(ctx, "bench.noop", i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(float64(trips.n.Load())/float64(b.N), "round-trips/op")
}

// A pipelineCounter is a go-redis hook that counts pipelines.
type pipelineCounter struct{ n atomic.Int64 }

func (h *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// noopCalls are n calls of the no-op task for EnqueueMany.
func noopCalls(n int) []rqlite.Call {
	calls := make([]rqlite.Call, n)
	for i := range calls {
		calls[i] = rqlite.Call{Func: "bench.noop", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{i}}}
	}
	return calls
}

// BenchmarkEnqueueMany1000 enqueues b.N no-op jobs with EnqueueMany calls
// of 1,000 jobs (the last one may be shorter): an op is one job, so that
// ns/op compares with BenchmarkEnqueue.
func BenchmarkEnqueueMany1000(b *testing.B) {
	q, rdb, _ := benchQueue(b)
	ctx := context.Background()
	calls := noopCalls(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for start := 0; start < b.N; start += len(calls) {
		if start > 0 && start%100_000 == 0 { // keep Redis's memory bounded
			b.StopTimer()
			if err := rdb.FlushDB(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := q.EnqueueMany(ctx, calls[:min(len(calls), b.N-start)]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkWorkerDequeueFinish is a burst worker draining b.N queued no-op
// jobs: dequeue, run and finish, per job. Only the draining is timed.
func BenchmarkWorkerDequeueFinish(b *testing.B) {
	benchDrain(b, oneWorker)
}

// oneWorker makes the Worker of BenchmarkWorkerDequeueFinish.
func oneWorker(rdb *redis.Client, queue string, opts *rqlite.WorkerOptions) (worker, error) {
	return rqlite.NewWorker(rdb, []string{queue}, opts)
}

// BenchmarkWorkerIsolated is BenchmarkWorkerDequeueFinish with each job run
// in a work horse (this test binary, which has the no-op task in
// DefaultTasks).
func BenchmarkWorkerIsolated(b *testing.B) {
	benchDrain(b, func(rdb *redis.Client, queue string, opts *rqlite.WorkerOptions) (worker, error) {
		opts.Isolated = true
		return rqlite.NewWorker(rdb, []string{queue}, opts)
	})
}

func init() {
	rqlite.Register("bench.noop", func(i int) {}, "i") // for the work horses
}

// BenchmarkWorkerPool10 is a burst pool of ten workers draining b.N
// queued no-op jobs. Only the draining is timed.
func BenchmarkWorkerPool10(b *testing.B) {
	benchDrain(b, func(rdb *redis.Client, queue string, opts *rqlite.WorkerOptions) (worker, error) {
		return rqlite.NewWorkerPool(rdb, []string{queue}, 10, opts)
	})
}

// worker is a Worker or a WorkerPool.
type worker interface{ Work(context.Context) error }

// benchDrain times what newWorkers makes (a burst worker or pool)
// draining b.N queued no-op jobs, and checks that they all finished.
func benchDrain(b *testing.B, newWorkers func(*redis.Client, string, *rqlite.WorkerOptions) (worker, error)) {
	q, rdb, tasks := benchQueue(b)
	benchDrainQueue(b, q, rdb, tasks, newWorkers)
}

// benchDrainQueue is benchDrain with the queue given.
func benchDrainQueue(b *testing.B, q *rqlite.Queue, rdb *redis.Client, tasks *rqlite.TaskRegistry,
	newWorkers func(*redis.Client, string, *rqlite.WorkerOptions) (worker, error)) {
	ctx := context.Background()
	for start := 0; start < b.N; start += 1000 {
		if _, err := q.EnqueueMany(ctx, noopCalls(min(1000, b.N-start))); err != nil {
			b.Fatal(err)
		}
	}
	w, err := newWorkers(rdb, q.Name, &rqlite.WorkerOptions{Burst: true, Tasks: tasks,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard, Level: rqlite.LevelWarning}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Work(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if n, err := q.Registry(rqlite.Finished).Count(ctx); err != nil || n != int64(b.N) {
		b.Fatalf("%d jobs finished (%v), want %d", n, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkWorkerResultStreams is BenchmarkWorkerDequeueFinish under two
// settings of Redis's stream-node-max-bytes: its default, 4096, with which
// Redis 7 gives each new stream 4 KiB at once, and 512. Each job that
// finishes gets its results stream, rq:results:ID, kept for its
// result_ttl, as RQ's worker writes it; stream-B/job is what one takes in
// Redis (MEMORY USAGE). The setting is the server's, for every stream it
// holds: the benchmark puts back the one it found.
func BenchmarkWorkerResultStreams(b *testing.B) {
	for _, size := range []string{"4096", "512"} {
		b.Run("stream-node-max-bytes="+size, func(b *testing.B) {
			q, rdb, tasks := benchQueue(b)
			ctx := context.Background()
			was, err := rdb.ConfigGet(ctx, "stream-node-max-bytes").Result()
			if err != nil || was["stream-node-max-bytes"] == "" {
				b.Skipf("this Redis does not say its stream-node-max-bytes (%v): it is not a redis-server", err)
			}
			if err := rdb.ConfigSet(ctx, "stream-node-max-bytes", size).Err(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { rdb.ConfigSet(ctx, "stream-node-max-bytes", was["stream-node-max-bytes"]) })
			benchDrainQueue(b, q, rdb, tasks, oneWorker)
			ids, err := q.Registry(rqlite.Finished).JobIDs(ctx, 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			usage := make([]*redis.IntCmd, len(ids))
			if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, id := range ids {
					usage[i] = p.MemoryUsage(ctx, keys.Results(id))
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			var total int64
			for _, u := range usage {
				total += u.Val()
			}
			b.ReportMetric(float64(total)/float64(len(ids)), "stream-B/job")
		})
	}
}

// jobData is a typical job's data: RQ's (func_name, instance, args,
// kwargs) tuple.
var jobData = []any{"tareas.enviar_correo", nil,
	[]any{int64(42), "ana@example.com", 3.5, true},
	map[string]any{"asunto": "Hola", "reintentos": int64(3), "etiquetas": []any{"a", "b"}}}

func benchSerializer(b *testing.B, s rqlite.Serializer) {
	b.ReportAllocs()
	for b.Loop() {
		data, err := s.Marshal(jobData)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSerializerJSON encodes and decodes a job's data with JSON.
func BenchmarkSerializerJSON(b *testing.B) { benchSerializer(b, rqlite.JSON) }

// BenchmarkSerializerPickle encodes and decodes a job's data with pickle.
func BenchmarkSerializerPickle(b *testing.B) { benchSerializer(b, rqlite.Pickle) }
