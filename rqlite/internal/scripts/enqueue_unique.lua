-- Writes a job only if no job has its ID yet, as RQ 2.8's unique enqueue
-- does (UNIQUE_ENQUEUE_SCRIPT and UNIQUE_SCHEDULE_SCRIPT, rq/scripts.py):
-- the check, the hash and the push (or the schedule) happen together, so
-- that of many callers giving one ID exactly one writes it.
--
-- KEYS[1]  the job hash, rq:job:ID
-- KEYS[2]  the queue list, rq:queue:NAME
-- KEYS[3]  the set of all queues, rq:queues
-- KEYS[4]  the scheduled registry, rq:scheduled:NAME
-- KEYS[5]  a claim: a key that only one writer may create, or '' for none
--
-- ARGV[1]  the job ID
-- ARGV[2]  where the job goes: 'L' to the front of the queue, 'R' to its
--          back, 'N' nowhere (a queue that runs its jobs at once), 'S' to
--          the scheduled registry
-- ARGV[3]  the job's ttl in seconds, or '' for none
-- ARGV[4]  the score in the scheduled registry (epoch seconds), or '' when
--          the job is not scheduled
-- ARGV[5]  the claim's ttl, in milliseconds ('' without a claim)
-- ARGV[6]  the claim's value
-- ARGV[7..]  field, value pairs of the job hash, status among them
--
-- Returns 1 if the job was written (and the claim created), 0 if a job
-- with its ID exists, 2 if the claim exists: then nothing is written,
-- except that a queued job's queue is in rq:queues either way, as RQ adds
-- it before running its script. A cron scheduler claims each period of a
-- job with its write, so that a period is never claimed without its job.
local where = ARGV[2]
if where ~= 'S' then
  redis.call('SADD', KEYS[3], KEYS[2])
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if ARGV[5] ~= '' and not redis.call('SET', KEYS[5], ARGV[6], 'NX', 'PX', ARGV[5]) then
  return 2
end
-- One HSET per pair: an unpack of them all could pass Lua's stack limit.
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if ARGV[3] ~= '' then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
if where == 'L' then
  redis.call('LPUSH', KEYS[2], ARGV[1])
elseif where == 'R' then
  redis.call('RPUSH', KEYS[2], ARGV[1])
elseif where == 'S' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('SADD', KEYS[3], KEYS[2])
end
return 1
