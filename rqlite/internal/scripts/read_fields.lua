-- Reads hashes within bounds, for the pages that show them (the
-- dashboard): no value longer than a limit is read, no more bytes in all
-- than another, and a hash with more fields than a third is not read
-- whole, so that a page costs a bounded amount of memory whatever a hash
-- holds. What is not read stays in Redis; its length is returned instead.
--
-- KEYS[1..]  the hashes
--
-- ARGV[1]    the most fields of a hash read whole (when no field is
--            named): a hash with more is not read
-- ARGV[2]    the longest value read, in bytes
-- ARGV[3]    the most bytes of values read in all, over every hash
-- ARGV[4]    the longest field name returned whole, in bytes: a longer
--            one is returned cut, with its value unread
-- ARGV[5..]  the fields to read of each hash; none: all of them
--
-- Returns, for each hash, in order: false when its key does not exist,
-- 'WRONGTYPE' when it holds another type, its field count (an integer)
-- when it has more fields than ARGV[1] and no field is named; or else a
-- list field, value...: a value read is a string, one left unread is
-- its length (an integer), and a named field that the hash lacks is
-- false.
local max_fields, max_value = tonumber(ARGV[1]), tonumber(ARGV[2])
local budget, max_name = tonumber(ARGV[3]), tonumber(ARGV[4])
local named = {}
for i = 5, #ARGV do
  named[#named + 1] = ARGV[i]
end

local function read(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' then
    return false
  elseif kind ~= 'hash' then
    return 'WRONGTYPE'
  end
  local fields = named
  if #named == 0 then
    local n = redis.call('HLEN', key)
    if n > max_fields then
      return n
    end
    fields = redis.call('HKEYS', key)
  end
  local out = {}
  for _, f in ipairs(fields) do
    local n = redis.call('HSTRLEN', key, f)
    if #f > max_name then
      out[#out + 1], out[#out + 2] = string.sub(f, 1, max_name), n
    elseif n == 0 and redis.call('HEXISTS', key, f) == 0 then
      out[#out + 1], out[#out + 2] = f, false
    elseif n <= max_value and n <= budget then
      budget = budget - n
      out[#out + 1], out[#out + 2] = f, redis.call('HGET', key, f)
    else
      out[#out + 1], out[#out + 2] = f, n
    end
  end
  return out
end

local replies = {}
for i = 1, #KEYS do
  replies[i] = read(KEYS[i])
end
return replies
