package main

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The floors: what Redis allows one client doing one thing at a time,
// with no work of its own, measured in the same run as the queues.

// pingRate is how many PING round trips one client makes per second, one
// at a time: what a call that waits for Redis's reply cannot beat.
func (e *env) pingRate() (float64, error) {
	t0 := time.Now()
	for range e.cfg.n {
		if err := e.rdb.Ping(e.ctx).Err(); err != nil {
			return 0, err
		}
	}
	return perSecond(e.cfg.n, time.Since(t0)), nil
}

// rqWrites is what a worker writes in Redis for one job in RQ's layout,
// as one script and without any check: take the job from its queue and
// mark it started (job hash, started registry, worker hash), then record
// its success (job hash, results stream, finished registry, TTLs, worker
// counters, dependents). It returns the job's hash, as a worker needs it.
var rqWrites = redis.NewScript(`
local id = redis.call('LPOP', KEYS[1])
if not id then
  return false
end
local job = 'rq:job:' .. id
local now_ts, now, worker = ARGV[1], tonumber(ARGV[2]), KEYS[2]
redis.call('EXISTS', 'rq:suspended')
local hash = redis.call('HGETALL', job)
redis.call('HSET', worker, 'state', 'busy', 'current_job', id, 'current_job_working_time', '0', 'last_heartbeat', now_ts)
redis.call('EXPIRE', worker, 90)
redis.call('ZADD', 'rq:wip:bench', now + 90, id)
redis.call('HSET', job, 'last_heartbeat', now_ts, 'status', 'started', 'started_at', now_ts, 'worker_name', 'floor')
redis.call('PERSIST', job)
redis.call('ZREM', 'rq:wip:bench', id)
redis.call('EXISTS', job)
redis.call('HSET', job, 'status', 'finished', 'ended_at', now_ts)
redis.call('XADD', 'rq:results:' .. id, 'MAXLEN', '~', '10', '*', 'type', '1')
redis.call('SMEMBERS', job .. ':dependents')
redis.call('ZADD', 'rq:finished:bench', now + 500, id)
redis.call('EXPIRE', job, 500)
redis.call('EXPIRE', 'rq:results:' .. id, 500)
redis.call('HINCRBY', worker, 'successful_job_count', 1)
redis.call('HINCRBYFLOAT', worker, 'total_working_time', '0.000012')
return hash
`)

// rqWritesRate is how many jobs per second go through rqWrites when
// `clients` clients call it at once, each one call at a time, until the
// queue is empty: with one client, the ceiling of a single worker that
// keeps RQ's whole state, whatever its client does; with ten, Redis is
// kept busy, and it is the ceiling of a pool of such workers.
func (e *env) rqWritesRate(clients int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	if err := e.fill(e.cfg.n); err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := together(clients, func(c int) error {
		keys := []string{"rq:queue:" + benchQueue, fmt.Sprintf("rq:worker:floor-%d", c)}
		for {
			now := time.Now()
			err := rqWrites.Run(e.ctx, e.rdb, keys, now.UTC().Format("2006-01-02T15:04:05.000000Z"), now.Unix()).Err()
			if err == redis.Nil {
				return nil // the queue is empty
			}
			if err != nil {
				return err
			}
		}
	}); err != nil {
		return 0, err
	}
	el := time.Since(t0)
	return perSecond(e.cfg.n, el), e.expectFinished(e.queue(), e.cfg.n)
}
