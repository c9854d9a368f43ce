-- One round trip of POST /classify/check-cache (see fastpath.check).
-- KEYS: the user's rate window, the hit buffer, the user's corrections flag, then one copy key per hash.
-- ARGV: the window's limit, its expiry in seconds, the request's record as JSON without its flags.
-- Returns {count} over the rate; otherwise {count, copies, flag}, having pushed the record (every flag 1)
-- only when every hash had a copy: otherwise the caller completes the record and pushes it.
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then return {count} end
local flag = redis.call('GET', KEYS[3])
local copies = redis.call('MGET', unpack(KEYS, 4))
for i = 1, #copies do
    if not copies[i] then return {count, copies, flag} end
end
local record = cjson.decode(ARGV[3])
record.f = string.rep('1', #copies)
redis.call('RPUSH', KEYS[2], cjson.encode(record))
return {count, copies, flag}
