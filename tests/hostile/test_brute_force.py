"""Guessing passwords against a real server (`unionvote serve`): one limit per address holds across
every way in, however the guesser dresses the requests up, with or without a proxy in front."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.world import seed_world

LIMIT = 10  # the default UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE


def _spoofed(n: int) -> dict[str, str]:
    """Headers a guesser adds hoping to look like a new address each time (no proxy in front)."""
    address = f"203.0.113.{n}"
    return {"x-forwarded-for": address, "x-real-ip": address, "forwarded": f"for={address}"}


def _through_the_proxy(n: int) -> dict[str, str]:
    """What the proxy of docs/deployment.md passes on: the guesser's made-up X-Forwarded-For with the
    real address (198.51.100.7) appended. This test plays the proxy, from 127.0.0.1."""
    return {"x-forwarded-for": f"203.0.113.{n}, 198.51.100.7"}


@pytest.mark.parametrize(("serve_args", "dress_up"), [
    ((), _spoofed),
    (("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"), _through_the_proxy),
], ids=["no-proxy", "behind-a-proxy"])
def test_made_up_forwarding_headers_do_not_reset_the_limit_on_any_way_in(
        sqlite_template: Path, tmp_path: Path, serve_args: tuple[str, ...],
        dress_up: Callable[[int], dict[str, str]]) -> None:
    database = tmp_path / "guessing.db"
    database.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{database}"
    world = seed_world(url)
    with (running_server(url, tmp_path, serve_args=serve_args) as server,
          httpx.Client(base_url=server.base_url, timeout=30) as guesser):
        guesser.get("/login")
        csrf = {"x-csrftoken": guesser.cookies["uv_csrf"]}

        def page_login(n: int) -> int:
            return guesser.post("/login", data={"email": f"guess{n}@union.example", "password": "password123",
                                                "next": "/"}, headers={**csrf, **dress_up(n)}).status_code

        def json_login(n: int) -> int:
            return guesser.post("/api/v1/session", json={"email": f"guess{n}@union.example",
                                                         "password": "password123"},
                                headers={**csrf, **dress_up(n)}).status_code

        def code_login(n: int) -> int:
            return guesser.post(f"/conferences/{world.slug}/code-login/", data={"membership_number": f"9{n:05d}",
                                                                           "code": "AAAA-BBBB"},
                                headers={**csrf, **dress_up(n)}).status_code

        ways_in = [page_login, json_login, code_login]
        answers = [ways_in[n % 3](n) for n in range(LIMIT + 3)]
    assert answers[:LIMIT] == [400] * LIMIT, answers
    assert answers[LIMIT:] == [429, 429, 429], answers
