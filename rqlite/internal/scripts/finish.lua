-- Records the end of a job run, as RQ's handle_job_success and
-- handle_job_failure do in their transactions: the job's status and end
-- time, its entry in the results stream, its move from the started
-- registry to the finished or failed one, the TTLs of its keys, the
-- worker's counters; then it enqueues the dependents whose dependencies are
-- now all done, as RQ's enqueue_dependents.
--
-- KEYS[1]  the job hash, rq:job:ID
-- KEYS[2]  the started registry, rq:wip:Q
-- KEYS[3]  the worker hash, rq:worker:NAME
-- KEYS[4]  the results stream, rq:results:ID
-- KEYS[5]  the registry the job goes to, rq:finished:Q or rq:failed:Q
-- KEYS[6]  the job's dependents set, rq:job:ID:dependents
-- KEYS[7]  the job's dependencies set, rq:job::ID:dependencies
--
-- ARGV[1]   the job ID
-- ARGV[2]   the new status: finished, failed or stopped
-- ARGV[3]   now, as an RQ timestamp
-- ARGV[4]   now, in epoch seconds
-- ARGV[5]   the job's TTL, how long to keep it in seconds: -1 for ever, 0 to
--           delete it
-- ARGV[6]   '1' to give the results stream the same TTL, '0' to leave it
-- ARGV[7]   the stream entry's type: 1 successful, 2 failed
-- ARGV[8]   the stream field, return_value or exc_string
-- ARGV[9]   its value, '' to leave the field out
-- ARGV[10]  the worker counter to increment, successful_job_count or failed_job_count
-- ARGV[11]  the seconds the job ran, as a decimal
-- ARGV[12]  the idle worker's key TTL, in seconds
--
-- ARGV[13]  the queue's name
-- ARGV[14]  '1' to leave the worker hash alone (a job run synchronously)
-- ARGV[15]  the started registry member: the job ID, or ID:EXECUTION
-- ARGV[16]  in RQ 2.x's layout, the execution's ID; '' for RQ 1.13's
-- ARGV[17]  when the execution started, epoch seconds with microseconds
-- ARGV[18]  now, epoch seconds with microseconds (read with ARGV[16] only)
-- ARGV[19]  the worker's name
-- ARGV[20]  '1' to take the worker's next job in the same call (see take),
--           '0' not to
-- ARGV[21]  with '1': the job monitoring interval in seconds (30)
-- ARGV[22]  with '1': the default job timeout in seconds, for jobs that
--           have none
-- ARGV[23]  '0' if the job has no dependencies, so no
--           rq:job::ID:dependencies set
--
-- ARGV[24..] the job's fields, field, value..., as the worker took it
--           (without its meta): with them, a job deleted while it ran is
--           written again, as RQ's worker saves it; without them, the call
--           records nothing for such a job and replies {-1, 0}
--
-- KEYS[8]   rq:suspended, with ARGV[20] = '1'
-- KEYS[9..] the worker's queue lists, highest priority first, with
--           ARGV[20] = '1'
--
-- A job canceled or deleted while it ran leaves the started registry, but
-- RQ's worker records its outcome all the same: its status becomes
-- finished or failed, a canceled job stays in the canceled registry too,
-- and a deleted one is written again. The dependents of a canceled job are
-- queued in RQ 1.13's layout and not in RQ 2.x's, as those versions do.
-- A stopped job's dependents are queued as if it had finished, as RQ does.
--
-- In RQ 2.x's layout the result entry also has worker_name, execution_id,
-- execution_started_at and execution_ended_at, and the execution's keys
-- are removed.
--
-- A failed job with retries left is run again instead (see retry) and no
-- outcome is recorded for it, as RQ does. In RQ 2.x's layout a job that
-- succeeds with repeats left has its success recorded and runs again (see
-- repeat_job).
--
-- The job's concurrency slots, if it holds any, are freed (see
-- release_slots), whatever its outcome, before the next job is taken.
--
-- Returns {dependents enqueued, 1 if the job will be retried else 0},
-- followed, when the next job was asked for, by what take returns for it
-- if it is not false: 'suspended', or the job taken, packed (see pack).
local id, status, now_ts, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local take_next = ARGV[20] == '1'
local worker = nil
if take_next then
  worker = {key = KEYS[3], suspended = KEYS[8], name = ARGV[19], now_ts = now_ts, now = now,
    interval = tonumber(ARGV[21]), default_timeout = tonumber(ARGV[22]), sync = false, exec_id = '',
    now_float = ARGV[18], finishing = id}
end

