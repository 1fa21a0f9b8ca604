"""Static files: fingerprinted names cached for a year, everything compressed, everything revalidated.

Pages link the shared stylesheets and scripts through `static("app.css")`, which gives
`/static/app.<hash>.css`, the hash being the first 12 hex digits of the file's SHA-256: a phone on a
slow network fetches each file once per release, and a new release changes the name. A plain
name (`/static/app.css`, or a module a script imports by its relative name) is served with
`Cache-Control: no-cache` and an ETag, so the browser asks each time and gets 304 Not Modified.
A fingerprinted name whose hash is not the current one (a page from before a release) gets the
current file, not cached. Text is gzip-compressed when the browser accepts it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, head
from litestar.exceptions import NotFoundException

from unionvote.auth import public
from unionvote.web import STATIC_DIR

YEAR = 365 * 24 * 3600
HASH_LENGTH = 12
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json",
                "text/plain"}
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    digest: str  # SHA-256 hex of the body
    media_type: str

    @property
    def etag(self) -> str:
        return f'"{self.digest[:32]}"'


_loaded: dict[Path, tuple[float, StaticFile]] = {}


def _load(path: Path) -> StaticFile:
    """A file's bytes, hash and gzip form, read again only when the file changes."""
    mtime = path.stat().st_mtime
    cached = _loaded.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    body = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        media_type = "text/javascript"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if media_type in COMPRESSIBLE and len(body) > 512 else None
    found = StaticFile(body, gzipped if gzipped and len(gzipped) < len(body) else None,
                       hashlib.sha256(body).hexdigest(), media_type)
    _loaded[path] = (mtime, found)
    return found


def _resolve(relative: str) -> Path | None:
    if not relative or "\\" in relative or relative.startswith("/") or any(ord(c) < 32 for c in relative):
        return None
    path = (STATIC_DIR / relative).resolve()
    return path if path.is_file() and STATIC_DIR.resolve() in path.parents else None


def static(relative: str) -> str:
    """The fingerprinted address of a static file, for templates: static("app.css") → /static/app.<hash>.css."""
    path = _resolve(relative)
    if path is None:
        raise ValueError(f"no static file {relative!r}")
    digest = _load(path).digest[:HASH_LENGTH]
    stem, dot, suffix = relative.rpartition(".")
    return f"/static/{stem}.{digest}.{suffix}" if dot else f"/static/{relative}"


def _answer(request: Request[Any, Any, Any], relative: str, with_body: bool) -> Response[bytes]:
    fingerprint = None
    path = _resolve(relative)
    if path is None and (named := FINGERPRINTED.match(relative)):
        fingerprint = named["hash"]
        path = _resolve(named["stem"] + named["suffix"])
    if path is None:
        raise NotFoundException("No such file.")
    found = _load(path)
    current = fingerprint is not None and found.digest.startswith(fingerprint)
    headers = {"etag": found.etag, "vary": "Accept-Encoding",
               "cache-control": f"public, max-age={YEAR}, immutable" if current else "no-cache"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(b"", status_code=304, headers=headers)
    body = found.body
    if found.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["content-encoding"] = found.gzipped, "gzip"
    headers["content-length"] = str(len(body))
    return Response(body if with_body else b"", media_type=found.media_type, headers=headers)


@get("/static/{relative:path}", guards=[public], include_in_schema=False)
async def static_file(request: Request[Any, Any, Any], relative: str) -> Response[bytes]:
    return _answer(request, relative.lstrip("/"), with_body=True)


@head("/static/{relative:path}", guards=[public], include_in_schema=False)
async def static_file_head(request: Request[Any, Any, Any], relative: str) -> Response[None]:
    answer = _answer(request, relative.lstrip("/"), with_body=False)
    return Response(None, status_code=answer.status_code, media_type=answer.media_type, headers=answer.headers)
