"""What the people on the floor hold: a phone that casts over the JSON API (retrying on another
worker with the same ballot token when one dies), and a live-updates websocket like the Vote page's."""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.e2e.server import LiveServer


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def cast(server: LiveServer, phone: str, ballot_id: int, choice: str, ballot_token: str,
         timeout: float = 30) -> httpx.Response:
    return httpx.post(f"{server.base_url}/api/v1/ballots/{ballot_id}/votes", headers=bearer(phone),
                      json={"choice": [choice], "token": ballot_token}, timeout=timeout)


@dataclass
class Acknowledged:
    """A vote the voter was told is in: the receipt on their screen."""

    tracker: str
    repeated: bool  # the answer to a retry: the vote had been stored before
    failed_over: bool  # it took a second worker


def cast_with_failover(servers: Sequence[LiveServer], phone: str, ballot_id: int, choice: str,
                       ballot_token: str) -> Acknowledged:
    """Send the vote to the first worker; if the connection breaks, send the same token to the next."""
    for attempt, server in enumerate(servers):
        try:
            response = cast(server, phone, ballot_id, choice, ballot_token)
        except httpx.TransportError:
            continue  # the worker is gone (refused, or cut off mid-request): reconnect elsewhere
        assert response.status_code in (200, 201), response.text
        body = response.json()
        return Acknowledged(body["tracker"], body["repeated"], attempt > 0)
    raise AssertionError("no worker took the vote")


def vote_page(server: LiveServer, phone: str, conference_id: int) -> httpx.Response:
    return httpx.get(f"{server.base_url}/conferences/{conference_id}/vote", headers=bearer(phone), timeout=30)


class LiveFeed:
    """A websocket on /ws/live, as the Vote page opens it (same-site Origin), authenticated by a token
    or a session cookie."""

    def __init__(self, server: LiveServer, topics: str, *, token: str | None = None, cookie: str | None = None,
                 host: str | None = None) -> None:
        """`host`: the site's name, as a proxy forwards it (the socket still goes to `server`)."""
        headers = bearer(token) if token else {"cookie": f"uv_session={cookie}"} if cookie else {}
        address = server.base_url.removeprefix("http://")
        name = host or address
        ip, _, port = address.partition(":")
        self.socket: ClientConnection = connect(f"ws://{name}/ws/live?topics={topics}",
                                                sock=socket.create_connection((ip, int(port)), timeout=60),
                                                origin=f"http://{name}",  # type: ignore[arg-type]
                                                additional_headers=headers, open_timeout=60).__enter__()
        self.seen: list[str] = []
        hello = self.next(10)
        assert hello is not None and 'id="live-status"' in hello, hello

    def next(self, within: float) -> str | None:
        """The next message within `within` seconds, or None."""
        try:
            message = self.socket.recv(timeout=within)
        except TimeoutError:
            return None
        text = message if isinstance(message, str) else message.decode()
        self.seen.append(text)
        return text

    def wait_for(self, words: str, within: float) -> str | None:
        """The first message containing `words` within `within` seconds, or None."""
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            message = self.next(left)
            if message is not None and words in message:
                return message
        return None

    def is_cut_off(self, within: float = 30) -> bool:
        """True once the server end has gone (the worker died)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01))
            except ConnectionClosed:
                return True
            except TimeoutError:
                return False
        return False

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> LiveFeed:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