-- done ends the call: it updates the worker hash (its counters unless
-- counted is false) and, if asked to, takes the next job.
local function done(enqueued, retried, counted)
  local out = {enqueued, retried}
  if ARGV[14] == '1' then
    return out
  end
  -- The worker's counters: the job counter and the total working time,
  -- written with the rest of the worker hash below.
  local counts = {}
  if counted then
    local old = redis.call('HMGET', KEYS[3], ARGV[10], 'total_working_time')
    counts = {ARGV[10], (tonumber(old[1]) or 0) + 1,
      'total_working_time', (tonumber(old[2]) or 0) + tonumber(ARGV[11])}
  end
  local next_job = false
  if take_next then
    worker.counts = counts
    -- Copied one by one: unpack would fail on thousands of queues.
    local queue_keys = {}
    for i = 9, #KEYS do
      queue_keys[#queue_keys + 1] = KEYS[i]
    end
    next_job = take(worker, queue_keys, '', not counted)
  end
  if next_job then
    out[3] = next_job
  end
  if next_job and next_job ~= 'suspended' then
    -- take has made the worker busy with the next job.
    return out
  end
  if counted then
    redis.call('HDEL', KEYS[3], 'current_job')
    redis.call('HSET', KEYS[3], 'state', 'idle', 'current_job_working_time', '0', 'last_heartbeat', now_ts, unpack(counts))
    redis.call('EXPIRE', KEYS[3], ARGV[12])
  end
  return out
end

-- The job is still the worker's: in the started registry or, taken off it
-- by a cancel or a delete while it ran, the worker's current job. Run twice
-- (a reply lost with a dropped connection, and the call tried again), the
-- second run finds it neither and records nothing: the outcome is recorded
-- once. The next job, if one was asked for, is then the one the first run
-- started.
local in_started = redis.call('ZSCORE', KEYS[2], ARGV[15])
if not in_started and (ARGV[14] == '1' or redis.call('HGET', KEYS[3], 'current_job') ~= id) then
  return done(0, 0, false)
end
-- Whatever its outcome, the job frees its concurrency slots (see
-- release_slots), before the next job is taken.
release_slots(ARGV[15], ARGV[13])
local prior = redis.call('HGET', KEYS[1], 'status')
if not prior then
  if #ARGV < 24 then
    return {-1, 0} -- deleted while it ran: call again with its fields
  end
  for i = 24, #ARGV - 1, 2 do
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
redis.call('ZREM', KEYS[2], ARGV[15])
if ARGV[16] ~= '' then
  redis.call('DEL', KEY.execution(ARGV[15]))
  redis.call('ZREM', KEY.executions(id), ARGV[16])
end
-- From here the job's hash exists: it had a status, or was just written
-- again.
if status == 'failed' and retry(id, ARGV[13], now, now_ts, ARGV[16] ~= '') then
  if ARGV[16] ~= '' then
    -- RQ 2.x saves the whole job when it retries it, its end time too,
    -- which its scheduler reads (Job.should_enqueue_at_front).
    redis.call('HSET', KEYS[1], 'ended_at', now_ts)
  end
  return done(0, 1, true)
end
-- In RQ 2.x's layout a job that succeeds with repeats left runs again (see
-- repeat_job); RQ 1.13 knows no repeats_left and ignores it.
local repeats = status == 'finished' and ARGV[16] ~= ''
if ttl == 0 then
  -- Nothing is kept of the job; its dependents go on as if it were kept.
  local enqueued = enqueue_dependents(id, now_ts, id)
  if repeats and repeat_job(id, ARGV[13], now, now_ts) then
    -- RQ 2.x records no result, but saves the job to run it again.
    redis.call('HSET', KEYS[1], 'ended_at', now_ts)
    return done(enqueued, 0, true)
  end
  redis.call('DEL', KEYS[1], KEYS[6], KEYS[7])
  return done(enqueued, 0, true)
end
local enqueued, waiting = 0, false
redis.call('HSET', KEYS[1], 'status', status, 'ended_at', now_ts)
local fields = {'type', ARGV[7]}
if ARGV[16] ~= '' then
  fields[#fields + 1], fields[#fields + 2] = 'worker_name', ARGV[19]
end
if ARGV[9] ~= '' then
  fields[#fields + 1], fields[#fields + 2] = ARGV[8], ARGV[9]
end
if ARGV[16] ~= '' then
  fields[#fields + 1], fields[#fields + 2] = 'execution_id', ARGV[16]
  fields[#fields + 1], fields[#fields + 2] = 'execution_started_at', ARGV[17]
  fields[#fields + 1], fields[#fields + 2] = 'execution_ended_at', ARGV[18]
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10', '*', unpack(fields))
-- The dependents whose dependencies are now all done are queued; the set
-- of those still waiting, if any, expires with the job.
if prior == 'canceled' and ARGV[16] ~= '' then
  waiting = redis.call('EXISTS', KEYS[6]) == 1
elseif status == 'stopped' then
  enqueued, waiting = enqueue_dependents(id, now_ts, id)
else
  enqueued, waiting = enqueue_dependents(id, now_ts, '')
end
-- A repeated job keeps its result entry and its finished registry entry,
-- but RQ 2.x skips job.cleanup: its hash and sets get no TTL here.
local repeated = repeats and repeat_job(id, ARGV[13], now, now_ts)
-- The job's keys that exist get its TTL: a job without dependencies has
-- no dependencies set, and one whose dependents are all queued has no
-- dependents set any more.
local others = {}
if waiting and not repeated then
  others[#others + 1] = KEYS[6]
end
if ARGV[23] ~= '0' and not repeated then
  others[#others + 1] = KEYS[7]
end
if ARGV[6] == '1' then
  others[#others + 1] = KEYS[4]
end
if ttl > 0 then
  redis.call('ZADD', KEYS[5], now + ttl, id)
  if not repeated then
    redis.call('EXPIRE', KEYS[1], ttl)
  end
  for _, k in ipairs(others) do
    redis.call('EXPIRE', k, ttl)
  end
else
  -- Kept for ever. A finished job's score is +inf; RQ stores a negative
  -- failure TTL as the score itself.
  local score = ttl
  if status == 'finished' then
    score = '+inf'
  end
  redis.call('ZADD', KEYS[5], score, id)
  if not repeated then
    redis.call('PERSIST', KEYS[1])
  end
  for _, k in ipairs(others) do
    if k ~= KEYS[6] and k ~= KEYS[7] then
      redis.call('PERSIST', k)
    end
  end
end
return done(enqueued, 0, true)
