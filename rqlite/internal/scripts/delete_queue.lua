-- Deletes a queue as RQ's Queue.delete does. With ARGV[1] = '1' its jobs
-- go first, as RQ's Queue.empty removes them: every job ID is popped and
-- the job's hash and dependents set are deleted (nothing else of the job:
-- RQ leaves its registries and dependencies set alone). Then the queue
-- leaves the set of queues and its list is deleted.
--
-- KEYS[1]  the set of queues, rq:queues
-- KEYS[2]  the queue list, rq:queue:NAME
-- ARGV[1]  '1' to delete the queue's jobs, '0' to leave their hashes
--
-- Returns the number of jobs deleted.
local removed = 0
if ARGV[1] == '1' then
  while true do
    local id = redis.call('LPOP', KEYS[2])
    if not id then
      break
    end
    redis.call('DEL', KEY.job(id), KEY.dependents(id))
    removed = removed + 1
  end
end
redis.call('SREM', KEYS[1], KEYS[2])
redis.call('DEL', KEYS[2])
return removed
