-- Concurrency limits, rqlite's own (Python RQ's workers ignore them): the
-- hash KEY.queue_limits maps a queue's name, and KEY.task_limits a task's
-- name, to the most jobs of it that may run at once. Each limit's slots in
-- use are a ZSET of started-registry members scored, as the started
-- registry, by the time their heartbeat expires, so that a dead worker's
-- slot is free once its heartbeat has expired. KEY.limit_holders maps the
-- member of a job that holds a task's slot to the task's name, so that the
-- scripts that end the job find the slot without decoding the job.
-- (These functions are prepended to the scripts that use them.)

-- limits_of returns the state of one take from queue_keys when a limit
-- applies to them (a task limit, or a limit of one of the queues), or nil
-- when none does: then one EXISTS is all that limits cost, if no limit is
-- set at all.
--   tasks        a task limit is set: a job's task name must be known
--   funcs        job ID -> task name ('' when it has none), from the caller
--   queue_limit  queue name -> its limit, or false, as read in this call
--   blocked      the keys of the queues whose first job's limit is full
--   bad          kind, name, value... of the limits that are not a whole
--                number from 1 to 10^15 - 1, and are ignored
--   resolve      {ID, data} of a job whose task name the caller is to
--                read (by decoding data) and pass in funcs
local function limits_of(w, queue_keys)
  if w.sync or redis.call('EXISTS', KEY.queue_limits, KEY.task_limits) == 0 then
    return nil
  end
  local tasks = redis.call('EXISTS', KEY.task_limits) == 1
  if not tasks then
    local limited = false
    for _, key in ipairs(queue_keys) do
      if redis.call('HEXISTS', KEY.queue_limits, KEY.queue_name(key)) == 1 then
        limited = true
        break
      end
    end
    if not limited then
      return nil
    end
  end
  return {tasks = tasks, funcs = w.funcs or {}, queue_limit = {}, blocked = {}, bad = {}}
end

-- read_limit returns the limit in field name of hash (kind names it in
-- lim.bad), or false when there is none or it is not a whole number.
local function read_limit(lim, hash, kind, name)
  local v = redis.call('HGET', hash, name)
  if not v then
    return false
  end
  if #v <= 15 and string.match(v, '^[1-9]%d*$') then
    return tonumber(v)
  end
  lim.bad[#lim.bad + 1] = kind
  lim.bad[#lim.bad + 1] = string.sub(name, 1, 200)
  lim.bad[#lim.bad + 1] = string.sub(v, 1, 40)
  return false
end

-- in_use counts the slots of key whose heartbeat has not expired, after
-- freeing those that have (their holders' entries go with them).
local function in_use(key, now, task)
  local stale = redis.call('ZRANGEBYSCORE', key, '-inf', now)
  if #stale > 0 then
    for _, member in ipairs(stale) do
      redis.call('ZREM', key, member)
      if task then
        redis.call('HDEL', KEY.limit_holders, member)
      end
    end
  end
  return redis.call('ZCARD', key)
end

-- admission tells whether job id, first in queue, may start now: 'ok' and
-- the slots it is to hold ({queue = true, task = name}), 'full' when one
-- of its limits is, or 'resolve' when its task name must be read first.
local function admission(w, lim, queue, id)
  local hold = {}
  local n = lim.queue_limit[queue]
  if n == nil then
    n = read_limit(lim, KEY.queue_limits, 'queue', queue)
    lim.queue_limit[queue] = n
  end
  if n then
    if in_use(KEY.queue_slots(queue), w.now, false) >= n then
      return 'full'
    end
    hold.queue = true
  end
  if not lim.tasks then
    return 'ok', hold
  end
  local task = lim.funcs[id]
  if task == nil then
    local ok, data = pcall(redis.call, 'HGET', KEY.job(id), 'data')
    if not ok or not data then
      return 'ok', hold -- no job to start: start drops it
    end
    lim.resolve = {id, data}
    return 'resolve'
  end
  if task ~= '' then
    local m = read_limit(lim, KEY.task_limits, 'task', task)
    if m then
      if in_use(KEY.task_slots(task), w.now, true) >= m then
        return 'full'
      end
      hold.task = task
    end
  end
  return 'ok', hold
end

-- hold_slots gives job member of queue the slots of hold, until score.
local function hold_slots(hold, queue, member, score)
  if hold.queue then
    redis.call('ZADD', KEY.queue_slots(queue), score, member)
  end
  if hold.task then
    redis.call('ZADD', KEY.task_slots(hold.task), score, member)
    redis.call('HSET', KEY.limit_holders, member, hold.task)
  end
end

-- release_slots frees the slots that job member of queue holds, if any:
-- one EXISTS when no job holds a slot of the queue's limit or of a task's,
-- as when no limit is set.
local function release_slots(member, queue)
  local slots = KEY.queue_slots(queue)
  if redis.call('EXISTS', slots, KEY.limit_holders) == 0 then
    return
  end
  redis.call('ZREM', slots, member)
  local task = redis.call('HGET', KEY.limit_holders, member)
  if task then
    redis.call('ZREM', KEY.task_slots(task), member)
    redis.call('HDEL', KEY.limit_holders, member)
  end
end
