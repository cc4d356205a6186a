-- Deletes a queue as RQ's Queue.delete does. With ARGV[1] = '1' its jobs
-- go first, as RQ's Queue.empty removes them (see empty_queue). Then the queue
-- leaves the set of queues and its list is deleted.
--
-- KEYS[1]  the set of queues, rq:queues
-- KEYS[2]  the queue list, rq:queue:NAME
-- ARGV[1]  '1' to delete the queue's jobs, '0' to leave their hashes
--
-- Returns the number of jobs deleted.
local removed = 0
if ARGV[1] == '1' then
  removed = empty_queue(KEYS[2])
end
redis.call('SREM', KEYS[1], KEYS[2])
redis.call('DEL', KEYS[2])
return removed
