"""The live hub: server-rendered fragments pushed to browsers over a websocket.

Domains call `publish_after_commit(db, topic, html)`; the fragment reaches
subscribers only once the transaction commits, so no screen ever shows a change that
was rolled back. One process uses the memory backend; with Redis configured, every
worker on every host receives every event.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.exceptions import WebSocketDisconnect
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from unionvote import credentials, live_protocol
from unionvote.auth import CurrentUser
from unionvote.config import Settings
from unionvote.db import session_scope
from unionvote.i18n import LANGUAGES, SOURCE_LANGUAGE, gettext, offered, speaking
from unionvote.live_protocol import SLOW_CLOSE_CODE, SLOW_CLOSE_REASON, shared_writer, text_frame
from unionvote.live_tickets import Ticket, Verdict, issue, wanted_topics
from unionvote.outages import service_unavailable

log = logging.getLogger("unionvote.live")

_PENDING = "unionvote.live.pending"
Render = Callable[[], Awaitable[str]]
REDIS_DOWN = (RedisConnectionError, RedisTimeout, OSError)
REDIS_RETRY_SECONDS = 1.0  # how often a worker tries Redis again while it is down


class SteadyRedisPubSub(RedisChannelsPubSubBackend):
    """Redis pub/sub that rides out a Redis outage instead of going quiet for good.

    Litestar's channels plugin runs one publishing task and one listening task per worker; a
    single Redis error ends either of them, and live updates stop until the worker restarts.
    Here an update published while Redis is down is dropped (it is a courtesy: every page
    reads the record from the database on load), a page that subscribes meanwhile is
    remembered, and the listener retries every second; once Redis is back, the client
    subscribes again to every topic a page on this worker follows, and updates flow again.
    """

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        try:
            await super().publish(data, channels)
        except REDIS_DOWN as exc:
            log.warning("live update dropped: redis unavailable", extra={"error": type(exc).__name__})

    async def subscribe(self, channels: Iterable[str]) -> None:
        try:
            await super().subscribe(channels)
        except REDIS_DOWN:
            # Remembered: redis-py subscribes to every known channel again when it reconnects.
            pubsub = self._pub_sub
            pubsub.channels.update(pubsub._normalize_keys(dict.fromkeys(channels)))
            self._has_subscribed.set()

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            try:
                async for event in super().stream_events():
                    yield event
            except REDIS_DOWN as exc:
                log.warning("live updates paused: redis unavailable", extra={"error": type(exc).__name__})
                credentials.hub_failed_everywhere()  # news of a revocation may be missed meanwhile
                await asyncio.sleep(REDIS_RETRY_SECONDS)


def make_channels(settings: Settings, redis: Redis | None) -> ChannelsPlugin:
    backend = (SteadyRedisPubSub(redis=redis, key_prefix=f"{settings.redis_namespace}:live")
               if redis is not None else MemoryChannelsBackend())
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True,
                          subscriber_max_backlog=500, subscriber_backlog_strategy="dropleft")


async def hear_credential_news(app: Litestar) -> None:
    """App startup: this worker forgets a credential the moment any worker announces it changed."""
    channels: ChannelsPlugin = app.state.channels
    cache: credentials.CredentialCache = app.state.credential_cache
    channel = credentials.channel_for(app.state.settings.redis_namespace)
    subscriber = await channels.subscribe([channel])

    def heard(payload: bytes | None) -> bool:
        if payload is not None:
            cache.heard(payload)
        return True

    # Applied as the hub hands it over: no queue that could overflow and drop a revocation.
    subscriber.put_nowait = heard  # type: ignore[method-assign]
    app.state.credential_news = subscriber
    credentials.attach_hub(channels, channel)


async def stop_credential_news(app: Litestar) -> None:
    credentials.detach_hub(app.state.channels)
    subscriber = app.state.get("credential_news")
    if subscriber is not None:
        try:
            await app.state.channels.unsubscribe(subscriber)
        except (RedisError, OSError):  # shutting down while Redis is away: nothing left to unsubscribe from
            log.warning("redis unavailable at shutdown: credential news not unsubscribed")


class Fragment(dict[str, str]):
    """A live fragment rendered once in each offered language: each socket is sent the one in its own."""


def render_fragment(app: Litestar, template: str, **context: Any) -> Fragment:
    """Render a server-side fragment for the websocket (templates named `_*.html`), once per language."""
    compiled = app.template_engine.get_template(template)  # type: ignore[union-attr]
    rendered = Fragment()
    for language in LANGUAGES:
        with speaking(language):
            rendered[language] = compiled.render(**context)
    return rendered


def language_topic(topic: str, language: str) -> str:
    """The channel a topic's fragments in one language go out on ("conference:4~cy")."""
    return f"{topic}~{language}"


