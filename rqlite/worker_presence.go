package rqlite

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// A worker's presence in Redis: its hash and its place in the worker sets
// from birth to death, the heartbeats of the job it runs, its shutdown
// request, and the registry maintenance it takes turns at with the other
// workers of its queues. (The heartbeats of an idle worker go with its
// idle turns: see fetcher.idleTurn.)

// registerBirth writes the worker hash and adds the worker to the worker
// sets, as RQ's register_birth.
func (w *Worker) registerBirth(ctx context.Context) error {
	key := w.Key()
	vals, err := w.c.rdb.HMGet(ctx, key, "birth", "death", "hostname", "pid", "last_heartbeat").Result()
	if err != nil {
		return fmt.Errorf("rqlite: register worker %s: %w", w.name, err)
	}
	host, _ := os.Hostname()
	if vals[0] != nil && vals[1] == nil {
		gone := w.predecessorGone(host, vals[2:])
		if gone == "" {
			return fmt.Errorf("rqlite: there exists an active worker named %q already", w.name)
		}
		w.log.Warnf("Worker %s: taking over the name of a worker that is gone (%s)", key, gone)
	}
	now := wire.FormatTime(w.c.now())
	_, err = w.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "birth", now, "last_heartbeat", now, "queues", strings.Join(w.queues, ","),
			"pid", os.Getpid(), "hostname", host, "ip_address", w.clientAddress(ctx),
			"version", Version, "python_version", runtime.Version())
		p.SAdd(ctx, keys.Workers, key)
		for _, q := range w.queues {
			p.SAdd(ctx, keys.QueueWorkers(q), key)
		}
		p.Expire(ctx, key, w.opts.WorkerTTL+60*time.Second)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: register worker %s: %w", w.name, err)
	}
	return nil
}

// predecessorGone tells why a registered worker of this name, with the
// given hostname, pid and last_heartbeat, is gone and its name free (a
// worker killed with -9, or by the OOM killer, leaves its hash behind):
// it ran on this host in a process that no longer exists, or in this very
// process (a container restarted with the same pid), or its last
// heartbeat is older than its TTL. It returns "" for a worker that may be
// alive.
func (w *Worker) predecessorGone(host string, fields []any) string {
	h, _ := fields[0].(string)
	pidText, _ := fields[1].(string)
	pid, err := strconv.Atoi(pidText)
	switch {
	case err != nil || h != host:
	case pid == os.Getpid():
		return fmt.Sprintf("it had this process's pid, %d, on this host", pid)
	case !processAlive(pid):
		return fmt.Sprintf("its process %d on this host has ended", pid)
	}
	beat, _ := fields[2].(string)
	if t, err := wire.ParseTime(beat); err == nil && !t.IsZero() && w.c.now().Sub(t) > w.opts.WorkerTTL+60*time.Second {
		return "its last heartbeat was at " + beat
	}
	return ""
}

// clientAddress is the address of the worker's Redis connection, as RQ
// records it, or "unknown" when the server cannot tell.
func (w *Worker) clientAddress(ctx context.Context) string {
	info, err := w.c.rdb.Do(ctx, "CLIENT", "INFO").Text()
	if err != nil {
		return "unknown"
	}
	for _, f := range strings.Fields(info) {
		if addr, ok := strings.CutPrefix(f, "addr="); ok {
			return addr
		}
	}
	return "unknown"
}

// registerDeath removes the worker from the worker sets and leaves its hash
// to expire, as RQ's register_death.
func (w *Worker) registerDeath(ctx context.Context) error {
	key := w.Key()
	_, err := w.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, keys.Workers, key)
		for _, q := range w.queues {
			p.SRem(ctx, keys.QueueWorkers(q), key)
		}
		p.HSet(ctx, key, "death", wire.FormatTime(w.c.now()))
		p.Expire(ctx, key, 60*time.Second)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rqlite: deregister worker %s: %w", w.name, err)
	}
	return nil
}

func (w *Worker) markShutdownRequested(ctx context.Context) {
	w.c.rdb.HSet(ctx, w.Key(), "shutdown_requested_date", wire.FormatTime(w.c.now()))
}

// heartbeat keeps the running job in the started registry for ttl, and the
// worker alive, as RQ's job.heartbeat and maintain_heartbeats.
func (w *Worker) heartbeat(ctx context.Context, d *dequeued, ttl, elapsed time.Duration) {
	now := w.c.now()
	err := scripts.RunHeartbeat(ctx, w.c.rdb, scripts.HeartbeatArgs{
		Worker: w.Key(), Job: keys.Job(d.id), StartedRegistry: keys.Started(d.queue),
		JobID: d.id, NowTimestamp: wire.FormatTime(now), StartedScore: wire.Epoch(now) + int64(ttl/time.Second),
		TTL: int64(ttl / time.Second), JobSeconds: strconv.FormatFloat(elapsed.Seconds(), 'f', 6, 64),
		StartedMember: d.member(), ExecutionID: d.execID, NowMicroseconds: epochFloat(now), QueueName: d.queue})
	if err != nil {
		w.log.Errorf("Heartbeat of job %s: %v", d.id, err)
	}
}

// maintainIfDue cleans the registries when MaintenanceInterval has passed
// since the last time (see maintain).
func (w *Worker) maintainIfDue(ctx context.Context) {
	if now := w.c.now(); w.lastMaintenance.IsZero() || now.Sub(w.lastMaintenance) >= w.opts.MaintenanceInterval {
		w.maintain(ctx)
		w.lastMaintenance = now
	}
}

// maintain cleans the registries of the worker's queues, as RQ's
// clean_registries, under each queue's maintenance lock, and in RQ 2.x's
// layout the groups. RQ 1.13 leaves
// the lock to expire, so that no worker cleans a queue again for 899 s;
// RQ 2.x releases it when done, and so does a worker in its layout.
func (w *Worker) maintain(ctx context.Context) {
	for _, q := range w.queues {
		ok, err := w.c.rdb.SetNX(ctx, keys.CleaningLock(q), 1, 899*time.Second).Result()
		if err != nil || !ok {
			continue
		}
		w.log.Infof("Cleaning registries for queue: %s", q)
		callbacks, err := cleanRegistries(ctx, w.c, q, w.opts.RQ2)
		if err != nil {
			w.log.Errorf("Cleaning registries for queue %s: %v", q, err)
		}
		w.abandonedCallbacks(ctx, callbacks)
		if w.opts.RQ2 {
			w.c.rdb.Del(ctx, keys.CleaningLock(q))
		}
	}
	if w.opts.RQ2 {
		// RQ 2.x's run_maintenance_tasks also cleans every group.
		if err := CleanGroups(ctx, w.c.rdb); err != nil {
			w.log.Errorf("Cleaning groups: %v", err)
		}
	}
}
