"""Every route's guards are coroutine functions: Litestar runs a plain-function guard in a worker thread on
every request, a thread hop for each vote and page on a busy floor."""

from __future__ import annotations

from typing import Any

from litestar.utils.sync import AsyncCallable

from tests.conftest import make_settings
from unionvote.app import create_app


def _handlers(route: Any) -> list[Any]:
    handlers = getattr(route, "route_handlers", None)
    return list(handlers) if handlers is not None else [route.route_handler]


def test_no_route_runs_a_guard_in_a_thread(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'guards.db'}"))
    threaded = sorted({f"{getattr(guard.func, '__qualname__', guard.func)} on {route.path}"
                       for route in app.routes for handler in _handlers(route)
                       for guard in handler.resolve_guards() if isinstance(guard, AsyncCallable)})
    assert threaded == []
