-- enqueue_dependents(id, now_ts, skip) queues the deferred dependents of
-- job id whose dependencies have now all finished (or ended in any way, for
-- a dependent that allows failures), as RQ's enqueue_dependents. A
-- dependency whose ID is skip counts as done (a canceled parent whose
-- dependents go on). As RQ does, the queued dependents leave the
-- dependents set of id, which is deleted once all have left. Returns how
-- many were queued. (This function is prepended to the scripts that use
-- it.)
local function enqueue_dependents(id, now_ts, skip)
  local dependents = KEY.dependents(id)
  local enqueued = 0
  local members = redis.call('SMEMBERS', dependents)
  for _, dep in ipairs(members) do
    local dkey = KEY.job(dep)
    if redis.call('HGET', dkey, 'status') == 'deferred' then
      local allow = redis.call('HGET', dkey, 'allow_dependency_failures') == '1'
      local met = true
      for _, parent in ipairs(redis.call('SMEMBERS', KEY.dependencies(dep))) do
        local s = redis.call('HGET', KEY.job(parent), 'status')
        if parent ~= skip and not (s == 'finished' or (allow and (s == 'failed' or s == 'stopped'))) then
          met = false
          break
        end
      end
      if met then
        local origin = redis.call('HGET', dkey, 'origin')
        local queue = KEY.queue(origin)
        redis.call('ZREM', KEY.deferred(origin), dep)
        redis.call('SADD', KEY.queues, queue)
        redis.call('HSET', dkey, 'status', 'queued', 'enqueued_at', now_ts)
        local ttl = tonumber(redis.call('HGET', dkey, 'ttl'))
        if ttl and ttl > 0 then
          redis.call('EXPIRE', dkey, ttl)
        end
        if redis.call('HGET', dkey, 'enqueue_at_front') == '1' then
          redis.call('LPUSH', queue, dep)
        else
          redis.call('RPUSH', queue, dep)
        end
        redis.call('SREM', dependents, dep)
        enqueued = enqueued + 1
      end
    end
  end
  if enqueued > 0 and enqueued == #members then
    redis.call('DEL', dependents)
  end
  return enqueued, enqueued < #members
end