def send_fragment(channels: Any, html: str | Fragment, topic: str) -> None:
    """A Fragment goes out once per language; plain text (no words to translate) on the topic itself."""
    if isinstance(html, Fragment):
        for language, text in html.items():
            channels.publish(text, language_topic(topic, language))
    else:
        channels.publish(html, topic)


def publish_after_commit(db: AsyncSession, channels: ChannelsPlugin | Coalescer, topic: str,
                         html: str | Fragment | Render) -> None:
    """Queue a fragment for `topic`; it is sent only if and when `db` commits (through a Coalescer: soon after)."""
    db.info.setdefault(_PENDING, []).append((channels, topic, html))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for channels, topic, html in session.info.pop(_PENDING, []):
        if isinstance(channels, Coalescer):
            channels.publish(html, topic)
        else:
            send_fragment(channels, html, topic)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # a savepoint rolling back leaves the outer work to commit
        session.info.pop(_PENDING, None)


# A counter's updates to a crowded topic slow down so that they cost this worker at most this many socket
# writes a second: 1,000 screens see two updates a second, 5,000 one, 10,000 and more one every two seconds.
WRITES_PER_SECOND = 5000
MAX_INTERVAL = 2.0


class Coalescer:
    """Sends at most one update per key per interval, always the latest (turnout counters).

    `html` may be a coroutine function instead of text: it renders when the update is sent,
    from the database as committed by then, so writers racing each other never leave a
    stale count on screen. Hand a Coalescer to publish_after_commit in place of the channels
    plugin to coalesce committed updates by topic.
    """

    def __init__(self, channels: ChannelsPlugin, interval: float = 0.25,
                 audience: Callable[[str], int] | None = None) -> None:
        self.channels, self.interval, self.audience = channels, interval, audience
        self._latest: dict[str, tuple[str, str | Fragment | Render]] = {}
        self._task: asyncio.Task[None] | None = None

    def pace(self, topics: Iterable[str]) -> float:
        """Seconds until the next round: the interval, or longer when a topic has so many screens on this worker
        that updates at that rate would cost more than WRITES_PER_SECOND (at most MAX_INTERVAL)."""
        if self.audience is None:
            return self.interval
        screens = max((self.audience(topic) for topic in topics), default=0)
        return max(self.interval, min(MAX_INTERVAL, screens / WRITES_PER_SECOND))

    def offer(self, key: str, topic: str, html: str | Fragment | Render) -> None:
        self._latest[key] = (topic, html)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    def publish(self, data: str | Fragment | Render, channels: str) -> None:
        """ChannelsPlugin.publish's shape, one topic, keyed by it: what publish_after_commit calls."""
        self.offer(channels, channels, data)

    async def _flush_soon(self) -> None:
        # Offers made while a render awaits the database are sent on the next round, not lost.
        while self._latest:
            await asyncio.sleep(self.pace(topic for topic, _ in self._latest.values()))
            latest, self._latest = self._latest, {}
            for topic, html in latest.values():
                try:
                    text = html if isinstance(html, str | Fragment) else await html()
                except Exception as exc:  # noqa: BLE001 - a failed render must not stop later updates
                    if service_unavailable(exc):  # the next committed change renders it again
                        log.warning("live update not rendered: database unavailable",
                                    extra={"topic": topic, "error": type(exc).__name__})
                    else:
                        log.exception("live update not rendered", extra={"topic": topic})
                    continue
                send_fragment(self.channels, text, topic)


# ---- who may follow which topic -----------------------------------------------------------
# Topics are "kind:id". Each domain registers who may subscribe to its kind (a quick rule on the
# user alone) and, where that is not enough, a check that reads the database (who runs this one?).
TopicRule = Callable[[CurrentUser | None, str], bool]
TopicCheck = Callable[[CurrentUser, str, AsyncSession], Awaitable[bool]]
_topic_rules: dict[str, TopicRule] = {}
_topic_checks: dict[str, TopicCheck] = {}


def topic_rule(kind: str) -> Callable[[TopicRule], TopicRule]:
    def register(rule: TopicRule) -> TopicRule:
        _topic_rules[kind] = rule
        return rule

    return register


def topic_check(kind: str) -> Callable[[TopicCheck], TopicCheck]:
    """A further check for `kind`, run after its rule passed, with a database session."""
    def register(check: TopicCheck) -> TopicCheck:
        _topic_checks[kind] = check
        return check

    return register


