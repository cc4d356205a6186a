package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// asynqVersion is the version of asynq built into this program.
func asynqVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/hibiken/asynq" {
				return d.Version
			}
		}
	}
	return "?"
}

// asynqOpt is the Redis of the URL, as asynq takes it.
func asynqOpt(o *redis.Options) asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password,
		DB: o.DB, TLSConfig: o.TLSConfig}
}

func noopTask(i int) *asynq.Task { return asynq.NewTask("noop", []byte(strconv.Itoa(i))) }

// asynqEnqueue enqueues N no-op tasks one call at a time, as the peers'
// harness does.
func (e *env) asynqEnqueue() (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	cl := asynq.NewClient(asynqOpt(e.opts))
	defer cl.Close()
	t0 := time.Now()
	for i := range e.cfg.n {
		if _, err := cl.Enqueue(noopTask(i), asynq.Queue(benchQueue)); err != nil {
			return 0, err
		}
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.asynqExpectPending(e.cfg.n)
}

func (e *env) asynqExpectPending(n int) error {
	in := asynq.NewInspector(asynqOpt(e.opts))
	defer in.Close()
	qi, err := in.GetQueueInfo(benchQueue)
	if err != nil {
		return err
	}
	if qi.Pending != n {
		return fmt.Errorf("asynq: %d tasks pending, want %d", qi.Pending, n)
	}
	return nil
}

// asynqDrain times an asynq server with the given concurrency draining n
// queued no-op tasks, from its start.
func (e *env) asynqDrain(n, concurrency int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	cl := asynq.NewClient(asynqOpt(e.opts))
	defer cl.Close()
	const callers = 4
	if err := together(callers, func(c int) error {
		for i := c; i < n; i += callers {
			if _, err := cl.Enqueue(noopTask(i), asynq.Queue(benchQueue)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if err := e.asynqExpectPending(n); err != nil {
		return 0, err
	}

	var done atomic.Int64
	finished := make(chan struct{})
	mux := asynq.NewServeMux()
	mux.HandleFunc("noop", func(ctx context.Context, t *asynq.Task) error {
		if done.Add(1) == int64(n) {
			close(finished)
		}
		return nil
	})
	srv := asynq.NewServer(asynqOpt(e.opts), asynq.Config{Concurrency: concurrency,
		Queues: map[string]int{benchQueue: 1}, LogLevel: asynq.WarnLevel})
	t0 := time.Now()
	if err := srv.Start(mux); err != nil {
		return 0, err
	}
	defer srv.Shutdown()
	select {
	case <-finished:
	case <-time.After(10 * time.Minute):
		return 0, fmt.Errorf("asynq: %d of %d tasks done after 10 minutes", done.Load(), n)
	}
	return perSecond(n, time.Since(t0)), nil
}

// asynqRSS is the resident memory of an idle asynq server
// (./cmd/asynqworker).
func (e *env) asynqRSS(concurrency int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	dir, err := e.helpers()
	if err != nil {
		return 0, err
	}
	in := asynq.NewInspector(asynqOpt(e.opts))
	defer in.Close()
	return e.childRSS(filepath.Join(dir, "asynqworker"), []string{"-url", e.cfg.url, "-queue", benchQueue, "-concurrency", strconv.Itoa(concurrency)},
		func() error {
			deadline := time.Now().Add(10 * time.Second)
			for {
				if s, err := in.Servers(); err == nil && len(s) > 0 {
					return nil
				}
				if time.Now().After(deadline) {
					return errors.New("asynq: the server did not register within 10 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
}
