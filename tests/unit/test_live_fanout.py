"""The live hub's fan-out: one subscription per channel per worker, one frame per update for all its sockets,
and a socket that does not read its updates closed with a reason rather than left to fill the worker's memory."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from uvicorn.config import Config
from uvicorn.server import ServerState

from unionvote import live_protocol
from unionvote.live import MAX_INTERVAL, QUEUED_PER_SOCKET, Coalescer, LiveRooms, Outlet, screens_following
from unionvote.live_protocol import SHARED_FRAMES, LiveWebSocketProtocol, text_frame

TOPICS = ["conference:1", "conference:1~cy"]


class CountingBackend(MemoryChannelsBackend):
    def __init__(self) -> None:
        super().__init__()
        self.subscribed: list[str] = []
        self.unsubscribed: list[str] = []

    async def subscribe(self, channels: Iterable[str]) -> None:
        self.subscribed += list(channels)
        await super().subscribe(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        self.unsubscribed += list(channels)
        await super().unsubscribe(channels)


class Phone:
    """A socket as the live handler sees it: written through the server's shared frames, or sent the ordinary way."""

    def __init__(self, shared: bool = True, reads: bool = True) -> None:
        self.frames: list[bytes] = []
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.reads = reads
        self.scope: dict[str, Any] = {"extensions": {SHARED_FRAMES: {"write": self.write}} if shared else {}}

    def write(self, frame: bytes, payload: bytes) -> bool:
        self.frames.append(frame)
        return True

    async def send(self, message: dict[str, Any]) -> None:
        if not self.reads:
            await asyncio.Event().wait()  # the phone never takes it
        self.sent.append(message)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = (code, reason or "")


async def until(condition: Callable[[], bool], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_thousand_screens_are_one_subscription_and_each_update_is_framed_once() -> None:
    backend = CountingBackend()
    async with ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True) as channels:
        rooms = LiveRooms(channels)
        phones = [Phone() for _ in range(1000)]
        outlets = [Outlet(phone) for phone in phones]  # type: ignore[arg-type]
        await asyncio.gather(*(rooms.enter(outlet, TOPICS) for outlet in outlets))
        assert sorted(backend.subscribed) == sorted(TOPICS)  # once per channel, not once per socket
        app = Litestar(state=None)
        app.state.live_rooms = rooms
        assert screens_following(app, "conference:1") == 1000
        assert screens_following(app, "conference:2") == 0

        channels.publish("<p>312 have voted</p>", "conference:1~cy")
        await until(lambda: all(phone.frames for phone in phones))
        first = phones[0].frames[0]
        assert first == text_frame(b"<p>312 have voted</p>")
        assert all(phone.frames == [first] and phone.frames[0] is first for phone in phones)

        for outlet in outlets[:-1]:
            await rooms.leave(outlet)
        assert backend.unsubscribed == []  # one screen still follows
        await rooms.leave(outlets[-1])
        assert sorted(backend.unsubscribed) == sorted(TOPICS)
        assert rooms.rooms == {}


async def test_a_screen_that_joins_after_the_last_left_is_subscribed_afresh() -> None:
    backend = CountingBackend()
    async with ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True) as channels:
        rooms = LiveRooms(channels)
        first = Outlet(Phone())  # type: ignore[arg-type]
        await rooms.enter(first, TOPICS)
        await rooms.leave(first)
        phone = Phone()
        await rooms.enter(Outlet(phone), TOPICS)  # type: ignore[arg-type]
        channels.publish("<p>declared</p>", "conference:1")
        await until(lambda: bool(phone.frames))
        assert phone.frames == [text_frame(b"<p>declared</p>")]