@topic_rule("user")
def _own_user_topic(user: CurrentUser | None, ident: str) -> bool:
    return user is not None and str(user.id) == ident


@topic_rule("conference")
def _conference_topic(user: CurrentUser | None, ident: str) -> bool:
    return user is not None and ident.isdigit() and (user.is_admin or bool(user.roles_in(int(ident))))


@topic_rule("staff")
def _staff_topic(user: CurrentUser | None, _ident: str) -> bool:
    """Union-wide news (a new conference): administrators and union staff, not every conference's officers."""
    return user is not None and user.is_union_staff


def may_follow(user: CurrentUser | None, topic: str) -> bool:
    kind, _, ident = topic.partition(":")
    rule = _topic_rules.get(kind)
    return rule is not None and rule(user, ident)


async def _may_follow_all(socket: WebSocket[Any, Any, Any], user: CurrentUser | None, topics: list[str]) -> bool:
    if not all(may_follow(user, t) for t in topics):
        return False
    checked = [(check, t.partition(":")[2]) for t in topics if (check := _topic_checks.get(t.partition(":")[0]))]
    if not checked or user is None:
        return user is not None or not checked
    async with session_scope(socket.app.state.session_factory) as db:
        return all([await check(user, ident, db) for check, ident in checked])


def origin_allowed(socket: WebSocket[Any, Any, Any], settings: Settings) -> bool:
    """Browsers always send Origin on websockets; it must be this site (scheme and host) or an allowed origin.

    The site is the public URL, or the Host header with the connection's own scheme (wss is https)."""
    origin = (socket.headers.get("origin") or "").lower().rstrip("/")
    if not origin:
        return False
    if origin in {o.lower().rstrip("/") for o in settings.allowed_origins}:
        return True
    public = urlsplit(settings.public_url.lower())
    if origin == f"{public.scheme}://{public.netloc}":
        return True
    scheme = "https" if socket.scope.get("scheme") in ("wss", "https") else "http"
    return origin == f"{scheme}://{socket.headers.get('host', '').lower()}"


# ---- how many live connections one client may hold ---------------------------------------
# Per worker. A person with several tabs and devices needs a handful; a conference hall or a
# workplace behind one NAT address needs many, so the per-address budget is large.
WEBSOCKETS_PER_LOGIN = 10
WEBSOCKETS_PER_ADDRESS = 4000
_open_by_key: dict[str, int] = {}


def _holders(socket: WebSocket[Any, Any, Any], login: str | None) -> list[tuple[str, int]]:
    address = socket.client.host if socket.client else "unknown"
    keys = [(f"address:{address}", WEBSOCKETS_PER_ADDRESS)]
    return keys + ([(login, WEBSOCKETS_PER_LOGIN)] if login else [])


def _login_of(socket: WebSocket[Any, Any, Any], user: CurrentUser | None) -> str | None:
    """What the per-login budget counts by: the session, or the account for an API token."""
    auth = socket.scope.get("auth")
    return f"session:{auth.digest}" if auth is not None else f"user:{user.id}" if user is not None else None


def _login_of_ticket(socket: WebSocket[Any, Any, Any], ticket: Ticket) -> str:
    credential = socket.scope["credential"]
    return f"user:{ticket.user_id}" if credential.is_token else f"session:{credential.digest}"


@asynccontextmanager
async def _counted(keys: list[tuple[str, int]]) -> AsyncIterator[bool]:
    """Holds one place under each key while the socket is open; yields False when any key is full."""
    if any(_open_by_key.get(key, 0) >= limit for key, limit in keys):
        yield False
        return
    for key, _ in keys:
        _open_by_key[key] = _open_by_key.get(key, 0) + 1
    try:
        yield True
    finally:
        for key, _ in keys:
            left = _open_by_key.get(key, 1) - 1
            if left > 0:
                _open_by_key[key] = left
            else:
                _open_by_key.pop(key, None)


def hello_fragment() -> str:
    words = gettext("Live updates are on.")  # in the language of the connection (socket_language)
    return f'<p id="live-status" hx-swap-oob="true" class="live-status">{words}</p>'


def socket_language(socket: WebSocket[Any, Any, Any], lang: str) -> str:
    """The page says which language it is in (`lang=`: an event's default may have chosen it); without
    that, the connection's own (the switch's cookie, the profile, the browser: LanguageMiddleware)."""
    return offered(lang) or str(socket.scope.get("state", {}).get("language") or SOURCE_LANGUAGE)


