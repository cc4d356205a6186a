package rqlite

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/scripts"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
	"github.com/redis/go-redis/v9"
)

// WorkerInfo is what a worker registered in Redis says of itself (its hash
// rq:worker:NAME), as RQ's Worker objects read it.
type WorkerInfo struct {
	// Name is the worker's name, its key without rq:worker:.
	Name      string
	Hostname  string
	IPAddress string
	PID       int // 0 if unknown
	// State is busy, idle, started, suspended…; "?" if unknown, as in RQ.
	State string
	// Queues are the names of the queues it listens on, in priority order.
	Queues []string
	// CurrentJob is the ID of the job it runs, if any.
	CurrentJob string
	// Birth and LastHeartbeat are zero if unknown.
	Birth, LastHeartbeat time.Time
	SuccessfulJobs       int
	FailedJobs           int
	// TotalWorkingTime is the seconds spent running jobs.
	TotalWorkingTime float64
	// Unread are the fields of its hash too long to read (see
	// workerLimits), with their lengths: they stay unknown.
	Unread map[string]int64
}

// workerFields are the fields of a worker hash that Workers reads, in the
// order of RQ's Worker.refresh.
var workerFields = []string{
	"queues", "state", "current_job", "last_heartbeat", "birth",
	"failed_job_count", "successful_job_count", "total_working_time",
	"hostname", "ip_address", "pid",
}

// workerLimits bound what Workers reads of each worker hash: a worker on
// ten thousand queues writes a queues field of a few hundred kilobytes, a
// hash from elsewhere may hold anything.
var workerLimits = ViewLimits{MaxField: 8 << 20, MaxRead: 64 << 20}

// Workers returns the workers registered on queue, or every registered
// worker if queue is "", sorted by name: RQ's Worker.all. A registered
// worker whose hash has expired (it died without deregistering) is left out
// and removed from the worker sets, as RQ does. A field longer than 8 MiB
// is not read (see WorkerInfo.Unread), nor a worker key longer than 4 KiB.
// It costs at most three round trips to Redis.
func Workers(ctx context.Context, rdb redis.UniversalClient, queue string) ([]WorkerInfo, error) {
	ws, _, err := ListWorkers(ctx, rdb, queue, 0)
	return ws, err
}

// ListWorkers is Workers for pages and metrics, bounded whatever the
// worker sets hold: it reads at most n of the registered workers (n <= 0:
// every one), and returns those alive, sorted by name, and how many
// members of the set it did not read. Which n are read, out of more, is up
// to Redis.
func ListWorkers(ctx context.Context, rdb redis.UniversalClient, queue string, n int) ([]WorkerInfo, int64, error) {
	set := keys.Workers
	if queue != "" {
		set = keys.QueueWorkers(queue)
	}
	members, more, err := readSet(ctx, rdb, set, n)
	if err != nil {
		return nil, 0, fmt.Errorf("rqlite: list workers: %w", err)
	}
	members = slices.DeleteFunc(members, func(m string) bool {
		return !strings.HasPrefix(m, keys.WorkerPrefix) // not a worker key; RQ would fail on it
	})
	read, err := readHashes(ctx, rdb, members, workerFields, workerLimits)
	if err != nil {
		return nil, 0, fmt.Errorf("rqlite: read workers: %w", err)
	}
	var dead []any
	workers := make([]WorkerInfo, 0, len(members))
	for i, m := range members {
		if !read[i].Exists {
			dead = append(dead, m)
			continue
		}
		workers = append(workers, parseWorker(strings.TrimPrefix(m, keys.WorkerPrefix), read[i]))
	}
	if len(dead) > 0 {
		if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SRem(ctx, keys.Workers, dead...)
			if queue != "" {
				p.SRem(ctx, keys.QueueWorkers(queue), dead...)
			}
			return nil
		}); err != nil {
			return nil, 0, fmt.Errorf("rqlite: forget dead workers: %w", err)
		}
	}
	return workers, more, nil
}

// parseWorker reads the fields of a worker hash, tolerating missing or
// unreadable ones as RQ does (they stay unknown).
func parseWorker(name string, h scripts.HashRead) WorkerInfo {
	get := func(f string) string { return h.Values[f] }
	w := WorkerInfo{
		Name:       name,
		State:      get("state"),
		CurrentJob: get("current_job"),
		Hostname:   get("hostname"),
		IPAddress:  get("ip_address"),
	}
	if len(h.Unread) > 0 {
		w.Unread = h.Unread
	}
	if q := get("queues"); q != "" {
		w.Queues = strings.Split(q, ",")
	}
	if w.State == "" {
		w.State = "?"
	}
	w.LastHeartbeat, _ = wire.ParseTime(get("last_heartbeat"))
	w.Birth, _ = wire.ParseTime(get("birth"))
	w.FailedJobs, _ = strconv.Atoi(get("failed_job_count"))
	w.SuccessfulJobs, _ = strconv.Atoi(get("successful_job_count"))
	w.TotalWorkingTime, _ = strconv.ParseFloat(get("total_working_time"), 64)
	w.PID, _ = strconv.Atoi(get("pid"))
	return w
}
