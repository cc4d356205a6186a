package rqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite/internal/keys"
	"github.com/colasrq/rqlite-tutorial/rqlite/internal/wire"
)

// ErrCronSchedulerNotFound is returned by FetchCronScheduler when Redis
// holds no hash for the name (RQ's SchedulerNotFound).
var ErrCronSchedulerNotFound = errors.New("rqlite: cron scheduler not found")

// CronStaleAfter is how long after its last heartbeat a cron scheduler is
// taken out of the registry by CleanupCronSchedulers (RQ's threshold).
const CronStaleAfter = 120 * time.Second

// maxCronJobsField is the longest cron_jobs field read.
const maxCronJobsField = 8 << 20

// CronSchedulerInfo is a cron scheduler as recorded in Redis, by rqlite or
// by RQ 2.4+.
type CronSchedulerInfo struct {
	Name       string
	Hostname   string
	PID        int
	CreatedAt  time.Time
	ConfigFile string
	// LastHeartbeat is its score in the registry; zero if it is not there.
	LastHeartbeat time.Time
	Jobs          []CronJobInfo
}

// A CronHashError says that a field of a cron scheduler's hash cannot be
// read, naming the value.
type CronHashError struct {
	Scheduler string
	Field     string
	Value     string
	Reason    string
}

func (e *CronHashError) Error() string {
	return fmt.Sprintf("rqlite: cron scheduler %s: invalid %s %s: %s",
		logSafe(e.Scheduler, 200), e.Field, logSafe(strconv.Quote(e.Value), 200), e.Reason)
}

// CleanupCronSchedulers removes from the registry the schedulers whose
// last heartbeat is older than CronStaleAfter, as RQ's
// cron_scheduler_registry.cleanup, and returns how many it removed.
func CleanupCronSchedulers(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	cutoff := epochSeconds(time.Now().Add(-CronStaleAfter))
	return rdb.ZRemRangeByScore(ctx, keys.CronSchedulers, "0", strconv.FormatFloat(cutoff, 'f', -1, 64)).Result()
}

// AllCronSchedulers returns the registered cron schedulers, oldest
// heartbeat first, after removing the stale ones, as RQ's
// CronScheduler.all(). Those whose hash is gone are left out, as RQ leaves
// them out; those whose hash cannot be read are left out too, and their
// errors are returned, joined, with the others.
func AllCronSchedulers(ctx context.Context, rdb redis.UniversalClient) ([]*CronSchedulerInfo, error) {
	if _, err := CleanupCronSchedulers(ctx, rdb); err != nil {
		return nil, err
	}
	names, err := rdb.ZRange(ctx, keys.CronSchedulers, 0, -1).Result()
	if err != nil {
		return nil, err
	}
	return fetchCronSchedulers(ctx, rdb, names)
}

// ListCronSchedulers returns at most limit of the cron schedulers whose
// last heartbeat is within CronStaleAfter, oldest heartbeat first, read
// as AllCronSchedulers reads them, and how many more such schedulers
// there are. It writes nothing: the stale ones are skipped, not removed
// (CleanupCronSchedulers removes them), so that a viewer such as the
// dashboard can call it on every page and read a bounded part of a
// registry of any size.
func ListCronSchedulers(ctx context.Context, rdb redis.UniversalClient, limit int) (list []*CronSchedulerInfo, more int64, err error) {
	live := &redis.ZRangeBy{
		Min:   "(" + strconv.FormatFloat(epochSeconds(time.Now().Add(-CronStaleAfter)), 'f', -1, 64),
		Max:   "+inf",
		Count: int64(limit),
	}
	total, err := rdb.ZCount(ctx, keys.CronSchedulers, live.Min, live.Max).Result()
	if err != nil || limit <= 0 {
		return nil, total, err
	}
	names, err := rdb.ZRangeByScore(ctx, keys.CronSchedulers, live).Result()
	if err != nil {
		return nil, 0, err
	}
	list, err = fetchCronSchedulers(ctx, rdb, names)
	return list, max(total-int64(len(names)), 0), err
}

// fetchCronSchedulers reads the schedulers called names, in that order,
// leaving out those whose hash is gone and, with their errors joined,
// those whose hash cannot be read.
func fetchCronSchedulers(ctx context.Context, rdb redis.UniversalClient, names []string) ([]*CronSchedulerInfo, error) {
	var out []*CronSchedulerInfo
	var errs []error
	for _, name := range names {
		info, err := FetchCronScheduler(ctx, rdb, name)
		switch {
		case errors.Is(err, ErrCronSchedulerNotFound):
		case err != nil:
			errs = append(errs, err)
		default:
			out = append(out, info)
		}
	}
	return out, errors.Join(errs...)
}

// FetchCronScheduler reads the hash of the cron scheduler called name, as
// RQ's CronScheduler.fetch, with its last heartbeat.
func FetchCronScheduler(ctx context.Context, rdb redis.UniversalClient, name string) (*CronSchedulerInfo, error) {
	h, err := rdb.HGetAll(ctx, keys.CronScheduler(name)).Result()
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrCronSchedulerNotFound, logSafe(name, 200))
	}
	info, err := decodeCronHash(name, h)
	if err != nil {
		return nil, err
	}
	score, err := rdb.ZScore(ctx, keys.CronSchedulers, name).Result()
	switch {
	case err == nil:
		info.LastHeartbeat = time.Unix(0, int64(score*1e9)).UTC()
	case !errors.Is(err, redis.Nil):
		return nil, err
	}
	return info, nil
}

// decodeCronHash reads a scheduler's hash as RQ's restore does: hostname,
// name, created_at and config_file must be there.
func decodeCronHash(name string, h map[string]string) (*CronSchedulerInfo, error) {
	bad := func(field, reason string) error {
		return &CronHashError{Scheduler: name, Field: field, Value: h[field], Reason: reason}
	}
	for _, f := range []string{"hostname", "name", "created_at", "config_file"} {
		if _, ok := h[f]; !ok {
			return nil, bad(f, "missing")
		}
	}
	info := &CronSchedulerInfo{Name: h["name"], Hostname: h["hostname"], ConfigFile: h["config_file"]}
	if p, ok := h["pid"]; ok {
		pid, err := strconv.Atoi(p)
		if err != nil {
			return nil, bad("pid", "not an integer")
		}
		info.PID = pid
	}
	t, err := wire.ParseTime(h["created_at"])
	if err != nil {
		return nil, bad("created_at", "not a time in RQ's format")
	}
	info.CreatedAt = t
	if data := h["cron_jobs"]; data != "" {
		if len(data) > maxCronJobsField {
			return nil, &CronHashError{Scheduler: name, Field: "cron_jobs", Value: data[:100], Reason: fmt.Sprintf("%d bytes, more than %d", len(data), maxCronJobsField)}
		}
		jobs, err := decodeCronJobs(data)
		if err != nil {
			return nil, &CronHashError{Scheduler: name, Field: "cron_jobs", Value: data, Reason: err.Error()}
		}
		info.Jobs = jobs
	}
	return info, nil
}
