-- Puts failed jobs back in their queue, as RQ 1.13's
-- FailedJobRegistry.requeue followed by Queue.enqueue_job: each job leaves
-- the failed registry, loses its start and end times and its exc_info (RQ
-- writes an empty, zlib'd one), gets status queued and a new enqueued_at,
-- and is pushed at the back of its origin queue.
--
-- Unlike RQ, which leaves the expiry that the failure gave the job's keys
-- (so that a requeued job could vanish before a worker takes it), the keys
-- are made persistent, then given the job's ttl if it has one, as
-- enqueue_job's cleanup(ttl) does.
--
-- KEYS[1]  the failed registry, rq:failed:Q
-- KEYS[2]  the set of all queues, rq:queues
--
-- ARGV[1]   now, as an RQ timestamp (enqueued_at)
-- ARGV[2]   the zlib'd empty exc_info
-- ARGV[3]   the queue Q, used when a job has no origin
-- ARGV[4]   the default job timeout in seconds, for jobs that have none
-- ARGV[5..] the job IDs
--
-- Returns one code per ID, in order: 1 requeued; 0 not in the registry;
-- -1 in the registry but its job hash is gone (the entry is removed).
local codes = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local job = KEY.job(id)
  local dependents = KEY.dependents(id)
  local dependencies = KEY.dependencies(id)
  if not redis.call('ZSCORE', KEYS[1], id) then
    codes[#codes + 1] = 0
  elseif redis.call('EXISTS', job) == 0 then
    redis.call('ZREM', KEYS[1], id)
    codes[#codes + 1] = -1
  else
    redis.call('ZREM', KEYS[1], id)
    local origin = redis.call('HGET', job, 'origin')
    if not origin or origin == '' then
      origin = ARGV[3]
    end
    local queue = KEY.queue(origin)
    redis.call('HSET', job, 'status', 'queued', 'started_at', '', 'ended_at', '',
      'exc_info', ARGV[2], 'origin', origin, 'enqueued_at', ARGV[1])
    if not redis.call('HGET', job, 'timeout') then
      redis.call('HSET', job, 'timeout', ARGV[4])
    end
    redis.call('PERSIST', job)
    redis.call('PERSIST', dependents)
    redis.call('PERSIST', dependencies)
    local ttl = tonumber(redis.call('HGET', job, 'ttl'))
    if ttl and ttl > 0 then
      redis.call('EXPIRE', job, ttl)
      redis.call('EXPIRE', dependents, ttl)
      redis.call('EXPIRE', dependencies, ttl)
    end
    redis.call('SADD', KEYS[2], queue)
    redis.call('RPUSH', queue, id)
    codes[#codes + 1] = 1
  end
end
return codes
