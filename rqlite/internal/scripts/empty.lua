-- Empties a queue as RQ's Queue.empty does (see empty_queue).
--
-- KEYS[1]  the queue list, rq:queue:NAME
--
-- Returns the number of jobs removed.
return empty_queue(KEYS[1])