class SharedText(str):
    """A fragment decoded once for every socket of a topic, its UTF-8 bytes kept: the websocket server's
    `encode()` hands back those bytes instead of encoding the text again for each socket."""

    utf8: bytes

    def __new__(cls, utf8: bytes) -> SharedText:
        text = super().__new__(cls, utf8.decode())
        text.utf8 = utf8
        return text

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        if encoding.lower().replace("-", "").replace("_", "") == "utf8":
            return self.utf8
        return str(self).encode(encoding, errors)


# ---- one subscription per channel per worker, its sockets written in one pass --------------------------
QUEUED_PER_SOCKET = 256  # updates waiting for a socket sent the ordinary way before it is closed as too slow


class Update:
    """One payload from the hub, framed (or made an ASGI message) once for every socket of its room."""

    __slots__ = ("_frame", "_message", "payload")

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self._frame: bytes | None = None
        self._message: dict[str, Any] | None = None

    @property
    def frame(self) -> bytes:
        if self._frame is None:
            self._frame = text_frame(self.payload)
        return self._frame

    @property
    def message(self) -> dict[str, Any]:
        if self._message is None:
            self._message = {"type": "websocket.send", "text": SharedText(self.payload)}
        return self._message


class Outlet:
    """A socket's end of the rooms it follows. Where the server offers it (`unionvote serve`), an update is one
    write of the shared frame, done at once; elsewhere it is queued for a sender task, at most
    QUEUED_PER_SOCKET of them, beyond which the socket is closed rather than left to grow."""

    __slots__ = ("pending", "rooms", "sender", "socket", "stopped", "write")

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self.socket = socket
        self.write = shared_writer(socket.scope)
        self.rooms: list[Room] = []
        self.pending: deque[dict[str, Any]] = deque()
        self.sender: asyncio.Task[None] | None = None
        self.stopped = False

    def put(self, update: Update) -> None:
        if self.write is not None:
            self.write(update.frame, update.payload)  # refused if closed, closing or closed now as too slow
            return
        if self.stopped:
            return
        if len(self.pending) >= QUEUED_PER_SOCKET:
            self.stop()
            live_protocol.dropped["slow"] += 1
            log.warning("live socket closed: it does not read its updates", extra={"queued": QUEUED_PER_SOCKET})
            _background(self.socket.close(code=SLOW_CLOSE_CODE, reason=SLOW_CLOSE_REASON))
            return
        self.pending.append(update.message)
        if self.sender is None:
            self.sender = _background(self._send_pending())

    async def _send_pending(self) -> None:
        try:
            while self.pending:
                await self.socket.send(self.pending.popleft())
        except Exception:  # noqa: BLE001 - the socket went away mid-send; its handler ends on the disconnect
            self.stop()
        finally:
            self.sender = None

    def stop(self) -> None:
        self.stopped = True
        self.pending.clear()
        if self.sender is not None:
            self.sender.cancel()


_kept: set[asyncio.Task[Any]] = set()  # tasks nobody awaits, held until done


def _background(work: Awaitable[Any]) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(work)
    _kept.add(task)
    task.add_done_callback(_kept.discard)
    return task


class Room:
    """The sockets of this worker following one channel, and the hub subscription that feeds them."""

    __slots__ = ("name", "outlets", "subscribed")

    def __init__(self, name: str) -> None:
        self.name = name
        self.outlets: dict[Outlet, None] = {}  # insertion-ordered set
        self.subscribed: asyncio.Future[Any] | None = None

    def deliver(self, payload: bytes | None) -> bool:
        """What the hub calls with each payload on this channel (in place of a subscriber's queue)."""
        if payload is not None:
            update = Update(payload)
            for outlet in tuple(self.outlets):
                outlet.put(update)
        return True


class LiveRooms:
    """Per worker: each channel any socket follows is subscribed to once; an update on it goes to the room's
    sockets in one pass, not through a queue and a task for each socket."""

    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self.rooms: dict[str, Room] = {}

    async def enter(self, outlet: Outlet, names: list[str]) -> None:
        waits = []
        for name in dict.fromkeys(names):
            room = self.rooms.get(name)
            if room is None:
                room = self.rooms[name] = Room(name)
                room.subscribed = asyncio.ensure_future(self._subscribe(room))
            room.outlets[outlet] = None
            outlet.rooms.append(room)
            waits.append(room.subscribed)
        # Shielded: a handler cancelled meanwhile must not leave a room half subscribed for the others.
        await asyncio.gather(*(asyncio.shield(w) for w in waits if w is not None))

    async def _subscribe(self, room: Room) -> Any:
        try:
            subscriber = await self.channels.subscribe([room.name])
        except BaseException:
            if self.rooms.get(room.name) is room:
                del self.rooms[room.name]  # the next socket tries again
            raise
        subscriber.put_nowait = room.deliver  # type: ignore[method-assign]
        return subscriber

    async def leave(self, outlet: Outlet) -> None:
        outlet.stop()
        rooms, outlet.rooms = outlet.rooms, []
        for room in rooms:
            room.outlets.pop(outlet, None)
            if room.outlets or self.rooms.get(room.name) is not room:
                continue
            del self.rooms[room.name]
            try:
                subscriber = await asyncio.shield(room.subscribed)  # type: ignore[arg-type]
                await self.channels.unsubscribe(subscriber, [room.name])
            except (RedisError, OSError):  # Redis away: nothing to unsubscribe from until it is back
                log.warning("live channel not unsubscribed: redis unavailable", extra={"channel": room.name})


