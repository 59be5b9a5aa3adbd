import { createHash } from 'node:crypto';

// The Redis side of `redisRateLimiter`: one Lua script per decision, run atomically by Redis, so
// concurrent gateways cannot both read "one left" and both take it (the read-then-write race
// behind Kong's, APISIX's and Traefik's over-admission). Time comes from Redis `TIME` inside the
// script, never from a gateway's clock, so skewed hosts agree. Redis 5+ replicates a script's
// effects, not the script, which is what allows `TIME` before a write.
// Floats cross the wire as strings (`%.17g`): Redis truncates Lua numbers in replies to integers.

/** A script and its SHA-1, for EVALSHA with an EVAL fallback on NOSCRIPT. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * GCRA: the key holds the time (ms, Redis clock) at which the bucket is empty again. It serves
 * the token bucket (`pass` = -1) and the nginx leaky bucket (`pass` = water passed unheld).
 * KEYS[1] state · ARGV interval ms, capacity ms, pass ms, cost, commit (1|0).
 * Reply: allowed (0|1), level ms after the decision, retry ms, hold ms.
 */
export const GCRA = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local pass = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local at = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local ahead = 0
if at > now then ahead = at - now end
local after = ahead + cost * interval
local allowed = after <= capacity + 1e-6
local level = ahead
local retry = 0
local hold = 0
if allowed then
  level = after
  if pass >= 0 and cost > 0 and after - pass > 1e-6 then hold = after - pass end
  if ARGV[5] == '1' and level > 0 then
    redis.call('SET', KEYS[1], string.format('%.17g', now + level), 'PX', math.ceil(level) + 1)
  end
else
  retry = after - capacity
end
return { allowed and 1 or 0, string.format('%.17g', level), string.format('%.17g', retry),
  string.format('%.17g', hold) }
`);

/**
 * Sliding window counter (Cloudflare's), in one hash: window index `i`, previous count `p`,
 * current count `c`; windows start at multiples of the window on the Redis clock.
 * KEYS[1] state · ARGV limit, window ms, cost, commit (1|0).
 * Reply: allowed (0|1), used (before this take), previous, current (after), start − now ms.
 */
export const SLIDING_WINDOW = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local index = math.floor(now / window)
local s = redis.call('HMGET', KEYS[1], 'i', 'p', 'c')
local si = tonumber(s[1])
local previous = tonumber(s[2]) or 0
local current = tonumber(s[3]) or 0
if si ~= index then
  if si == index - 1 then previous = current else previous = 0 end
  current = 0
end
local start = index * window
local used = previous * (start + window - now) / window + current
local allowed = used + cost <= limit + 1e-6
if allowed then
  current = current + cost
  if ARGV[4] == '1' then
    redis.call('HSET', KEYS[1], 'i', string.format('%.17g', index),
      'p', string.format('%.17g', previous), 'c', string.format('%.17g', current))
    redis.call('PEXPIRE', KEYS[1], math.ceil(start + 2 * window - now) + 1)
  end
end
return { allowed and 1 or 0, string.format('%.17g', used), string.format('%.17g', previous),
  string.format('%.17g', current), string.format('%.17g', start - now) }
`);
