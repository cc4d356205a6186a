-- abandon(id, queue, failed, exc, default_ttl, now, now_ts, rq2) ends job id of
-- queue, which a worker took and can no longer run, as RQ's
-- handle_job_failure does for an abandoned job: it runs again if it has
-- retries left (see retry; rq2 is RQ 2.x's layout), or gets status failed, exc (zlib'd exc_info
-- text) and its failure TTL (default_ttl when it has none) and goes into
-- the registry failed. It returns true when the job failed. (This
-- function is prepended, after retry, to the scripts that use it.)
local function abandon(id, queue, failed, exc, default_ttl, now, now_ts, rq2)
  if retry(id, queue, now, now_ts, rq2) then
    return false
  end
  local job = KEY.job(id)
  local ttl = tonumber(redis.call('HGET', job, 'failure_ttl')) or tonumber(default_ttl)
  redis.call('HSET', job, 'status', 'failed', 'exc_info', exc)
  if ttl > 0 then
    redis.call('EXPIRE', job, ttl)
    redis.call('ZADD', failed, now + ttl, id)
  else
    redis.call('PERSIST', job)
    redis.call('ZADD', failed, ttl, id)
  end
  return true
end
