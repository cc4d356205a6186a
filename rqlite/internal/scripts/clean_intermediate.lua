-- Recovers the jobs that workers moved into a queue's intermediate list and
-- never marked started, as RQ 1.15+'s IntermediateQueue.cleanup: a job
-- whose hash is gone is dropped from the list; a job not in the started
-- registry is noted the first time it is seen there and, seen again more
-- than a minute later, ended as abandoned (see abandon: run again if it has
-- retries left, else failed with "Job was stuck in intermediate queue.").
--
-- KEYS[1]  the intermediate list, rq:queue:Q:intermediate
-- KEYS[2]  the started registry, rq:wip:Q
-- KEYS[3]  the failed registry, rq:failed:Q
--
-- ARGV[1]  now, in epoch seconds
-- ARGV[2]  the zlib'd exc_info text
-- ARGV[3]  the default failure TTL in seconds
-- ARGV[4]  now, as an RQ timestamp
-- ARGV[5]  the queue's name
-- ARGV[6]  the layout of the started registry: "2" for RQ 2.x, whose
--          members are ID:EXECUTION; anything else for RQ 1.13's
-- ARGV[7]  the first-seen keys' prefix, to which a job's ID is appended:
--          rq:queue:Q:intermediate:first_seen:
--
-- Returns the IDs of the jobs failed.
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
if #ids == 0 then
  return {}
end
local now = tonumber(ARGV[1])
local started = {}
local composite = '^(.+):' .. string.rep('[0-9a-f]', 32) .. '$'
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if ARGV[6] == '2' then
    member = string.match(member, composite) or member
  end
  started[member] = true
end
local failed = {}
for _, id in ipairs(ids) do
  local first_seen = ARGV[7] .. id
  if redis.call('EXISTS', KEY.job(id)) == 0 then
    redis.call('LREM', KEYS[1], 1, id)
    redis.call('DEL', first_seen)
  elseif not started[id] then
    local seen = tonumber(redis.call('GET', first_seen))
    if not seen then
      redis.call('SET', first_seen, now, 'EX', 86400)
    elseif now - seen > 60 then
      redis.call('LREM', KEYS[1], 1, id)
      redis.call('DEL', first_seen)
      if abandon(id, ARGV[5], KEYS[3], ARGV[2], ARGV[3], now, ARGV[4], ARGV[6] == '2') then
        failed[#failed + 1] = id
      end
    end
  end
end
return failed
