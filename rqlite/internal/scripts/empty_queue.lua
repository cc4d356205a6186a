-- empty_queue(key) empties the queue list key as RQ's Queue.empty does:
-- every job ID is popped, and the job's hash and dependents set are
-- deleted (nothing else of the job: RQ leaves its registries and
-- dependencies set alone). It returns the number of jobs removed. (This
-- function is prepended to the scripts that use it.)
local function empty_queue(key)
  local removed = 0
  while true do
    local id = redis.call('LPOP', key)
    if not id then
      break
    end
    redis.call('DEL', KEY.job(id), KEY.dependents(id))
    removed = removed + 1
  end
  return removed
end
