-- Writes the jobs with dependencies of one enqueue_many call, as RQ 2.x's
-- Queue.enqueue_many does (rq/queue.py, with Dependency.
-- get_jobs_with_met_dependencies): first every such job is saved as
-- deferred; then each in turn is put in the deferred registry and in the
-- dependents sets of its dependencies, and, if its dependencies are met,
-- queued. A dependency is met when it is finished, or failed for a job that
-- allows failures, or when its hash does not exist (RQ skips a status it
-- cannot read). A queued job leaves the deferred registry, as in RQ 2.10
-- (whose _enqueue_async_job removes a deferred job from it; RQ 2.3.3 left
-- it there, where its ttl would later fail it), and stays in the
-- dependents sets, as in RQ. Since every job is saved before any is checked,
-- a job that depends on another job of the batch finds it deferred or
-- queued, and is deferred.
--
-- KEYS[1]  the queue list, rq:queue:NAME
-- KEYS[2]  the deferred registry, rq:deferred:NAME
--
-- ARGV[1]  now, as an RQ timestamp (the enqueued_at of the jobs queued)
-- ARGV[2]  the count of jobs
-- ARGV[3..]  one record per job: its ID; its score in the deferred
--          registry; its ttl in seconds, or '' for none; '1' to push it at
--          the front of the queue, '0' at the back; '1' to allow failed
--          dependencies; n, the count of its dependencies; m, the count of
--          its hash's fields and values; the n dependency IDs; the m
--          fields and values, without status
--
-- Returns a list with one item per job, in order: 1 if queued, 0 if
-- deferred.
local jobs = {}
local at = 0 -- how many items of the records were read
for j = 1, tonumber(ARGV[2]) do
  local function item(k)
    return ARGV[2 + at + k]
  end
  local n, m = tonumber(item(6)), tonumber(item(7))
  -- deps and fields are the indices in ARGV of the first dependency ID
  -- and of the first field.
  jobs[j] = {id = item(1), score = item(2), ttl = item(3), front = item(4) == '1', allow = item(5) == '1',
    deps = 2 + at + 8, n = n, fields = 2 + at + 8 + n, m = m}
  at = at + 7 + n + m
end

for _, job in ipairs(jobs) do
  local key = KEY.job(job.id)
  redis.call('HSET', key, 'status', 'deferred')
  -- One HSET per pair: an unpack of them all could pass Lua's stack limit.
  for i = job.fields, job.fields + job.m - 1, 2 do
    redis.call('HSET', key, ARGV[i], ARGV[i + 1])
  end
end

local queued = {}
for j, job in ipairs(jobs) do
  redis.call('ZADD', KEYS[2], job.score, job.id)
  local met = true
  for i = job.deps, job.deps + job.n - 1 do
    redis.call('SADD', KEY.dependents(ARGV[i]), job.id)
    redis.call('SADD', KEY.dependencies(job.id), ARGV[i])
  end
  for i = job.deps, job.deps + job.n - 1 do
    local status = redis.call('HGET', KEY.job(ARGV[i]), 'status')
    if status and not (status == 'finished' or (job.allow and status == 'failed')) then
      met = false
    end
  end
  queued[j] = met and 1 or 0
end

-- The jobs whose dependencies are met are queued after every job was
-- checked, as RQ queues them once its loop has ended.
for j, job in ipairs(jobs) do
  if queued[j] == 1 then
    local key = KEY.job(job.id)
    redis.call('ZREM', KEYS[2], job.id)
    redis.call('HSET', key, 'status', 'queued', 'enqueued_at', ARGV[1])
    if job.ttl ~= '' then
      redis.call('EXPIRE', key, job.ttl)
      redis.call('EXPIRE', KEY.dependents(job.id), job.ttl)
      redis.call('EXPIRE', KEY.dependencies(job.id), job.ttl)
    end
    if job.front then
      redis.call('LPUSH', KEYS[1], job.id)
    else
      redis.call('RPUSH', KEYS[1], job.id)
    end
  end
end
return queued
