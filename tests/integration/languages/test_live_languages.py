"""Live updates follow each viewer's language: a fragment is rendered once per language when it is
published, and each socket is sent the one in the language of the page that opened it (its `lang`),
or, without one, of its connection (the switch's cookie, the profile, the browser)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import app_db, make_user
from tests.integration.live.test_websocket import ORIGIN, live, log_in, on_app_loop  # noqa: F401
from unionvote.live import publish_after_commit, render_fragment

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


async def _announce(app: Litestar) -> None:
    """A staff-wide live fragment with words in it, published the way every domain publishes."""
    async with app_db(app) as db:
        publish_after_commit(db, app.state.channels, "staff", render_fragment(app, "_language_switch.html"))


def test_a_welsh_viewer_hears_welsh_and_an_english_viewer_english(live: TestClient[Litestar],  # noqa: F811
                                                                  app: Litestar) -> None:
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    live.cookies["uv_lang"] = "cy"
    page = live.get("/staff")
    assert "&amp;lang=cy" in page.text or "&lang=cy" in page.text  # the page tells its socket its language
    with (live.websocket_connect("/ws/live?topics=staff&lang=cy", headers={"origin": ORIGIN}) as welsh,
          live.websocket_connect("/ws/live?topics=staff&lang=en", headers={"origin": ORIGIN}) as english):
        assert "Mae diweddariadau byw ymlaen." in welsh.receive_text(timeout=30)
        assert "Live updates are on." in english.receive_text(timeout=30)
        on_app_loop(live, _announce, app)
        in_welsh, in_english = welsh.receive_text(timeout=30), english.receive_text(timeout=30)
    assert "Iaith" in in_welsh and "Newid iaith" in in_welsh and "Change language" not in in_welsh
    assert "Change language" in in_english and "Iaith" not in in_english


def test_a_socket_without_a_language_follows_its_cookie(live: TestClient[Litestar], app: Litestar) -> None:  # noqa: F811
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    live.cookies["uv_lang"] = "pl"
    with live.websocket_connect("/ws/live?topics=staff", headers={"origin": ORIGIN}) as ws:
        assert "Live updates are on." not in ws.receive_text(timeout=30)
        on_app_loop(live, _announce, app)
        fragment = ws.receive_text(timeout=30)
    assert "Zmień język" in fragment and "Change language" not in fragment
