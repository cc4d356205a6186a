-- Empties a queue as RQ's Queue.empty does: every job ID is popped, and the
-- job's hash and dependents set are deleted.
--
-- KEYS[1]  the queue list, rq:queue:NAME
-- ARGV[1]  the job key prefix, rq:job:
--
-- Returns the number of jobs removed.
local removed = 0
while true do
  local id = redis.call('LPOP', KEYS[1])
  if not id then
    break
  end
  redis.call('DEL', ARGV[1] .. id, ARGV[1] .. id .. ':dependents')
  removed = removed + 1
end
return removed
