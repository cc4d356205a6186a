-- Enqueues a job that depends on other jobs, as RQ's enqueue_call does: if
-- every dependency has finished (or failed, when failures are allowed) the
-- job is queued at once; otherwise it is deferred and registered as a
-- dependent of each dependency, to be queued when the last one finishes.
--
-- KEYS[1]        the job hash, rq:job:ID
-- KEYS[2]        the queue list, rq:queue:NAME
-- KEYS[3]        the set of all queues, rq:queues
-- KEYS[4]        the deferred registry, rq:deferred:NAME
-- KEYS[5]        the job's dependencies set, rq:job::ID:dependencies
-- KEYS[6]        the job's dependents set, rq:job:ID:dependents
-- KEYS[7..6+n]   the hashes of the n dependencies
-- KEYS[7+n..]    the dependents sets of the n dependencies
--
-- ARGV[1]  the job ID
-- ARGV[2]  n, the count of dependencies
-- ARGV[3]  the job's score in the deferred registry: now, in epoch seconds,
--          in RQ 1.13's layout; in RQ 2.x's, now + ttl, or +inf without a ttl
-- ARGV[4]  now, as an RQ timestamp (enqueued_at)
-- ARGV[5]  '1' to push at the front of the queue, '0' at the back
-- ARGV[6]  '1' to allow failures: failed dependencies count as done
-- ARGV[7]  the job's ttl in seconds, or '' for none
-- ARGV[8..7+n]  the IDs of the n dependencies
-- ARGV[8+n..]   field, value pairs of the job hash, without status and enqueued_at
--
-- Returns {1} if queued, {0} if deferred, {-1, index} if dependency number
-- index (from 1) does not exist.
local n = tonumber(ARGV[2])
local allow_failure = ARGV[6] == '1'
local met = true
for i = 1, n do
  local status = redis.call('HGET', KEYS[6 + i], 'status')
  if not status then
    return {-1, i}
  end
  if not (status == 'finished' or (allow_failure and (status == 'failed' or status == 'stopped'))) then
    met = false
  end
end

-- write_job writes the job hash: its status, then the pairs of ARGV, one
-- per call, in order (an unpack of them all could pass Lua's stack limit).
local function write_job(status)
  redis.call('HSET', KEYS[1], 'status', status)
  for i = 8 + n, #ARGV, 2 do
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end

if met then
  redis.call('SADD', KEYS[3], KEYS[2])
  write_job('queued')
  redis.call('HSET', KEYS[1], 'enqueued_at', ARGV[4])
  if ARGV[7] ~= '' then
    redis.call('EXPIRE', KEYS[1], ARGV[7])
    redis.call('EXPIRE', KEYS[6], ARGV[7])
    redis.call('EXPIRE', KEYS[5], ARGV[7])
  end
  if ARGV[5] == '1' then
    redis.call('LPUSH', KEYS[2], ARGV[1])
  else
    redis.call('RPUSH', KEYS[2], ARGV[1])
  end
  return {1}
end

write_job('deferred')
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
for i = 1, n do
  redis.call('SADD', KEYS[6 + n + i], ARGV[1])
  redis.call('SADD', KEYS[5], ARGV[7 + i])
end
return {0}
