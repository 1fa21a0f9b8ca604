"""`unionvote demo --port N`: every link the app makes points at port N, unless a public URL is set."""

from __future__ import annotations

import argparse

import pytest

from unionvote import demo
from unionvote.config import Settings


def _run(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name in ("UNIONVOTE_DEV", "UNIONVOTE_DATABASE_URL", "UNIONVOTE_COOKIE_SECURE", "UNIONVOTE_LOG_JSON"):
        monkeypatch.delenv(name, raising=False)  # run_demo sets them: undone after the test
    monkeypatch.setattr("unionvote.migrate.upgrade", lambda url: None)

    async def prepared(url: str) -> None:
        return None

    monkeypatch.setattr(demo, "prepare", prepared)
    monkeypatch.setattr(demo, "_print_logins", lambda url, ctx: None)
    demo.run_demo(argparse.Namespace(host="127.0.0.1", port=port, no_serve=True))


def test_the_demo_port_is_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIONVOTE_PUBLIC_URL", raising=False)
    _run(monkeypatch, 8123)
    assert Settings.from_env().public_url == "http://127.0.0.1:8123"


def test_a_public_url_already_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_PUBLIC_URL", "https://vote.union.example")
    _run(monkeypatch, 8123)
    assert Settings.from_env().public_url == "https://vote.union.example"
