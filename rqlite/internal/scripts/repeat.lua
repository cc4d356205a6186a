-- repeat_job(id, queue, now, now_ts) runs job id of queue again after a
-- success if it has repeats left, as RQ 2.x's Repeat.schedule
-- (rq/repeat.py, called by handle_job_success in rq/worker/base.py when
-- job.repeats_left > 0): repeats_left goes down by one and, after the
-- interval for this repeat, the job is scheduled (status scheduled, in
-- rq:scheduled:QUEUE), or, with no wait, queued again at once at the back
-- of its queue. The interval is repeat_intervals[repeats_left - 1], or the
-- last one when the list is shorter (Repeat.get_interval), 0 with no list.
-- The job's keys get no result TTL (RQ skips job.cleanup for a repeated
-- job); the job gets its ttl again, as when it is queued. It
-- returns false, without touching anything, when the job has no repeats
-- left. (This function is prepended to the scripts that use it.)
local function repeat_job(id, queue, now, now_ts)
  local job = KEY.job(id)
  local left = tonumber(redis.call('HGET', job, 'repeats_left'))
  if not left or left <= 0 then
    return false
  end
  local wait = 0
  local raw = redis.call('HGET', job, 'repeat_intervals')
  if raw and raw ~= '' then
    local intervals = cjson.decode(raw)
    if #intervals > 0 then
      wait = tonumber(intervals[math.min(left - 1, #intervals - 1) + 1]) or 0
    end
  end
  redis.call('HSET', job, 'repeats_left', left - 1)
  run_again(id, queue, wait, now, now_ts, false)
  local ttl = tonumber(redis.call('HGET', job, 'ttl'))
  if ttl and ttl > 0 then
    redis.call('EXPIRE', job, ttl)
  end
  return true
end
