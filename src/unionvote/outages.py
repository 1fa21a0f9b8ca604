"""Telling a passing outage from a bug: the database or Redis cannot be reached, or the pool is full.

Such failures answer 503 with a plain "try again in a moment", are logged as one warning line
without a stack trace, and end by themselves: the pool reconnects (pre-ping) once the database
is back, and the Redis client reconnects on its next command.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE class 08 (connection exception) and the server shutting down, crashed, or still starting.
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")

log = logging.getLogger("unionvote.outages")


def database_unavailable(exc: BaseException) -> bool:
    """The pool is exhausted, or the database cannot be reached: a temporary state, not a bug."""
    if isinstance(exc, PoolTimeout | ConnectionError):
        return True
    if isinstance(exc, DBAPIError):
        # A connection cut mid-request (the server restarted) surfaces as a plain DBAPIError.
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if exc.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
    if isinstance(exc, OperationalError | InterfaceError):
        text = str(exc).lower()
        return any(sign in text for sign in ("connect", "connection", "terminat", "shutdown", "cannot",
                                              "database is locked", "closed"))
    return False


def redis_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, RedisConnectionError | RedisTimeout)


def service_unavailable(exc: BaseException) -> bool:
    """Something the service depends on is briefly out of reach (503), as opposed to a bug (500)."""
    return database_unavailable(exc) or redis_unavailable(exc)


REDIS_ERRORS = (RedisConnectionError, RedisTimeout, OSError)


class RedisBreaker:
    """Where Redis is only a helper (sessions, rate limits): after a failure, leave it alone for a few
    seconds and use the fallback, since each failed call costs the client's retries (a second or more).
    One warning when an outage starts, one line when Redis answers again; no stack traces."""

    def __init__(self, what: str, fallback: str, pause_seconds: float = 5.0) -> None:
        self.what, self.fallback, self.pause = what, fallback, pause_seconds
        self._skip_until = 0.0
        self._failing = False

    def worth_trying(self) -> bool:
        return time.monotonic() >= self._skip_until

    def failed(self, exc: BaseException) -> None:
        self._skip_until = time.monotonic() + self.pause
        if not self._failing:
            self._failing = True
            log.warning("redis unavailable: %s fall back to %s", self.what, self.fallback,
                        extra={"error": type(exc).__name__})

    def answered(self) -> None:
        if self._failing:
            self._failing = False
            log.info("redis reachable again: %s use it again", self.what)
