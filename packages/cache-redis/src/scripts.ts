// The tier's writes to a secret's hash, each one Lua script: atomic, and one round trip with the
// message it publishes (an invalidation reaches the fleet only once the hash holds what it should).
//
// Every write or delete through a manager leaves a mark in the hash (field MARK): the time Redis
// did it and the version it kept ('' for none). Times are Redis's own clock, and callers pass
// durations measured on theirs, so that no two machines' clocks are ever compared.

/** The hash field of the mark: no cache key starts with a NUL. */
export const MARK = '\u0000w';

/** How long a mark outlives the entries it came with: longer than any read or write takes. */
export const MARK_TTL_MS = 60_000;

/**
 * Margin (ms) between a duration measured by a manager and the same span on Redis's clock (the
 * round trip, a busy event loop): widening the windows below only makes the tier more careful
 * (two writes of a secret this close are taken to overlap, and the second keeps nothing).
 */
const SLACK_MS = 50;

const PRELUDE = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mark = redis.call('hget', KEYS[1], ARGV[1])
local at, written = -1, nil
if mark then
  local sep = string.find(mark, ':', 1, true)
  if sep then at = tonumber(string.sub(mark, 1, sep - 1)) or -1; written = string.sub(mark, sep + 1) end
end
local stamp = string.format('%.0f', now) .. ':'
`;

/**
 * A read's answer: kept unless a write or delete left a mark of another version since the read
 * began (ARGV[6] ms ago, -1 when unknown): the answer may predate it. Publishes the fill message.
 * ARGV: mark, field, entry, version, ttl, readMs, channel, message. Returns 1 when kept.
 */
export const FILL = `${PRELUDE}
local readMs = tonumber(ARGV[6])
if readMs >= 0 and written ~= nil and written ~= ARGV[4] and at >= now - readMs - ${SLACK_MS} then return 0 end
redis.call('hset', KEYS[1], ARGV[2], ARGV[3])
redis.call('pexpire', KEYS[1], ARGV[5], 'NX')
redis.call('pexpire', KEYS[1], ARGV[5], 'GT')
redis.call('publish', ARGV[7], ARGV[8])
return 1`;

/**
 * A write's value: the hash is emptied and keeps only it, unless another write or delete left
 * its mark while this one was in progress (ARGV[6] ms): which of the two the provider holds is
 * unknown then, so the hash keeps nothing. Either way the invalidation goes out.
 * ARGV: mark, field, entry, version, ttl, writeMs, channel, message. Returns 1 when kept.
 */
export const REPLACE = `${PRELUDE}
local overlapped = at >= now - tonumber(ARGV[6]) - ${SLACK_MS}
redis.call('del', KEYS[1])
if overlapped then
  redis.call('hset', KEYS[1], ARGV[1], stamp)
  redis.call('pexpire', KEYS[1], ${MARK_TTL_MS})
else
  redis.call('hset', KEYS[1], ARGV[2], ARGV[3], ARGV[1], stamp .. ARGV[4])
  redis.call('pexpire', KEYS[1], math.max(tonumber(ARGV[5]), ${MARK_TTL_MS}))
end
redis.call('publish', ARGV[7], ARGV[8])
if overlapped then return 0 end
return 1`;

/** A delete (or a write whose outcome is unknown): drops the entries, leaves the mark, invalidates. ARGV: mark, channel, message. */
export const DROP = `${PRELUDE}
redis.call('del', KEYS[1])
redis.call('hset', KEYS[1], ARGV[1], stamp)
redis.call('pexpire', KEYS[1], ${MARK_TTL_MS})
redis.call('publish', ARGV[2], ARGV[3])
return 1`;

/**
 * Deletes a lock only if it still holds this holder's token (it may have expired and been taken),
 * then tells the waiters, in the same round trip: they read the entry, or the backend if none.
 */
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) redis.call('publish', ARGV[2], ARGV[3]) return 1 else return 0 end`;
