-- Records the end of a job run, as RQ's handle_job_success and
-- handle_job_failure do in their transactions: the job's status and end
-- time, its entry in the results stream, its move from the started
-- registry to the finished or failed one, the TTLs of its keys, the
-- worker's counters; then it enqueues the dependents whose dependencies are
-- now all done, as RQ's enqueue_dependents.
--
-- KEYS[1]  the job hash, rq:job:ID
-- KEYS[2]  the started registry, rq:wip:Q
-- KEYS[3]  the worker hash, rq:worker:NAME
-- KEYS[4]  the results stream, rq:results:ID
-- KEYS[5]  the registry the job goes to, rq:finished:Q or rq:failed:Q
-- KEYS[6]  the job's dependents set, rq:job:ID:dependents
-- KEYS[7]  the job's dependencies set, rq:job::ID:dependencies
--
-- ARGV[1]   the job ID
-- ARGV[2]   the new status: finished, failed or stopped
-- ARGV[3]   now, as an RQ timestamp
-- ARGV[4]   now, in epoch seconds
-- ARGV[5]   how long to keep the job, in seconds: -1 for ever, 0 to delete it
-- ARGV[6]   '1' to give the results stream the same TTL, '0' to leave it
-- ARGV[7]   the stream entry's type: 1 successful, 2 failed
-- ARGV[8]   the stream field, return_value or exc_string
-- ARGV[9]   its value, '' to leave the field out
-- ARGV[10]  the worker counter to increment, successful_job_count or failed_job_count
-- ARGV[11]  the seconds the job ran, as a decimal
-- ARGV[12]  the idle worker's key TTL, in seconds
--
-- Returns the number of dependents enqueued.
local id, status, now_ts, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])

redis.call('ZREM', KEYS[2], id)
if ttl == 0 then
  redis.call('DEL', KEYS[1], KEYS[6], KEYS[7])
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'status', status, 'ended_at', now_ts)
  local fields = {'type', ARGV[7]}
  if ARGV[9] ~= '' then
    fields[3], fields[4] = ARGV[8], ARGV[9]
  end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10', '*', unpack(fields))
  if ttl > 0 then
    redis.call('ZADD', KEYS[5], now + ttl, id)
    redis.call('EXPIRE', KEYS[1], ttl)
    redis.call('EXPIRE', KEYS[6], ttl)
    redis.call('EXPIRE', KEYS[7], ttl)
    if ARGV[6] == '1' then
      redis.call('EXPIRE', KEYS[4], ttl)
    end
  elseif status == 'finished' then
    redis.call('ZADD', KEYS[5], '+inf', id)
    redis.call('PERSIST', KEYS[1])
    if ARGV[6] == '1' then
      redis.call('PERSIST', KEYS[4])
    end
  else
    -- RQ stores a negative failure TTL as the score itself.
    redis.call('ZADD', KEYS[5], ttl, id)
    redis.call('PERSIST', KEYS[1])
    if ARGV[6] == '1' then
      redis.call('PERSIST', KEYS[4])
    end
  end
end

redis.call('HDEL', KEYS[3], 'current_job')
redis.call('HINCRBY', KEYS[3], ARGV[10], 1)
redis.call('HINCRBYFLOAT', KEYS[3], 'total_working_time', ARGV[11])
redis.call('HSET', KEYS[3], 'state', 'idle', 'current_job_working_time', '0', 'last_heartbeat', now_ts)
redis.call('EXPIRE', KEYS[3], ARGV[12])

-- Dependents: a deferred job is enqueued once every one of its
-- dependencies has finished (or ended in any way, if it allows failures).
local enqueued = 0
for _, dep in ipairs(redis.call('SMEMBERS', KEYS[6])) do
  local dkey = 'rq:job:' .. dep
  if redis.call('HGET', dkey, 'status') == 'deferred' then
    local allow = redis.call('HGET', dkey, 'allow_dependency_failures') == '1'
    local met = true
    for _, parent in ipairs(redis.call('SMEMBERS', 'rq:job::' .. dep .. ':dependencies')) do
      local s = redis.call('HGET', 'rq:job:' .. parent, 'status')
      if not (s == 'finished' or (allow and (s == 'failed' or s == 'stopped'))) then
        met = false
        break
      end
    end
    if met then
      local origin = redis.call('HGET', dkey, 'origin')
      local queue = 'rq:queue:' .. origin
      redis.call('ZREM', 'rq:deferred:' .. origin, dep)
      redis.call('SADD', 'rq:queues', queue)
      redis.call('HSET', dkey, 'status', 'queued', 'enqueued_at', now_ts)
      local jttl = tonumber(redis.call('HGET', dkey, 'ttl'))
      if jttl and jttl > 0 then
        redis.call('EXPIRE', dkey, jttl)
      end
      if redis.call('HGET', dkey, 'enqueue_at_front') == '1' then
        redis.call('LPUSH', queue, dep)
      else
        redis.call('RPUSH', queue, dep)
      end
      enqueued = enqueued + 1
    end
  end
end
if enqueued > 0 then
  redis.call('DEL', KEYS[6])
end
return enqueued
