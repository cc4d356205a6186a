-- Deletes a lock only if it still holds the caller's value, so that a lock
-- taken over by someone else after it expired is left alone.
--
-- KEYS[1]  the lock
-- ARGV[1]  the value the caller set
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
