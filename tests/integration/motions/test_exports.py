"""Exports: the printed motion book with line numbers and amendments, the CSV of motions and outcomes."""

from __future__ import annotations

import csv
import io
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.motions.test_voting_link import manchester_user, moved_with_amendments
from tests.integration.motions.world import make_floor, plain, submit_motion


async def test_the_motion_book_and_the_csv_show_motions_amendments_and_outcomes(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app, title="=Fair pay now",
                                    text="Pay has fallen.\nConference demands a rise.")
    insert_id, delete_id = await moved_with_amendments(app, floor, motion_id, await manchester_user(app))
    await floor.chair.post(f"{floor.base}/floor/amendments/{insert_id}", data={"confirm": "yes", "action": "accepted"})

    book = await floor.london.get(f"{floor.base}/motion-book")
    assert book.status_code == 200
    text = plain(book.text)
    assert "Pay Debate (10 minutes)" in text
    assert "Motion 1: =Fair pay now" in text
    assert '<li class="motion-line" value="2"><span class="motion-line__number" aria-hidden="true">2</span> ' \
           "Conference demands a rise.</li>" in book.text
    assert "Amendment 1.2: Delete line 1 (Admitted)" in text and "Delete: Pay has fallen." in text
    assert "Motion 1 as amended" in text
    assert "3 and report back to conference. (Amendment 1.1: inserted after line 2)" in text
    assert re.search(r'href="/static/motions\.[0-9a-f]{12}\.css"', book.text) and "<style" not in book.text

    await floor.chair.post(f"{floor.base}/floor/amendments/{delete_id}", data={"confirm": "yes", "action": "lost"})
    await floor.chair.post(f"{floor.base}/floor/motions/{motion_id}", data={"confirm": "yes", "action": "carried"})
    response = await floor.london.get(f"{floor.base}/motions-export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["number", "kind", "title", "submitted by", "state", "outcome"]
    assert rows[1] == ["1", "ordinary", "'=Fair pay now", "Body LON", "Carried as amended", "Carried as amended", "",
                       "Debate", "Amendment 1.1", ""]
