"""Structured logging: one JSON object per line, with secrets kept out."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from unionvote.outages import service_unavailable

# Keys whose values never reach a log line, whoever passes them in `extra`.
SECRET_KEYS = re.compile(r"pass|secret|token|code|cookie|authorization|csrf", re.I)
# Path segments that look like credentials (enrolment and voting links) are masked.
TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_\-]{20,}")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: "[redacted]" if SECRET_KEYS.search(key) else value
            for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class PlainFormatter(logging.Formatter):
    """For people reading a terminal (the demo): the same fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        line = f"{record.levelname} {record.name} {record.getMessage()} {fields}".rstrip()
        return line + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    root = logging.getLogger()
    if getattr(root, "_unionvote_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    root._unionvote_configured = True  # type: ignore[attr-defined]


def safe_path(path: str) -> str:
    return TOKEN_SEGMENT.sub("/[token]", path)


class AccessLogMiddleware:
    """One line per request: method, path (credentials masked), status, milliseconds. No query strings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("unionvote.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        except Exception as exc:
            # Turned into a response further out (web.error_response): an outage there answers 503.
            status = getattr(exc, "status_code", None) or (503 if service_unavailable(exc) else 500)
            raise
        finally:
            user = scope.get("user")
            self.log.info("request", extra={
                "method": scope["method"], "path": safe_path(scope["path"]), "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": getattr(user, "id", None),
            })
