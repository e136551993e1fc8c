import { script } from './redis-connection.ts'

/*
 * The Lua scripts of the Redis registry (server/redis-registry.ts): the writes that must be
 * atomic across finder nodes. They read keys they find as they go (a registration named by a
 * location hash), so they need one Redis, not Redis Cluster.
 */

/** KEYS loc, reg; ARGV session contact location json expires ttl max regPrefix locPrefix */
export const REGISTER = script(`
local locKey, regKey = KEYS[1], KEYS[2]
local session, contact, location = ARGV[1], ARGV[2], ARGV[3]
local ttl, max, regPrefix, locPrefix = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9]
local count, holder = 0, false
local fields = redis.call('HGETALL', locKey)
for i = 1, #fields, 2 do
  if redis.call('EXISTS', regPrefix .. fields[i + 1]) == 0 then
    redis.call('HDEL', locKey, fields[i])
  else
    count = count + 1
    if fields[i] == location then holder = fields[i + 1] end
  end
end
local own = redis.call('HMGET', regKey, 'c', 'l', 'j')
if not holder then count = count + 1 end
if own[1] == contact and own[2] ~= location then count = count - 1 end
if count > max then return -1 end
local replaced = {}
if own[1] then
  table.insert(replaced, own[3])
  redis.call('DEL', regKey)
  local ownLoc = locPrefix .. own[1]
  if redis.call('HGET', ownLoc, own[2]) == session then redis.call('HDEL', ownLoc, own[2]) end
end
if holder and holder ~= session then
  local theirs = redis.call('HGET', regPrefix .. holder, 'j')
  if theirs then table.insert(replaced, theirs) end
  redis.call('DEL', regPrefix .. holder)
end
redis.call('HSET', regKey, 'c', contact, 'l', location, 'j', ARGV[4], 'e', ARGV[5])
redis.call('PEXPIRE', regKey, ttl)
redis.call('HSET', locKey, location, session)
if redis.call('PTTL', locKey) < ttl then redis.call('PEXPIRE', locKey, ttl) end
return replaced
`)

/** KEYS reg; ARGV expires ttl locPrefix → { json, expires } or nil */
export const KEEP_ALIVE = script(`
local cur = redis.call('HMGET', KEYS[1], 'j', 'e', 'c')
if not cur[1] then return false end
local e = cur[2]
if tonumber(ARGV[1]) > tonumber(e) then
  e = ARGV[1]
  local ttl = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'e', e)
  redis.call('PEXPIRE', KEYS[1], ttl)
  local locKey = ARGV[3] .. cur[3]
  if redis.call('PTTL', locKey) < ttl then redis.call('PEXPIRE', locKey, ttl) end
end
return e
`)

/** KEYS reg; ARGV session locPrefix → { json, expires } or nil */
export const UNREGISTER = script(`
local cur = redis.call('HMGET', KEYS[1], 'j', 'e', 'c', 'l')
if not cur[1] then return false end
redis.call('DEL', KEYS[1])
local locKey = ARGV[2] .. cur[3]
if redis.call('HGET', locKey, cur[4]) == ARGV[1] then redis.call('HDEL', locKey, cur[4]) end
return { cur[1], cur[2] }
`)

/** KEYS loc; ARGV regPrefix → json, expires, json, expires, … (dangling entries dropped) */
export const LOCATIONS = script(`
local out = {}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local r = redis.call('HMGET', ARGV[1] .. fields[i + 1], 'j', 'e')
  if r[1] then
    table.insert(out, r[1])
    table.insert(out, r[2])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
return out
`)

/** KEYS route, routes; ARGV session json ttl context max routePrefix score → 1, or -1 (taken) */
export const ADD_ROUTE = script(`
local holder = redis.call('HGET', KEYS[1], 's')
if holder and holder ~= ARGV[1] then return -1 end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 's', ARGV[1], 'j', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[4])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do
    local k = ARGV[6] .. old[i]
    if redis.call('HGET', k, 's') == ARGV[1] then redis.call('DEL', k) end
  end
end
return 1
`)

/** KEYS routes; ARGV session routePrefix */
export const DROP_ROUTES = script(`
local all = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, c in ipairs(all) do
  local k = ARGV[2] .. c
  if redis.call('HGET', k, 's') == ARGV[1] then redis.call('DEL', k) end
end
redis.call('DEL', KEYS[1])
return #all
`)
