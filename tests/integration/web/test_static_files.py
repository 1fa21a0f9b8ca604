"""A phone on a slow network fetches each stylesheet and script once per release, compressed."""

from __future__ import annotations

import gzip
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from unionvote.web import STATIC_DIR


async def test_pages_link_fingerprinted_files_that_are_cached_for_a_year_and_compressed(
        client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/login")
    link = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', page.text)
    assert link, "the login page links app.css by a fingerprinted name"
    assert re.search(r'src="/static/app\.[0-9a-f]{12}\.js"', page.text)
    css = await client.get(link.group(1), headers={"accept-encoding": "gzip"})
    assert css.status_code == 200 and css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers.get("content-encoding") == "gzip" and "accept-encoding" in css.headers["vary"].lower()
    assert css.content == (STATIC_DIR / "app.css").read_bytes()  # httpx undoes the gzip
    raw = await client.get(link.group(1), headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == (STATIC_DIR / "app.css").read_bytes()
    assert int(css.headers["content-length"]) < len(raw.content)  # what crossed the network was smaller
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content


async def test_a_plain_or_stale_name_is_revalidated_not_kept(client: AsyncTestClient[Litestar]) -> None:
    plain = await client.get("/static/app.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache" and plain.headers["etag"]
    again = await client.get("/static/app.css", headers={"if-none-match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = await client.get("/static/app.000000000000.css")  # a page from before a release
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert stale.content == (STATIC_DIR / "app.css").read_bytes()


async def test_nothing_outside_the_static_folder_is_served(client: AsyncTestClient[Litestar]) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/missing.css",
                 "/static/vendor", "/static/app.py"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
    head = await client.head("/static/app.css")
    assert head.status_code == 200 and head.content == b""
