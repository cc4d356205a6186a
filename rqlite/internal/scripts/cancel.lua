-- Cancels a job, as RQ's Job.cancel: status canceled, out of its queue and
-- of every registry, into the canceled registry; with enqueue_dependents,
-- its dependents are queued as if it had finished.
--
-- KEYS[1]  the job hash, rq:job:ID
--
-- ARGV[1]  the job ID
-- ARGV[2]  now, in epoch seconds
-- ARGV[3]  now, as an RQ timestamp
-- ARGV[4]  '1' to enqueue the dependents
--
-- Returns 1, 0 if the job does not exist, or -1 if it was canceled already.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return 0
end
if status == 'canceled' then
  return -1
end
local id = ARGV[1]
local origin = redis.call('HGET', KEYS[1], 'origin') or ''
redis.call('HSET', KEYS[1], 'status', 'canceled')
if ARGV[4] == '1' then
  enqueue_dependents(id, ARGV[3], id)
end
redis.call('LREM', KEY.queue(origin), 0, id)
for _, registry in ipairs({KEY.started(origin), KEY.finished(origin), KEY.failed(origin),
    KEY.deferred(origin), KEY.scheduled(origin)}) do
  redis.call('ZREM', registry, id)
end
-- In RQ 2.x's layout, the job's started entries are ID:EXECUTION, one per
-- execution, as RQ 2.x's cancel removes them (the executions themselves
-- stay until their worker ends them).
for _, execution in ipairs(redis.call('ZRANGE', KEY.executions(id), 0, -1)) do
  redis.call('ZREM', KEY.started(origin), id .. ':' .. execution)
end
redis.call('ZADD', KEY.canceled(origin), ARGV[2], id)
return 1
