"""Per-key rate limiting in Redis, shared by every ``callrec serve`` process.

A fixed one-second window per key: the first ``rate_per_s`` requests of a second pass, the
rest get ``429`` with ``Retry-After`` (whole seconds, as RFC 9110 says) until the next.
"""

from __future__ import annotations

import math
import time

import redis


class RateLimiter:
    """Counts requests per key and second."""

    def __init__(self, client: redis.Redis, rate_per_s: int, *, namespace: str = "callrec:api",
                 clock=time.time) -> None:
        self.client = client
        self.rate_per_s = rate_per_s
        self.namespace = namespace
        self.clock = clock

    def retry_after_s(self, key_id: str) -> int | None:
        """Count one request of ``key_id``; None when it may pass, else seconds to wait."""
        if self.rate_per_s <= 0:
            return None
        now = self.clock()
        window = int(now)
        name = f"{self.namespace}:rate:{key_id}:{window}"
        with self.client.pipeline(transaction=False) as pipe:
            pipe.incr(name)
            pipe.expire(name, 2)
            count, _ = pipe.execute()
        if count <= self.rate_per_s:
            return None
        return max(1, math.ceil(window + 1 - now))
