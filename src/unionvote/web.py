"""Pages and errors: template lookup, rendering, and one error policy for HTML and JSON."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Message, Scope
from sqlalchemy.exc import DBAPIError, IntegrityError

from unionvote.auth import SecondFactorRequired, TotpEnrolmentRequired
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, choose_for_scope, use_language
from unionvote.outages import database_unavailable, service_unavailable

log = logging.getLogger("unionvote.web")

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """Installed wheels carry templates/ and migrations/ inside the package; a checkout has them at the root."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent.parent / name


TEMPLATES_DIR = _resource_dir("templates")
MIGRATIONS_DIR = _resource_dir("migrations")
STATIC_DIR = PACKAGE_DIR / "static"

# Short messages shown after a redirect (?done=key): never user-supplied text.
NOTICES = {
    "logged-out": N_("You have logged out."),
    "logged-out-everywhere": N_("You have been logged out on every device."),
    "password-changed": N_("Your password has been changed. Other devices have been logged out."),
    "totp-enabled": N_("Two-factor authentication is on."),
    "language-saved": N_("Your language has been saved. You will see unionvote in it wherever you sign in."),
    "codes-regenerated": N_("New recovery codes have been made. The old ones no longer work."),
    "user-created": N_("The account has been created."),
    "role-granted": N_("The role has been granted."),
    "role-revoked": N_("The role has been removed."),
    "totp-reset": N_("Two-factor authentication has been reset for that account."),
    "token-created": N_("The API token has been created."),
    "token-revoked": N_("The API token has been revoked."),
    "conference-created": N_("The conference has been created."),
    "enrolled": N_("Your password is set and you are logged in."),
    "no-links-needed": N_("Nobody chosen needs a link: they have all enrolled already."),
    "links-emailing": N_("The links are being emailed now. Reload this page in a minute to see who they reached."),
    "no-codes-needed": N_("Everyone has a voting code already. Tick delegates to give them new codes."),
    "oidc-linked": N_("Your sign-in elsewhere is linked: you can use it on the login page now."),
    "oidc-unlinked": N_("Your sign-in elsewhere is unlinked: it no longer logs you in here."),
}

# The standard phrases Litestar gives an error it raises itself (a path no route matches, a method a route
# does not take): marked here so an error page shows them in the reader's language (`translated(detail)`).
HTTP_PHRASES = (
    N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
    N_("Conflict"), N_("Request Entity Too Large"), N_("Unprocessable Entity"), N_("Too Many Requests"),
    N_("Internal Server Error"), N_("Service Unavailable"),
)


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}
_ENCODED_HEADERS = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


async def security_headers(message: Message, scope: Scope) -> None:
    """On every response, errors and redirects included (a before-send hook sees them all, even a 404
    for a path no route matches): the security headers, and no-store for anyone logged in, so a shared
    computer's back button or a proxy's cache never shows someone's account, register or receipt."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    headers.extend(pair for pair in _ENCODED_HEADERS if pair[0] not in present)
    # Anyone holding a session cookie (even a 404 carries the page chrome of a logged-in person).
    logged_in = scope.get("user") is not None or any(
        name == b"cookie" and b"uv_session=" in value for name, value in scope.get("headers", []))
    if logged_in and b"cache-control" not in present and not scope.get("path", "").startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    message["headers"] = headers


def page(template: str, request: Request[Any, Any, Any], status_code: int = 200, **context: Any) -> Template:
    done = request.query_params.get("done")
    context.setdefault("notice", NOTICES.get(done or ""))
    context.setdefault("user", request.scope.get("user"))
    return Template(template_name=template, context=context, status_code=status_code)


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _safe_next(path: str) -> str:
    # "//host" and "/\\host" both leave the site in a browser; control characters never belong in a path.
    if not path.startswith("/") or path[1:2] in ("/", "\\") or any(ord(c) < 32 for c in path):
        return "/"
    return path


UNSTORABLE_MESSAGE = "A value in the request is too long, too large, or has a character that cannot be stored."


TOO_DEEP_MESSAGE = "The request body is nested too deeply to read. Send plain, shallow JSON."
UNAVAILABLE_MESSAGE = "The service is very busy or briefly unavailable. Please try again in a moment."


def _unstorable_input(exc: Exception) -> bool:
    """The database refused a value (SQLSTATE class 22, or SQLite's integer range): bad input, not our fault."""
    orig = getattr(exc, "orig", None)
    return (isinstance(exc, OverflowError) or isinstance(orig, OverflowError)
            or (isinstance(exc, DBAPIError) and str(getattr(orig, "sqlstate", "") or "").startswith("22")))


MISSING_REFERENCE_MESSAGE = "Something this request refers to (a conference, a motion, an item) does not exist."


def _refers_to_nothing(exc: Exception) -> bool:
    """A foreign key the database refused (SQLSTATE 23503, or SQLite's message): an id that names nothing.
    A safety net under the services' own checks, so a made-up id is a 404, never a 500."""
    orig = getattr(exc, "orig", None)
    return isinstance(exc, IntegrityError) and (
        str(getattr(orig, "sqlstate", "") or "") == "23503" or "FOREIGN KEY constraint failed" in str(orig))


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
        extra = exc.extra if isinstance(exc, ValidationException) else None
    elif isinstance(exc, RuleViolation):
        status, detail, extra = exc.status_code, str(exc), None
    elif _unstorable_input(exc):
        status, detail, extra = 400, UNSTORABLE_MESSAGE, None
    elif _refers_to_nothing(exc):
        status, detail, extra = 404, MISSING_REFERENCE_MESSAGE, None
    elif isinstance(exc, RecursionError) and "deserializ" in str(exc):
        status, detail, extra = 400, TOO_DEEP_MESSAGE, None  # e.g. '[' a hundred thousand times
    elif service_unavailable(exc):
        log.warning("database unavailable" if database_unavailable(exc) else "redis unavailable",
                    extra={"path": request.url.path, "error": type(exc).__name__})
        status, detail, extra = 503, UNAVAILABLE_MESSAGE, None
    else:
        log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
        status, detail, extra = HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side.", None
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": detail}
        if extra:
            body["extra"] = extra
        return Response(body, status_code=status, media_type=MediaType.JSON)
    if request.method == "GET":
        here = quote(_safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else "")))
        if isinstance(exc, SecondFactorRequired):
            return Redirect(path=f"/login/totp?next={here}", status_code=303)
        if isinstance(exc, TotpEnrolmentRequired):
            return Redirect(path="/account/totp", status_code=303)
        if isinstance(exc, NotAuthorizedException):
            return Redirect(path=f"/login?next={here}", status_code=303)
    if "language" not in request.scope.get("state", {}):  # raised before the language middleware ran (no route)
        use_language(choose_for_scope(request.scope)["language"])
    return Template(template_name="errors/error.html", status_code=status,
                    context={"status": status, "detail": detail, "extra": extra,
                             "user": request.scope.get("user"), "notice": None})
