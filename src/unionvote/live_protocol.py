"""The websocket protocol `unionvote serve` runs: uvicorn's sans-I/O one, plus a way for the live hub to
write one already-framed update to thousands of sockets, and a limit on what a socket may leave unread.

A server's text frame is the same bytes for every socket (servers do not mask, and live sockets are not
compressed), so the hub frames an update once and each socket's share of the work is one write. The way
in is an ASGI extension (`scope["extensions"][SHARED_FRAMES]["write"]`); a server without it (the test
client, another protocol) is sent updates the ordinary way (unionvote.live).

A phone that stops reading (asleep, out of signal, a hostile client) would hold its unsent updates in
the worker's memory for as long as its connection lasts. Once more than MAX_UNSENT_BYTES wait for it,
it is closed (code 1013, "live updates not read"), given DROP_GRACE_SECONDS to take the close, then cut;
the page reconnects when it wakes and reads the record again.
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

log = logging.getLogger("unionvote.live")

SHARED_FRAMES = "unionvote.shared_frames"
MAX_UNSENT_BYTES = 256 * 1024  # about a hundred turnout updates; a socket reading along holds almost none
DROP_GRACE_SECONDS = 5.0
SLOW_CLOSE_CODE = 1013  # "try again later"
SLOW_CLOSE_REASON = "live updates not read"

dropped = {"slow": 0}  # sockets this worker closed for not reading, since it started

# A line for every socket opened and closed ("[accepted]", "connection open") is noise on a floor of thousands
# and a cost on every handshake; the live handler logs each refusal with its reason, and errors still go out.
wire_log = logging.getLogger("uvicorn.error.live")
wire_log.setLevel(logging.WARNING)


def text_frame(payload: bytes) -> bytes:
    """A server's unfragmented, unmasked, uncompressed text frame carrying `payload` (UTF-8)."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = self.conn.logger = wire_log

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if not self.close_sent:  # the handshake was well formed: the application is about to see it
            self.scope["extensions"][SHARED_FRAMES] = {"write": self.write_frame}

    def write_frame(self, frame: bytes, payload: bytes) -> bool:
        """Write `frame` (text_frame(payload)) now; False when the socket is closed, closing or dropped."""
        if self.close_sent or self.disconnected or self.initial_response is not None or not self.handshake_complete:
            return False
        if self.conn.state is not State.OPEN or self.transport.is_closing():
            return False
        if self.transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            self.drop_slow()
            return False
        if self.conn.extensions:  # a compressing client (never from `unionvote serve`): frame it for this one
            self.conn.send_text(payload)
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            self.transport.write(frame)
        return True

    def drop_slow(self) -> None:
        dropped["slow"] += 1
        log.warning("live socket closed: it does not read its updates",
                    extra={"client": self.client[0] if self.client else None,
                           "unsent_bytes": self.transport.get_write_buffer_size()})
        self.conn.send_close(SLOW_CLOSE_CODE, SLOW_CLOSE_REASON)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        # Like uvicorn's own close, but cut rather than flushed: a client that reads nothing never drains.
        self.close_timer = self.loop.call_later(DROP_GRACE_SECONDS, self.transport.abort)


def shared_writer(scope: Any) -> Any:
    """The socket's frame writer, when its server offers one."""
    return (scope.get("extensions") or {}).get(SHARED_FRAMES, {}).get("write")
