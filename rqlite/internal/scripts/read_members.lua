-- Reads members of a set within bounds, for the pages and lists that show
-- them: a page of SSCAN from a cursor, or the first members found, never
-- more than a number of them, and no member longer than a limit, so that
-- a reader costs a bounded amount of memory and time whatever the set
-- holds. What is not read stays in Redis.
--
-- KEYS[1]  the set
--
-- ARGV[1]  the SSCAN cursor to start from: '0' for the start
-- ARGV[2]  SSCAN's COUNT, the members each call looks at
-- ARGV[3]  the most SSCAN calls: '1' reads one page
-- ARGV[4]  the most members returned: the call stops once it has them,
--          and members of its last SSCAN page beyond them are left out
-- ARGV[5]  the longest member returned, in bytes: longer ones are left
--          out and counted
--
-- Returns false when the key does not exist, 'WRONGTYPE' when it holds
-- another type, or else {the cursor after the last page read ('0': the
-- set was read to its end), the set's size, how many members read were
-- longer than ARGV[5], how many were left out past ARGV[4], the members
-- returned...}. A member found twice (SSCAN may return one again) is
-- returned once.
local cursor, count = ARGV[1], ARGV[2]
local calls, most, longest = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then
  return false
elseif kind ~= 'set' then
  return 'WRONGTYPE'
end
local out = {'0', redis.call('SCARD', KEYS[1]), 0, 0}
local seen = {}
for _ = 1, calls do
  local page = redis.call('SSCAN', KEYS[1], cursor, 'COUNT', count)
  cursor = page[1]
  for _, m in ipairs(page[2]) do
    if #m > longest then
      out[3] = out[3] + 1
    elseif not seen[m] then
      seen[m] = true
      if #out - 4 < most then
        out[#out + 1] = m
      else
        out[4] = out[4] + 1
      end
    end
  end
  if cursor == '0' or #out - 4 >= most then
    break
  end
end
out[1] = cursor
return out
