-- Moves abandoned jobs from the started registry to the failed registry, as
-- RQ 1.13's StartedJobRegistry.cleanup: an entry whose score (its heartbeat
-- expiry) has passed belongs to a worker that died. The job gets status
-- failed, an exc_info in its hash, and the failure TTL; or, if it has
-- retries left, it runs again (see retry).
--
-- KEYS[1]  the started registry, rq:wip:Q
-- KEYS[2]  the failed registry, rq:failed:Q
--
-- ARGV[1]  now, in epoch seconds
-- ARGV[2]  the zlib'd exc_info text: "Moved to FailedJobRegistry at <time>"
-- ARGV[3]  the default failure TTL in seconds
-- ARGV[4]  now, as an RQ timestamp
-- ARGV[5]  the queue's name
-- ARGV[6]  the layout of the started registry: "2" for RQ 2.x, whose
--          members are ID:EXECUTION; anything else for RQ 1.13, whose
--          members are the job IDs
--
-- Returns the IDs moved.
--
-- A member's job ID depends on the layout only, never on the member's look
-- (startedJobID in registry.go is the same rule). In RQ 1.13 the member is
-- the ID, ':' and all: an entry whose job is gone is skipped, and dropped
-- with the rest, as RQ 1.13 does. In RQ 2.x only the composite form RQ 2.x
-- writes, ID:<uuid4().hex>, 32 lowercase hex digits, is split; any other
-- member is taken whole as an ID, as RQ 2.x's parse_composite_key takes a
-- member without ':'.
local now = tonumber(ARGV[1])
local composite = '^(.+):' .. string.rep('[0-9a-f]', 32) .. '$'
local moved = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], 0, now)) do
  local id = member
  if ARGV[6] == '2' then
    id = string.match(member, composite) or member
  end
  if redis.call('EXISTS', KEY.job(id)) == 1 and abandon(id, ARGV[5], KEYS[2], ARGV[2], ARGV[3], now, ARGV[4]) then
    moved[#moved + 1] = id
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now)
return moved
