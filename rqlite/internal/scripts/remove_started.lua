-- Takes job ARGV[1] out of a started registry in RQ 2.x's layout, whose
-- members are ID:EXECUTION: as RQ 2.x's StartedJobRegistry.remove_executions,
-- the member of each execution in the job's executions set leaves it, and
-- so does a member that is the bare ID (RQ 2.x's parse_composite_key reads
-- one as a job without execution).
--
-- KEYS[1]  the started registry, rq:wip:NAME
-- KEYS[2]  the job's executions, rq:executions:ID
-- ARGV[1]  the job ID
--
-- Returns the number of members removed.
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
for _, e in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  removed = removed + redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. e)
end
return removed
