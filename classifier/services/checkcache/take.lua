-- The flusher's atomic take: up to ARGV[1] records leave the buffer (KEYS[1]) and land in the processing
-- list (KEYS[2]) in one step, where they stay until their rows are committed (see hits.flush).
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
    redis.call('LTRIM', KEYS[1], #items, -1)
    redis.call('RPUSH', KEYS[2], unpack(items))
end
return items
