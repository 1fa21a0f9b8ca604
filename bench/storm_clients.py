"""The delegates' devices in the vote storm: one websocket each, following the conference, and a vote over HTTP.

Each listener notes when the ballot-opened and result-declared fragments reach it (by the sentence each
puts in the page's live region); each voter casts as soon as its own socket says voting has opened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

OPENED_MARK = "Voting has opened"
DECLARED_MARK = "Result declared:"
PER_ADDRESS = 1000  # sockets from one client address


@dataclass
class Listener:
    token: str
    socket: ClientConnection | None = None
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    opened_at: float | None = None
    declared: asyncio.Event = field(default_factory=asyncio.Event)
    declared_at: float | None = None
    messages: int = 0
    lost: bool = False  # the socket closed before the bench closed it
    task: asyncio.Task[None] | None = None

    def reset(self) -> None:
        """Ready for the next ballot on the same socket (a lost socket's phone votes without waiting)."""
        self.opened, self.opened_at = asyncio.Event(), None
        self.declared, self.declared_at = asyncio.Event(), None
        if self.lost:
            self.opened.set()

    async def listen(self) -> None:
        assert self.socket is not None
        try:
            async for message in self.socket:
                self.messages += 1
                text = message if isinstance(message, str) else message.decode()
                if self.opened_at is None and OPENED_MARK in text:
                    self.opened_at = time.perf_counter()
                    self.opened.set()
                if self.declared_at is None and DECLARED_MARK in text:
                    self.declared_at = time.perf_counter()
                    self.declared.set()
        except ConnectionClosed:
            pass
        # The server dropped this socket (a worker restarted): the phone reloads the page and votes anyway.
        self.lost = True
        self.opened.set()


async def connect_listeners(base: str, conference_id: int, tokens: list[str], batch: int = 100, retries: int = 5,
                            ticket: Callable[[int], str] | None = None) -> list[Listener]:
    """A websocket per delegate, `batch` handshakes at a time; each must be accepted and say hello.
    `ticket(n)`, when given, is the n-th socket's live ticket (as its page would give it), asked for at its turn."""
    uri = base.replace("http://", "ws://") + f"/ws/live?topics=conference:{conference_id}"
    listeners = [Listener(token) for token in tokens]
    loopback = "//127.0.0.1:" in base

    async def one(n: int, listener: Listener) -> None:
        # A hall's phones come through several networks: on loopback, each 1,000 from an address of their own
        # (a worker takes at most 4,000 sockets from one address).
        where = {"local_addr": (f"127.0.0.{2 + n // PER_ADDRESS}", 0)} if loopback else {}
        for attempt in range(retries + 1):  # a busy server may refuse a handshake; a phone tries again
            try:
                with_ticket = uri if ticket is None else f"{uri}&ticket={ticket(n)}"
                listener.socket = await connect(with_ticket, origin=base,  # type: ignore[arg-type]
                                                additional_headers={"Authorization": f"Bearer {listener.token}"},
                                                ping_interval=None, open_timeout=120, max_queue=None, **where)
                break
            except (InvalidHandshake, OSError, TimeoutError):
                if attempt == retries:
                    raise
                await asyncio.sleep(1 + attempt)
        assert listener.socket is not None
        hello = await listener.socket.recv()
        assert "live-status" in str(hello), hello
        listener.task = asyncio.create_task(listener.listen())

    for start in range(0, len(listeners), batch):
        await asyncio.gather(*(one(start + i, listener) for i, listener in enumerate(listeners[start:start + batch])))
    return listeners


async def close_listeners(listeners: list[Listener]) -> None:
    async def one(listener: Listener) -> None:
        if listener.socket is not None:
            await listener.socket.close()
        if listener.task is not None:
            await listener.task

    await asyncio.gather(*(one(listener) for listener in listeners), return_exceptions=True)


@dataclass(frozen=True)
class Cast:
    status: int  # 0: the request failed in transport
    tracker: str | None
    latency: float  # seconds from sending the request to the receipt
    acknowledged_at: float
    detail: str = ""


async def cast_when_open(client: httpx.AsyncClient, listener: Listener, ballot_id: int, choice: str, ballot_token: str,
                         in_flight: asyncio.Semaphore) -> Cast:
    """Wait for this device's socket to show the open ballot, then vote; `in_flight` caps open requests."""
    await listener.opened.wait()
    async with in_flight:
        started = time.perf_counter()
        try:
            response = await client.post(f"/api/v1/ballots/{ballot_id}/votes",
                                         json={"choice": [choice], "token": ballot_token},
                                         headers={"Authorization": f"Bearer {listener.token}"})
        except httpx.HTTPError as exc:
            now = time.perf_counter()
            return Cast(0, None, now - started, now, type(exc).__name__)
        now = time.perf_counter()
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    return Cast(response.status_code, body.get("tracker"), now - started, now,
                "" if response.status_code == 201 else str(body.get("detail", response.text[:200])))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]
