-- take(w, queue_keys, popped, check_current) takes the first job waiting in
-- queue_keys, in priority order, and marks it started for worker w, as RQ's
-- dequeue_any followed by prepare_job_execution. IDs whose job hash is gone
-- (deleted, or expired by its ttl) or is not a hash are dropped, as RQ
-- drops them. (This function is prepended to the scripts that use it.)
--
-- w describes the worker and the moment:
--   key              the worker hash, rq:worker:NAME
--   name             the worker's name
--   now_ts, now      now, as an RQ timestamp and in epoch seconds
--   interval         the job monitoring interval in seconds (30)
--   default_timeout  the timeout of jobs that have none, in seconds
--   sync             true to leave the worker hash alone (a job run
--                    synchronously)
--   intermediate     true when popped is in its queue's intermediate list
--   exec_id          in RQ 2.x's layout, the new execution's ID (32 hex
--                    digits); '' for RQ 1.13's
--   now_float        now, epoch seconds with microseconds (RQ 2.x)
--   suspended        the key rq:suspended
--   finishing        the ID of the job whose end the call records, if any
--   counts           field, value... to write in the worker hash with the
--                    job (the counters that the end of the previous job
--                    updated), if any
--   funcs            job ID -> task name, the names the caller read for
--                    the task limits (see limits_of), if any
--
-- popped is the ID of a job already popped from queue_keys[1] (by BLPOP),
-- or ''; with w.intermediate set, it was moved (by BLMOVE) into that
-- queue's intermediate list, whence it goes now, as RQ 1.15+'s
-- prepare_job_execution removes it. With check_current, a job this worker already started and has
-- not finished is returned instead of a new one: the call is a second run
-- of one whose reply was lost with a dropped connection.
--
-- In RQ 2.x's layout the started registry holds ID:EXECUTION, and the
-- execution gets its hash rq:execution:ID:EXECUTION and its entry in the
-- job's rq:executions:ID, as RQ 2.x's prepare_execution writes them.
--
-- When a concurrency limit is set (see limits_of), a job whose queue's or
-- task's limit is full is not started: it stays first in its queue (put
-- back there if it was popped), and the next queue is tried. The job then
-- holds a slot of its limits until the script that ends it frees it.
--
-- Returns false when every queue is empty, 'suspended' when workers are
-- suspended, or the job taken, packed (see pack): queue name, job ID, job
-- hash as field, value..., the hash as it is once started; and,
-- second, the state of the limits (see limits_of) when one is set.
local started_fields = {last_heartbeat = true, status = true, started_at = true, worker_name = true}

-- pack returns the items of list (strings) as take replies a job: {the
-- items concatenated, {the length in bytes of each}}. The client reads one
-- bulk string and small integers rather than a bulk string per item; and
-- Lua formats no number (tostring costs more than all the rest).
local function pack(list)
  local lengths = {}
  for i = 1, #list do
    lengths[i] = #list[i]
  end
  return {table.concat(list), lengths}
end

