-- run_again(id, queue, wait, now, now_ts, at_front) puts job id of queue
-- back to run again, as RQ's retry and repeat do: after wait seconds, if
-- more than 0, scheduled (status scheduled, in rq:scheduled:QUEUE);
-- otherwise queued at once (status queued, a new enqueued_at), at the
-- front of its queue with at_front, else at the back. (This function is
-- prepended, before retry and repeat_job, to the scripts that use them.)
local function run_again(id, queue, wait, now, now_ts, at_front)
  local job = KEY.job(id)
  redis.call('SADD', KEY.queues, KEY.queue(queue))
  if wait > 0 then
    redis.call('HSET', job, 'status', 'scheduled')
    redis.call('ZADD', KEY.scheduled(queue), now + wait, id)
  elseif at_front then
    redis.call('HSET', job, 'status', 'queued', 'enqueued_at', now_ts)
    redis.call('LPUSH', KEY.queue(queue), id)
  else
    redis.call('HSET', job, 'status', 'queued', 'enqueued_at', now_ts)
    redis.call('RPUSH', KEY.queue(queue), id)
  end
end
