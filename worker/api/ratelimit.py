"""Per-key rate limiting in Redis, shared by every ``callrec serve`` process.

A sliding one-second window per key: a request passes when fewer than ``rate_per_s`` of the
key's requests passed in the second before it, else it gets ``429`` with ``Retry-After``
(whole seconds, as RFC 9110 says: until the oldest of them is a second old). Fixed windows
let twice the rate through across a window's edge (session-47 audit: 100 requests in 0.154 s
at a rate of 50). The passed requests' times are a sorted set per key (at most ``rate_per_s``
members), checked and added to in one Lua script, so concurrent servers count exactly.
"""

from __future__ import annotations

import math
import time
import uuid

import redis

#: KEYS[1]: the key's set; ARGV: now (s), rate, a unique member. Returns 0 when the request
#: passes, else the time (s, as text) at which the oldest counted request leaves the window.
_SLIDING = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + 1)
"""


class RateLimiter:
    """Counts requests per key over the last second."""

    def __init__(self, client: redis.Redis, rate_per_s: int, *, namespace: str = "callrec:api",
                 clock=time.time) -> None:
        self.client = client
        self.rate_per_s = rate_per_s
        self.namespace = namespace
        self.clock = clock
        self._script = client.register_script(_SLIDING)

    def retry_after_s(self, key_id: str) -> int | None:
        """Count one request of ``key_id``; None when it may pass, else seconds to wait."""
        if self.rate_per_s <= 0:
            return None
        now = self.clock()
        free_at = self._script(keys=[f"{self.namespace}:rate:{key_id}"],
                               args=[repr(now), self.rate_per_s, uuid.uuid4().hex])
        if free_at == 0:  # the script's integer 0: the request passes
            return None
        return max(1, math.ceil(float(free_at) - now))
