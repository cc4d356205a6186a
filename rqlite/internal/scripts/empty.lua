-- Empties a queue as RQ's Queue.empty does: every job ID is popped, and the
-- job's hash and dependents set are deleted.
--
-- KEYS[1]  the queue list, rq:queue:NAME
--
-- Returns the number of jobs removed.
local removed = 0
while true do
  local id = redis.call('LPOP', KEYS[1])
  if not id then
    break
  end
  redis.call('DEL', KEY.job(id), KEY.dependents(id))
  removed = removed + 1
end
return removed
