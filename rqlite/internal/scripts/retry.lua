-- retry(id, queue, now, now_ts, rq2) runs job id of queue again if it has
-- retries left, as RQ's Job.retry: after its next retry interval it is
-- scheduled (status scheduled, in rq:scheduled:QUEUE), or, with no wait,
-- queued again at once: at the back of the queue, or, in RQ 2.x's layout
-- (rq2 true), at its front when the job has enqueue_at_front_on_retry '1'
-- (RQ 2.10's Retry(enqueue_at_front=True); Job.retry, rq/job.py, pushes
-- with at_front=self.enqueue_at_front_on_retry; RQ 1.13 has no such
-- field). It returns false, without touching anything, when the job has no
-- retries left. (This function is prepended to the scripts that use it.)
local function retry(id, queue, now, now_ts, rq2)
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
  local at_front = rq2 and redis.call('HGET', job, 'enqueue_at_front_on_retry') == '1'
  run_again(id, queue, wait, now, now_ts, at_front)
  return true
end

