"""`unionvote demo --port N`: every link the app makes points at port N, unless a public URL is set."""

from __future__ import annotations

import argparse

import pytest

from unionvote import demo
from unionvote.config import Settings


def _run(monkeypatch: pytest.MonkeyPatch, port: int, host: str = "127.0.0.1") -> None:
    for name in ("UNIONVOTE_DEV", "UNIONVOTE_DATABASE_URL", "UNIONVOTE_COOKIE_SECURE", "UNIONVOTE_LOG_JSON"):
        monkeypatch.delenv(name, raising=False)  # run_demo sets them: undone after the test
    monkeypatch.setattr("unionvote.migrate.upgrade", lambda url: None)

    async def prepared(url: str) -> None:
        return None

    monkeypatch.setattr(demo, "prepare", prepared)
    monkeypatch.setattr(demo, "_print_logins", lambda url, ctx: None)
    demo.run_demo(argparse.Namespace(host=host, port=port, no_serve=True))


def test_the_demo_port_is_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIONVOTE_PUBLIC_URL", raising=False)
    _run(monkeypatch, 8123)
    assert Settings.from_env().public_url == "http://127.0.0.1:8123"


def test_a_public_url_already_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_PUBLIC_URL", "https://vote.union.example")
    _run(monkeypatch, 8123)
    assert Settings.from_env().public_url == "https://vote.union.example"


@pytest.mark.parametrize(("host", "public_url"), [("0.0.0.0", "http://127.0.0.1:8124"),  # noqa: S104
                                                  ("::", "http://127.0.0.1:8124"), ("::1", "http://[::1]:8124"),
                                                  ("demo.local", "http://demo.local:8124")])
def test_links_name_a_host_a_browser_can_open_when_the_demo_listens_everywhere(
        monkeypatch: pytest.MonkeyPatch, host: str, public_url: str) -> None:
    monkeypatch.delenv("UNIONVOTE_PUBLIC_URL", raising=False)
    _run(monkeypatch, 8124, host)
    assert Settings.from_env().public_url == public_url
