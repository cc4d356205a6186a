-- Keeps a running job alive, as RQ's maintain_heartbeats: the worker key
-- and the job's entry in the started registry get a new expiry, so that no
-- cleanup takes the job for abandoned while it runs.
--
-- KEYS[1]  the worker hash, rq:worker:NAME
-- KEYS[2]  the job hash, rq:job:ID
-- KEYS[3]  the started registry, rq:wip:Q
--
-- ARGV[1]  the job ID
-- ARGV[2]  now, as an RQ timestamp
-- ARGV[3]  the new started-registry score: now + TTL, in epoch seconds
-- ARGV[4]  the TTL in seconds
-- ARGV[5]  the seconds the job has been running, as a decimal
-- ARGV[6]  the started registry member: the job ID, or ID:EXECUTION in
--          RQ 2.x's layout
-- ARGV[7]  in RQ 2.x's layout, the execution's ID; '' otherwise
-- ARGV[8]  now, in epoch seconds with microseconds
-- ARGV[9]  the job's queue name, whose concurrency slot (and its task's),
--          if the job holds one, gets the new score too
redis.call('HSET', KEYS[1], 'current_job_working_time', ARGV[5], 'last_heartbeat', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'last_heartbeat', ARGV[2])
end
redis.call('ZADD', KEYS[3], 'XX', ARGV[3], ARGV[6])
redis.call('ZADD', KEY.queue_slots(ARGV[9]), 'XX', ARGV[3], ARGV[6])
local task = redis.call('HGET', KEY.limit_holders, ARGV[6])
if task then
  redis.call('ZADD', KEY.task_slots(task), 'XX', ARGV[3], ARGV[6])
end
if ARGV[7] ~= '' then
  local execution = KEY.execution(ARGV[6])
  redis.call('HSET', execution, 'last_heartbeat', ARGV[8])
  redis.call('EXPIRE', execution, ARGV[4])
  local executions = KEY.executions(ARGV[1])
  redis.call('ZADD', executions, tonumber(ARGV[3]) + 60, ARGV[7])
  redis.call('EXPIRE', executions, tonumber(ARGV[4]) + 60)
end
return 1
