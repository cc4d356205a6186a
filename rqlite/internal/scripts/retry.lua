-- retry(id, queue, now, now_ts) runs job id of queue again if it has
-- retries left, as RQ's Job.retry: after its next retry interval it is
-- scheduled (status scheduled, in rq:scheduled:QUEUE), or, with no wait,
-- queued again at once. It returns false, without touching anything, when
-- the job has no retries left. (This function is prepended to the scripts
-- that use it.)
local function retry(id, queue, now, now_ts)
  local job = KEY.job(id)
  local left = tonumber(redis.call('HGET', job, 'retries_left'))
  if not left or left <= 0 then
    return false
  end
  local intervals = {0}
  local raw = redis.call('HGET', job, 'retry_intervals')
  if raw then
    intervals = cjson.decode(raw)
  end
  local index = math.max(#intervals - left, 0) + 1
  local wait = tonumber(intervals[index]) or 0
  redis.call('HSET', job, 'retries_left', left - 1)
  redis.call('SADD', KEY.queues, KEY.queue(queue))
  if wait > 0 then
    redis.call('HSET', job, 'status', 'scheduled')
    redis.call('ZADD', KEY.scheduled(queue), now + wait, id)
  else
    redis.call('HSET', job, 'status', 'queued', 'enqueued_at', now_ts)
    redis.call('RPUSH', KEY.queue(queue), id)
  end
  return true
end

