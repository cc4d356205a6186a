-- Moves abandoned jobs from the started registry to the failed registry, as
-- StartedJobRegistry.cleanup: an entry whose score (its heartbeat expiry)
-- has passed belongs to a worker that died. The job gets status failed, an
-- exc_info in its hash, and the failure TTL; or, if it has retries left, it
-- runs again (see retry). In RQ 2.x's layout (RQ 2.2+, rq/registry.py), a
-- failed one also gets a failed entry in its results stream, with an empty
-- worker_name and the results stream kept for its failure_ttl (none: no
-- TTL), its dependents and dependencies sets get the failure TTL, and its
-- dependents that may now run are queued (see enqueue_dependents); RQ 1.13
-- does none of that.
--
-- KEYS[1]  the started registry, rq:wip:Q
-- KEYS[2]  the failed registry, rq:failed:Q
--
-- ARGV[1]  now, in epoch seconds
-- ARGV[2]  the zlib'd exc_info text: "Moved to FailedJobRegistry at <time>"
--          (RQ 2.x: "Moved to FailedJobRegistry, due to AbandonedJobError,
--          at <time>")
-- ARGV[3]  the default failure TTL in seconds
-- ARGV[4]  now, as an RQ timestamp
-- ARGV[5]  the queue's name
-- ARGV[6]  the layout of the started registry: "2" for RQ 2.x, whose
--          members are ID:EXECUTION; anything else for RQ 1.13, whose
--          members are the job IDs
-- ARGV[7]  with "2": the result entry's exc_string, the same text zlib'd
--          and base64'd
--
-- Each abandoned member frees the concurrency slots it held (see
-- release_slots), its job gone or not.
--
-- Returns {the IDs moved to the failed registry, the IDs of the abandoned
-- jobs (failed or run again) whose on_failure callback the caller is to
-- run}; the second list is empty in RQ 1.13's layout, whose cleanup runs no
-- callback.
--
-- A member's job ID depends on the layout only, never on the member's look
-- (startedJobID in registry.go is the same rule). In RQ 1.13 the member is
-- the ID, ':' and all: an entry whose job is gone is skipped, and dropped
-- with the rest, as RQ 1.13 does. In RQ 2.x only the composite form RQ 2.x
-- writes, ID:<uuid4().hex>, 32 lowercase hex digits, is split; any other
-- member is taken whole as an ID, as RQ 2.x's parse_composite_key takes a
-- member without ':'.
local now = tonumber(ARGV[1])
local rq2 = ARGV[6] == '2'
local composite = '^(.+):' .. string.rep('[0-9a-f]', 32) .. '$'

-- failed_rq2 writes what RQ 2.x adds for a failed abandoned job.
local function failed_rq2(id)
  local job = KEY.job(id)
  local results = KEY.results(id)
  redis.call('XADD', results, 'MAXLEN', '~', '10', '*', 'type', '2', 'worker_name', '', 'exc_string', ARGV[7])
  local failure_ttl = tonumber(redis.call('HGET', job, 'failure_ttl'))
  if failure_ttl == -1 then
    redis.call('PERSIST', results)
  elseif failure_ttl then
    redis.call('EXPIRE', results, failure_ttl)
  end
  local _, waiting = enqueue_dependents(id, ARGV[4], '')
  local ttl = failure_ttl or tonumber(ARGV[3])
  if ttl > 0 then
    if waiting then
      redis.call('EXPIRE', KEY.dependents(id), ttl)
    end
    redis.call('EXPIRE', KEY.dependencies(id), ttl)
  end
end

local moved, callbacks = {}, {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], 0, now)) do
  release_slots(member, ARGV[5])
  local id = member
  if rq2 then
    id = string.match(member, composite) or member
  end
  if redis.call('EXISTS', KEY.job(id)) == 1 then
    if rq2 and (redis.call('HGET', KEY.job(id), 'failure_callback_name') or '') ~= '' then
      callbacks[#callbacks + 1] = id
    end
    if abandon(id, ARGV[5], KEYS[2], ARGV[2], ARGV[3], now, ARGV[4], rq2) then
      moved[#moved + 1] = id
      if rq2 then
        failed_rq2(id)
      end
    end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now)
return {moved, callbacks}