local function start(w, queue_key, id, hold)
  local job = KEY.job(id)
  -- A job whose key is gone, or is not a job hash, is dropped.
  local ok, hash = pcall(redis.call, 'HGETALL', job)
  if not ok or #hash == 0 then
    return nil
  end
  local queue = KEY.queue_name(queue_key)
  local values = {last_heartbeat = w.now_ts, status = 'started', started_at = w.now_ts, worker_name = w.name}
  local timeout
  local out = {queue}
  out[#out + 1] = id
  for i = 1, #hash, 2 do
    local f = hash[i]
    if f == 'timeout' then
      timeout = tonumber(hash[i + 1])
    end
    out[#out + 1] = f
    if started_fields[f] then
      out[#out + 1] = values[f]
      values[f] = nil
    else
      out[#out + 1] = hash[i + 1]
    end
  end
  for f, v in pairs(values) do
    out[#out + 1], out[#out + 2] = f, v
  end
  timeout = timeout or w.default_timeout
  local ttl = w.interval + 60
  if timeout > 0 and timeout < w.interval then
    ttl = timeout + 60
  end
  if not w.sync then
    redis.call('HSET', w.key, 'state', 'busy', 'current_job', id,
      'current_job_working_time', '0', 'last_heartbeat', w.now_ts, unpack(w.counts or {}))
    redis.call('EXPIRE', w.key, ttl)
  end
  local member = id
  if w.exec_id ~= '' then
    member = id .. ':' .. w.exec_id
    local execution = KEY.execution(member)
    redis.call('HSET', execution, 'id', w.exec_id, 'created_at', w.now_float, 'last_heartbeat', w.now_float)
    redis.call('EXPIRE', execution, ttl)
    local executions = KEY.executions(id)
    redis.call('ZADD', executions, w.now + ttl + 60, w.exec_id)
    redis.call('EXPIRE', executions, ttl + 60)
  end
  redis.call('ZADD', KEY.started(queue), w.now + ttl, member)
  if hold then
    hold_slots(hold, queue, member, w.now + ttl)
  end
  redis.call('HSET', job, 'last_heartbeat', w.now_ts, 'status', 'started',
    'started_at', w.now_ts, 'worker_name', w.name)
  redis.call('PERSIST', job)
  return pack(out)
end

-- current returns the reply for the job that worker w started and has not
-- finished, or nil.
local function current(w)
  local id = redis.call('HGET', w.key, 'current_job')
  if not id or id == w.finishing then
    return nil
  end
  local job = KEY.job(id)
  if redis.call('HGET', job, 'status') ~= 'started' or redis.call('HGET', job, 'worker_name') ~= w.name then
    return nil
  end
  local out = {redis.call('HGET', job, 'origin') or '', id}
  for _, v in ipairs(redis.call('HGETALL', job)) do
    out[#out + 1] = v
  end
  return pack(out)
end

-- take_limited takes the first job of queue key if its limits allow it;
-- it returns nil when the queue is empty or its first job must wait, and
-- true second when that job's task name is to be read first.
local function take_limited(w, lim, key)
  local queue = KEY.queue_name(key)
  while true do
    local id = redis.call('LINDEX', key, 0)
    if not id then
      return nil
    end
    local verdict, hold = admission(w, lim, queue, id)
    if verdict == 'full' then
      lim.blocked[#lim.blocked + 1] = key
      return nil
    elseif verdict == 'resolve' then
      return nil, true
    end
    redis.call('LPOP', key)
    local out = start(w, key, id, hold)
    if out then
      return out
    end
  end
end

-- take_popped starts job id, popped from queue_keys[1], if its limits
-- allow it, or puts it back first in its queue.
local function take_popped(w, lim, queue_key, id)
  if w.intermediate then
    redis.call('LREM', KEY.intermediate(KEY.queue_name(queue_key)), 1, id)
  end
  if not lim then
    return start(w, queue_key, id) or false
  end
  local verdict, hold = admission(w, lim, KEY.queue_name(queue_key), id)
  if verdict ~= 'ok' then
    if verdict == 'full' then
      lim.blocked[#lim.blocked + 1] = queue_key
    end
    redis.call('LPUSH', queue_key, id)
    return false, lim
  end
  return start(w, queue_key, id, hold) or false, lim
end

local function take(w, queue_keys, popped, check_current)
  local lim = limits_of(w, queue_keys)
  if popped ~= '' then
    return take_popped(w, lim, queue_keys[1], popped)
  end
  if check_current and not w.sync and w.exec_id == '' then
    local out = current(w)
    if out then
      return out
    end
  end
  if redis.call('EXISTS', w.suspended) == 1 then
    return 'suspended'
  end
  for _, key in ipairs(queue_keys) do
    if lim then
      local out, resolve = take_limited(w, lim, key)
      if out then
        return out, lim
      elseif resolve then
        return false, lim
      end
    else
      while true do
        local id = redis.call('LPOP', key)
        if not id then
          break
        end
        local out = start(w, key, id)
        if out then
          return out
        end
      end
    end
  end
  return false, lim
end
