-- Queues the scheduled jobs of a queue whose time has come, as RQ's
-- scheduler does with enqueue_job: each gets status queued and a new
-- enqueued_at, its ttl again, and goes to the back of the queue, or to the
-- front if it was scheduled with at_front, or, with ARGV[4] = '1', if it
-- has enqueue_at_front_on_retry '1' and has run before (an ended_at), as RQ
-- 2.x's scheduler queues it (Job.should_enqueue_at_front, rq/job.py).
--
-- KEYS[1]  the scheduled registry, rq:scheduled:Q
-- KEYS[2]  the queue list, rq:queue:Q
--
-- ARGV[1]  now, in epoch seconds
-- ARGV[2]  now, as an RQ timestamp
-- ARGV[3]  the limit: the most jobs to move in one call
-- ARGV[4]  rq2 front: '1' for RQ 2.x's rule for the front of the queue,
--          '0' for RQ 1.13's
--
-- Returns the number of jobs queued.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1], 'LIMIT', 0, ARGV[3])
local queued = 0
for _, id in ipairs(ids) do
  local job = KEY.job(id)
  if redis.call('EXISTS', job) == 1 then
    redis.call('HSET', job, 'status', 'queued', 'enqueued_at', ARGV[2])
    local ttl = tonumber(redis.call('HGET', job, 'ttl'))
    if ttl and ttl > 0 then
      redis.call('EXPIRE', job, ttl)
    end
    local front = redis.call('HMGET', job, 'enqueue_at_front', 'enqueue_at_front_on_retry', 'ended_at')
    if front[1] == '1' or (ARGV[4] == '1' and front[2] == '1' and (front[3] or '') ~= '') then
      redis.call('LPUSH', KEYS[2], id)
    else
      redis.call('RPUSH', KEYS[2], id)
    end
    queued = queued + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
if queued > 0 then
  redis.call('SADD', KEY.queues, KEYS[2])
end
return queued
