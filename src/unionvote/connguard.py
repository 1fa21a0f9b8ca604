"""A guard in each worker against clients that open connections and never finish a request.

uvicorn reads request heads without a deadline: a connection that sends half a head, or nothing,
is held until the client lets go, and a thousand of them exhaust a worker's open files so /healthz
and everyone else fail. This HTTP protocol (uvicorn's httptools one, with deadlines) drops:

- a request head not complete within HEAD_SECONDS of its first byte (or of the connection opening);
- a request head larger than MAX_HEAD_BYTES (431);
- a request body that stalls for BODY_IDLE_SECONDS, or takes longer than BODY_SECONDS in all;
- the oldest connection still waiting on its head, when its address opens one more than
  MAX_PENDING_HEADS_PER_ADDRESS such connections and that oldest one has waited YOUNG_HEAD_SECONDS or
  more, or, whatever their age, when the address has MAX_YOUNG_HEADS_PER_ADDRESS waiting (a trusted
  proxy's address is exempt: the proxy enforces its own limits). Real browsers finish a head in
  milliseconds, so they are never the oldest for long; someone holding hundreds of half-sent heads loses
  them as fast as they open new ones. A hall's phones behind one network address that connect in the
  same instant (a ballot opens, the Wi-Fi comes back) are all let in: their heads have not been read yet
  only because the worker has not got to them, not because they are slow.

Keep-alive between requests is uvicorn's timeout_keep_alive; how many connections a worker serves
at once is its limit_concurrency (both set by `unionvote serve`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_SECONDS = 5.0
MAX_HEAD_BYTES = 32 * 1024
BODY_IDLE_SECONDS = 10.0
BODY_SECONDS = 120.0
MAX_PENDING_HEADS_PER_ADDRESS = 64
YOUNG_HEAD_SECONDS = 1.0  # a head waiting less than this is the worker's delay, not the client's
MAX_YOUNG_HEADS_PER_ADDRESS = 256  # even so, no more than this many waiting from one address

# Per address, the connections waiting on a head, oldest first (a dict keeps insertion order).
_pending_heads: dict[str, dict[GuardedHttpToolsProtocol, None]] = {}
_TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_TOO_LARGE_RESPONSE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
                       b"connection: close\r\n\r\n")


def pending_heads() -> int:
    """How many connections of this worker are waiting on a request head (for tests and metrics)."""
    return sum(len(waiting) for waiting in _pending_heads.values())


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard_timer: asyncio.TimerHandle | None = None
        self._phase: str | None = None  # "head", "body" or None (between requests, or handled)
        self._head_bytes = 0
        self._body_deadline = 0.0
        self._address: str | None = None
        self._head_since = 0.0  # loop time the connection began waiting on its current head

    # ---- uvicorn's hooks -----------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._address = self.client[0] if self.client else None
        waiting = _pending_heads.get(self._address or "", {})
        if self._address and len(waiting) >= MAX_PENDING_HEADS_PER_ADDRESS and not self._trusted(self._address):
            oldest = next(iter(waiting))
            if (len(waiting) >= MAX_YOUNG_HEADS_PER_ADDRESS
                    or self.loop.time() - oldest._head_since >= YOUNG_HEAD_SECONDS):
                oldest._refuse(_TIMEOUT_RESPONSE)
        self._enter_head()

    def data_received(self, data: bytes) -> None:
        if self._phase is None and (self.cycle is None or self.cycle.response_complete):
            self._enter_head()  # the next request on a kept-alive connection
        if self._phase == "head":
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(_TOO_LARGE_RESPONSE)
                return
        elif self._phase == "body":
            self._arm(min(BODY_IDLE_SECONDS, max(self._body_deadline - self.loop.time(), 0.0)))
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._leave_head()
        self._phase = "body"
        self._body_deadline = self.loop.time() + BODY_SECONDS
        self._arm(BODY_IDLE_SECONDS)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._phase = None
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the websocket protocol takes the connection over
        self._phase = None
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._phase == "head":
            self._leave_head()
        self._phase = None
        super().connection_lost(exc)

    # ---- the guard -----------------------------------------------------------------------
    def _trusted(self, address: str) -> bool:
        config = self.config
        if not config.proxy_headers:
            return False
        allowed = config.forwarded_allow_ips
        names = allowed if isinstance(allowed, list) else str(allowed or "").split(",")
        return "*" in names or address in {name.strip() for name in names}

    def _enter_head(self) -> None:
        if self._phase == "head":
            return
        self._phase, self._head_bytes, self._head_since = "head", 0, self.loop.time()
        if self._address:
            _pending_heads.setdefault(self._address, {})[self] = None
        self._arm(HEAD_SECONDS)

    def _leave_head(self) -> None:
        if self._phase == "head" and self._address:
            waiting = _pending_heads.get(self._address, {})
            waiting.pop(self, None)
            if not waiting:
                _pending_heads.pop(self._address, None)
        self._phase = None

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._guard_timer = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._guard_timer is not None:
            self._guard_timer.cancel()
            self._guard_timer = None

    def _timed_out(self) -> None:
        self._guard_timer = None
        if self._phase is not None:
            self._refuse(_TIMEOUT_RESPONSE)

    def _refuse(self, response: bytes) -> None:
        """Answer (when no response has started) and close."""
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(response)
        if self._phase == "head":
            self._leave_head()
        self._phase = None
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Lift this process's soft open-files limit towards its hard limit (systemd's default soft limit,
    1,024, is what one client with a thousand idle connections used to exhaust). Returns the limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def concurrency_for(open_files: int, wanted: int) -> int:
    """Connections a worker accepts before answering 503: below its open-files limit, with room left
    for the database pool, Redis, log files and the listening socket."""
    return max(64, min(wanted, open_files - 128))
