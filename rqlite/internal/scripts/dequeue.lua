-- Takes the first job waiting in the worker's queues, in priority order,
-- and marks it started (see take).
--
-- KEYS[1]   the worker hash, rq:worker:NAME
-- KEYS[2]   rq:suspended
-- KEYS[3..] the queue lists, rq:queue:Q, highest priority first
--
-- ARGV[1]  the worker's name
-- ARGV[2]  now, as an RQ timestamp
-- ARGV[3]  now, in epoch seconds
-- ARGV[4]  the job monitoring interval in seconds (30)
-- ARGV[5]  the default job timeout in seconds, for jobs that have none
-- ARGV[6]  the ID of a job already popped from KEYS[3] (by BLPOP), or ''
-- ARGV[7]  '1' to leave the worker hash alone (a job run synchronously)
-- ARGV[8]  in RQ 2.x's layout, the new execution's ID (32 hex digits);
--          '' for RQ 1.13's
-- ARGV[9]  now, in epoch seconds with microseconds (RQ 2.x's executions)
-- ARGV[10] '1' when the job of ARGV[6] was moved (by BLMOVE) into KEYS[3]'s
--          intermediate list rather than popped
-- ARGV[11..] the funcs: job ID, task name... of the jobs whose task names
--          the caller read for the task limits (see limits_of)
--
-- Returns what take returns; when a concurrency limit applies to the
-- queues (see limits_of), it returns
-- {'limits', what take returns or 0, the keys of the queues held back,
-- {kind, name, value...} of the limits ignored, {job ID, data} of the job
-- whose task name is needed, or {}}. Run twice (a reply lost with a dropped
-- connection, and the call tried again), the second run finds the job the
-- first one started for this worker, and returns it instead of taking
-- another.
local w = {key = KEYS[1], suspended = KEYS[2], name = ARGV[1], now_ts = ARGV[2], now = tonumber(ARGV[3]),
  interval = tonumber(ARGV[4]), default_timeout = tonumber(ARGV[5]), sync = ARGV[7] == '1',
  exec_id = ARGV[8], now_float = ARGV[9], intermediate = ARGV[10] == '1', funcs = {}}
for i = 11, #ARGV - 1, 2 do
  w.funcs[ARGV[i]] = ARGV[i + 1]
end
-- The queue keys are copied one by one: unpack would fail on thousands of
-- queues (Lua's stack limit, LUAI_MAXCSTACK).
local queue_keys = {}
for i = 3, #KEYS do
  queue_keys[#queue_keys + 1] = KEYS[i]
end
local out, lim = take(w, queue_keys, ARGV[6], true)
if lim then
  return {'limits', out or 0, lim.blocked, lim.bad, lim.resolve or {}}
end
return out