def screens_following(app: Litestar, topic: str) -> int:
    """How many sockets of this worker follow `topic` (each follows the topic itself beside its language's)."""
    rooms: LiveRooms | None = app.state.get("live_rooms")
    room = rooms.rooms.get(topic) if rooms is not None else None
    return len(room.outlets) if room is not None else 0


def live_rooms(app: Litestar, channels: ChannelsPlugin) -> LiveRooms:
    rooms: LiveRooms | None = app.state.get("live_rooms")
    if rooms is None or rooms.channels is not channels:
        rooms = app.state.live_rooms = LiveRooms(channels)
    return rooms


@websocket("/ws/live", name="live", opt={"access": "session"})
async def live_socket(socket: WebSocket[Any, Any, Any], channels: ChannelsPlugin, topics: str = "",
                      lang: str = "") -> None:
    settings: Settings = socket.app.state.settings
    user: CurrentUser | None = socket.scope.get("user")
    wanted = wanted_topics(topics)
    if not origin_allowed(socket, settings):
        log.info("websocket refused", extra={"reason": "origin", "origin": socket.headers.get("origin")})
        await socket.close(code=4403, reason="origin not allowed")
        return
    ticket: tuple[Verdict, Ticket | None] | None = socket.scope.get("live_ticket")
    if ticket is not None:  # checked by the auth middleware against this login and these topics
        verdict, held = ticket
        if verdict is not Verdict.GOOD or held is None or not wanted:
            log.info("websocket refused", extra={"reason": "ticket"})
            await socket.close(code=4403, reason="ticket not valid")
            return
        login = _login_of_ticket(socket, held)
    else:
        if user is not None and user.needs_second_factor:
            await socket.close(code=4401, reason="finish logging in first")
            return
        if not wanted or not await _may_follow_all(socket, user, wanted):
            await socket.close(code=4401 if user is None else 4403, reason="topic not allowed")
            return
        login = _login_of(socket, user)
    async with _counted(_holders(socket, login)) as admitted:
        if not admitted:
            log.info("websocket refused", extra={"reason": "too many live connections"})
            await socket.close(code=4429, reason="too many live connections")
            return
        await socket.accept()
        language = socket_language(socket, lang)
        rooms, outlet = live_rooms(socket.app, channels), Outlet(socket)
        try:
            # Followed before the hello: whatever is published once the page has heard it reaches the page.
            await rooms.enter(outlet, wanted + [language_topic(topic, language) for topic in wanted])
            with speaking(language):
                await socket.send_text(hello_fragment())
            try:
                while True:
                    await socket.receive_data(mode="text")  # the client never needs to talk; wait for close
            except WebSocketDisconnect:
                pass
        finally:
            await rooms.leave(outlet)


def ticket_for_page(context: Mapping[str, Any], topics: str) -> str:
    """Template callable: `&ticket=...` for the page's websocket URL, or nothing (the socket then
    authenticates the ordinary way). Only topics this login may follow by the quick rules, none that
    needs a database check."""
    request = context.get("request")
    scope = getattr(request, "scope", None) or {}
    user: CurrentUser | None = scope.get("user")
    credential = scope.get("credential")
    wanted = wanted_topics(topics)
    if user is None or credential is None or user.needs_second_factor or not wanted:
        return ""
    if any(t.partition(":")[0] in _topic_checks or not may_follow(user, t) for t in wanted):
        return ""
    auth = scope.get("auth")
    expires = auth.expires_at.timestamp() if auth is not None else None
    settings: Settings = request.app.state.settings  # type: ignore[union-attr]
    return "&ticket=" + issue(settings.secret_key, credential.digest, user.id, wanted,
                              read_at=scope.get("credential_read_at", 0.0), credential_expires=expires)
