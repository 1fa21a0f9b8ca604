"""The refusals each API operation can give, written into the OpenAPI description.

An integrator reading /schema/openapi.json should find every status code an operation can
answer with, not only its success. Every refusal has the same JSON body
(`{"status_code": 403, "detail": "a plain message"}`, see `web.error_response`); which codes an
operation can give follows from what it is: a route behind a guard can answer 401 and 403, a
change can meet a state that forbids it (409), a request body can be too large (413), and any
request can find the database unavailable (503).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from unionvote.auth import public


@dataclass
class Refusal:
    """The body of every refusal the API gives."""

    status_code: int
    detail: str
    extra: dict[str, Any] | list[Any] | None = field(default=None)


WHY: dict[int, str] = {
    400: "The request is malformed or breaks a rule of its own (the detail says which)",
    401: "No valid credential: log in, or send a current API token",
    403: "The credential may not do this (role, token scope, or a step still to take)",
    404: "No such record, or not one this credential may see",
    409: "The record is not in a state that allows this now (the detail says why)",
    413: "The request body is too large",
    429: "Too many attempts: wait a minute and try again",
    503: "The service is briefly unavailable (database or Redis); try again shortly",
}


def refusals_of(handler: HTTPRouteHandler) -> set[int]:
    """The refusal codes an API operation can answer with, from its guards, method and body."""
    methods = set(handler.http_methods)
    changes = bool(methods - {"GET", "HEAD", "OPTIONS"})
    is_public = any(getattr(guard, "func", guard) is public for guard in handler.resolve_guards())
    codes = {400, 404, 503}
    if not is_public or changes:
        codes |= {401, 403}  # a public change can still meet a wrong password or a missing CSRF token
    if changes:
        codes |= {409, 413}
        if is_public:
            codes.add(429)  # logins and codes sent from outside are throttled (accounts.flows)
    return codes


def document_refusals(app: Litestar, prefix: str = "/api/") -> None:
    """Adds the refusals of every API operation to its OpenAPI responses (kept where already stated)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(prefix):
            continue
        for handler in route.route_handlers:
            if not set(handler.http_methods) - {"HEAD", "OPTIONS"}:
                continue
            stated = dict(handler.responses or {})
            for code in sorted(refusals_of(handler)):
                stated.setdefault(code, ResponseSpec(data_container=Refusal, description=WHY[code],
                                                     generate_examples=False))
            handler.responses = stated
