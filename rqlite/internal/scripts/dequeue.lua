-- Takes the first job waiting in the worker's queues, in priority order, and
-- marks it started, as RQ's dequeue_any followed by prepare_job_execution.
-- IDs whose job hash is gone (deleted, or expired by its ttl) are dropped,
-- as RQ drops them.
--
-- KEYS[1]   the worker hash, rq:worker:NAME
-- KEYS[2]   rq:suspended
-- KEYS[3..] the queue lists, rq:queue:Q, highest priority first
--
-- ARGV[1]  the worker's name
-- ARGV[2]  now, as an RQ timestamp
-- ARGV[3]  now, in epoch seconds
-- ARGV[4]  the job monitoring interval in seconds (30)
-- ARGV[5]  the default job timeout in seconds, for jobs that have none
-- ARGV[6]  the ID of a job already popped from KEYS[3] (by BLPOP), or ''
-- ARGV[7]  '1' to leave the worker hash alone (a job run synchronously)
-- ARGV[8]  in RQ 2.x's layout, the new execution's ID (32 hex digits);
--          '' for RQ 1.13's
-- ARGV[9]  now, in epoch seconds with microseconds (RQ 2.x's executions)
--
-- In RQ 2.x's layout the started registry holds ID:EXECUTION, and the
-- execution gets its hash rq:execution:ID:EXECUTION and its entry in the
-- job's rq:executions:ID, as RQ 2.x's prepare_execution writes them.
--
-- Returns false when every queue is empty, 'suspended' when workers are
-- suspended, or {queue name, job ID, job hash as field, value...}.
-- reply lists the queue, the ID and the hash of a started job.
local function reply(queue, id)
  local out = {queue, id}
  for _, v in ipairs(redis.call('HGETALL', 'rq:job:' .. id)) do
    out[#out + 1] = v
  end
  return out
end

local function start(queue_key, id)
  local job = 'rq:job:' .. id
  -- A job whose key is gone, or is not a job hash, is dropped.
  if redis.call('TYPE', job).ok ~= 'hash' then
    return nil
  end
  local queue = string.sub(queue_key, 10)
  local timeout = tonumber(redis.call('HGET', job, 'timeout')) or tonumber(ARGV[5])
  local interval = tonumber(ARGV[4])
  local ttl = interval + 60
  if timeout > 0 and timeout < interval then
    ttl = timeout + 60
  end
  if ARGV[7] ~= '1' then
    redis.call('HSET', KEYS[1], 'state', 'busy', 'current_job', id,
      'current_job_working_time', '0', 'last_heartbeat', ARGV[2])
    redis.call('EXPIRE', KEYS[1], ttl)
  end
  local member = id
  if ARGV[8] ~= '' then
    member = id .. ':' .. ARGV[8]
    local execution = 'rq:execution:' .. member
    redis.call('HSET', execution, 'id', ARGV[8], 'created_at', ARGV[9], 'last_heartbeat', ARGV[9])
    redis.call('EXPIRE', execution, ttl)
    redis.call('ZADD', 'rq:executions:' .. id, tonumber(ARGV[3]) + ttl + 60, ARGV[8])
    redis.call('EXPIRE', 'rq:executions:' .. id, ttl + 60)
  end
  redis.call('ZADD', 'rq:wip:' .. queue, tonumber(ARGV[3]) + ttl, member)
  redis.call('HSET', job, 'last_heartbeat', ARGV[2], 'status', 'started',
    'started_at', ARGV[2], 'worker_name', ARGV[1])
  redis.call('PERSIST', job)
  return reply(queue, id)
end

if ARGV[6] ~= '' then
  return start(KEYS[3], ARGV[6]) or false
end
-- Run twice (a reply lost with a dropped connection, and the call tried
-- again), the second run finds the job the first one started for this
-- worker, and returns it instead of taking another.
if ARGV[7] ~= '1' and ARGV[8] == '' then
  local current = redis.call('HGET', KEYS[1], 'current_job')
  if current then
    local job = 'rq:job:' .. current
    if redis.call('HGET', job, 'status') == 'started' and redis.call('HGET', job, 'worker_name') == ARGV[1] then
      return reply(redis.call('HGET', job, 'origin') or '', current)
    end
  end
end

if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'suspended'
end
for i = 3, #KEYS do
  while true do
    local id = redis.call('LPOP', KEYS[i])
    if not id then
      break
    end
    local out = start(KEYS[i], id)
    if out then
      return out
    end
  end
end
return false