async def test_without_shared_frames_a_screen_that_does_not_read_is_closed_not_queued_for_ever() -> None:
    async with ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True) as channels:
        rooms = LiveRooms(channels)
        asleep, awake = Phone(shared=False, reads=False), Phone(shared=False)
        sleeping = Outlet(asleep)  # type: ignore[arg-type]
        await rooms.enter(sleeping, TOPICS)
        await rooms.enter(Outlet(awake), TOPICS)  # type: ignore[arg-type]
        dropped = live_protocol.dropped["slow"]
        for n in range(QUEUED_PER_SOCKET + 3):
            channels.publish(f"<p>{n} have voted</p>", "conference:1")
            await asyncio.sleep(0)  # updates come a few a second, not all in one turn of the loop
        await until(lambda: asleep.closed is not None and len(awake.sent) == QUEUED_PER_SOCKET + 3)
        assert asleep.closed == (1013, "live updates not read")
        assert live_protocol.dropped["slow"] == dropped + 1
        assert not sleeping.pending  # nothing more held for it
        assert [m["text"] for m in awake.sent][-1] == f"<p>{QUEUED_PER_SOCKET + 2} have voted</p>"


async def test_a_crowded_floor_s_counter_is_updated_less_often() -> None:
    sent: list[float] = []

    class Hub:
        def publish(self, data: str, channels: str) -> None:
            sent.append(time.monotonic())

    screens = {"conference:1": 5000, "conference:2": 300}
    coalescer = Coalescer(Hub(), interval=0.5, audience=lambda topic: screens.get(topic, 0))  # type: ignore[arg-type]
    assert coalescer.pace(["conference:2"]) == 0.5  # a small floor: the interval
    assert coalescer.pace(["conference:1", "conference:2"]) == 1.0  # 5,000 screens: one update a second
    screens["conference:1"] = 50_000
    assert coalescer.pace(["conference:1"]) == MAX_INTERVAL  # never slower than this
    screens["conference:1"] = 5000
    coalescer.offer("turnout:1", "conference:1", "<p>1 voted</p>")
    await until(lambda: len(sent) == 1)
    coalescer.offer("turnout:1", "conference:1", "<p>2 voted</p>")  # a vote right after the last update
    await until(lambda: len(sent) == 2)
    assert sent[1] - sent[0] >= 0.95


# ---- the server side: `unionvote serve`'s websocket protocol ------------------------------------------------
class Transport:
    """A connection whose client reads nothing: everything written stays in the buffer."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.closing = self.aborted = False

    def write(self, data: bytes) -> None:
        self.written += data

    def get_write_buffer_size(self) -> int:
        return len(self.written)

    def is_closing(self) -> bool:
        return self.closing or self.aborted

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("192.0.2.7", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


HANDSHAKE = (b"GET /ws/live?topics=conference:1 HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


async def test_the_server_closes_a_socket_that_leaves_too_much_unread(monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(live_protocol, "DROP_GRACE_SECONDS", 0.05)
    caplog.set_level(logging.INFO)
    writers: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        writers.append(scope["extensions"][SHARED_FRAMES]["write"])
        await receive()

    config = Config(app=app, ws=LiveWebSocketProtocol, lifespan="off", log_config=None)
    config.load()
    protocol = LiveWebSocketProtocol(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    protocol.data_received(HANDSHAKE)
    await until(lambda: bool(writers))
    assert transport.written.startswith(b"HTTP/1.1 101")
    assert not [r for r in caplog.records if r.levelno < logging.WARNING]  # no line for every socket opened

    payload = ("<p>" + "x" * 4000 + "</p>").encode()
    frame = text_frame(payload)
    dropped = live_protocol.dropped["slow"]
    accepted = 0
    while writers[0](frame, payload):
        accepted += 1
        assert accepted < 1000, "never dropped"
    assert accepted * len(frame) > live_protocol.MAX_UNSENT_BYTES
    assert live_protocol.dropped["slow"] == dropped + 1
    assert [r.getMessage() for r in caplog.records] == ["live socket closed: it does not read its updates"]
    close = transport.written[-(2 + 2 + len("live updates not read")):]
    assert close[2:4] == (1013).to_bytes(2, "big") and close.endswith(b"live updates not read")
    assert not writers[0](frame, payload)  # nothing more is written to it
    await until(lambda: transport.aborted)  # cut after the grace, as it will never drain
    protocol.connection_lost(None)
