"""A stand-in for the SMS provider's REST API on a loopback port: it takes Messages.json requests as the
provider documents them (Basic auth, form fields), keeps each message, and refuses unsubscribed numbers."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "stand-in-auth-token-0123456789ab"
SENDER = "+447700900999"


@dataclass
class StandIn:
    url: str
    sent: list[dict[str, str]] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def twilio_standin() -> Iterator[StandIn]:
    state = StandIn("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
            if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                return self._answer(404, {"code": 20404, "message": "The requested resource was not found",
                                          "status": 404})
            if self.headers.get("Authorization") != expected:
                return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            length = int(self.headers.get("Content-Length", "0"))
            fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if not fields.get("To") or not fields.get("Body") or not (fields.get("From")
                                                                       or fields.get("MessagingServiceSid")):
                return self._answer(400, {"code": 21604, "message": "A 'To' phone number is required.",
                                          "status": 400})
            if fields["To"] in state.unsubscribed:
                return self._answer(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                          "status": 400})
            with state.lock:
                state.sent.append(fields)
                sid = f"SM{len(state.sent):032x}"
            return self._answer(201, {"sid": sid, "status": "queued", "to": fields["To"], "body": fields["Body"],
                                      "account_sid": ACCOUNT_SID})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
