"""Fixed-window rate limits: in memory for one process, in Redis across workers.

While Redis cannot be reached, each worker counts in its own memory instead (logged once), so
logging in keeps working through a Redis outage; the limit then holds per worker, not overall.
"""

from __future__ import annotations

import time
from collections import defaultdict

from redis.asyncio import Redis

from unionvote.outages import REDIS_ERRORS, RedisBreaker


class RateLimiter:
    def __init__(self, limit: int, window_seconds: int = 60, redis: Redis | None = None, prefix: str = "uv") -> None:
        self.limit, self.window, self.redis, self.prefix = limit, window_seconds, redis, prefix
        self._counts: dict[tuple[str, int], int] = defaultdict(int)
        self.breaker = RedisBreaker("rate limits", "counting in this worker")

    async def hit(self, key: str) -> bool:
        """Count one attempt; False when the key is over its limit in this window."""
        bucket = int(time.time()) // self.window
        if self.redis is not None and self.breaker.worth_trying():
            name = f"{self.prefix}:rl:{key}:{bucket}"
            try:
                count = await self.redis.incr(name)
                if count == 1:
                    await self.redis.expire(name, self.window + 1)
            except REDIS_ERRORS as exc:
                self.breaker.failed(exc)
            else:
                self.breaker.answered()
                return count <= self.limit
        if len(self._counts) > 100_000:  # drop old windows rather than grow without bound
            self._counts = defaultdict(int, {k: v for k, v in self._counts.items() if k[1] == bucket})
        self._counts[(key, bucket)] += 1
        return self._counts[(key, bucket)] <= self.limit

    async def spent(self, key: str) -> bool:
        """Whether the key has used its whole budget in this window (counting nothing)."""
        bucket = int(time.time()) // self.window
        if self.redis is not None and self.breaker.worth_trying():
            try:
                count = int(await self.redis.get(f"{self.prefix}:rl:{key}:{bucket}") or 0)
            except REDIS_ERRORS as exc:
                self.breaker.failed(exc)
            else:
                self.breaker.answered()
                return count >= self.limit
        return self._counts.get((key, bucket), 0) >= self.limit

    def retry_after(self) -> int:
        return self.window - int(time.time()) % self.window
