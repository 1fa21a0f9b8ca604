"""Results for the whole audience once Discover opens, and many members choosing at once get different thoughts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, app_db, make_user
from tests.integration.consult.world import (
    choose_at_once,
    consultation,
    delegates,
    join,
    rated_consultation,
    share,
    staff,
)
from unionvote.consult import participation, star
from unionvote.consult.setup import Phases, load, set_phases
from unionvote.consult.share import share_thought
from unionvote.db import utcnow

TIP = "Ask for the rota four weeks ahead"


async def open_discover(app: Litestar, cid: int, by: int) -> None:
    now = utcnow()
    async with app_db(app) as db:
        await set_phases(db, await load(db, cid), Phases(
            share_opens_at=now - timedelta(hours=2), share_closes_at=now - timedelta(minutes=1),
            star_opens_at=now - timedelta(hours=2), star_closes_at=now - timedelta(minutes=1),
            discover_opens_at=now - timedelta(minutes=1)), hold_for_review=False, by=by)


async def test_a_delegate_who_never_joined_reads_the_results_once_discover_opens(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, (sharer, latecomer), _ = await delegates(app, client, 2)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, phases="share,star")
    assert '<a href="/consultations">Consultations</a>' in (await admin.get("/account")).text
    await join(sharer, cid)
    await share(sharer, cid, TIP)
    early = await latecomer.get(f"/consult/{cid}/discover")
    assert early.status_code == 409 and "The Discover phase of this consultation is not open now" in early.text

    await open_discover(app, cid, admin_id)
    listing = await latecomer.get("/my-consultations")  # where the navigation's "Consultations" leads a delegate
    assert '<a href="/my-consultations" aria-current="page">Consultations</a>' in listing.text
    assert f'<a href="/consult/{cid}">What is your best tip' in listing.text
    assert "results are open to read" in listing.text
    home = await latecomer.get(f"/consult/{cid}")
    assert "See what members rated highest" in home.text and "Join the consultation" not in home.text
    results = await latecomer.get(f"/consult/{cid}/discover")
    assert results.status_code == 200 and TIP in results.text
    summary = results.text.index("No thought has enough ratings to rank yet")
    assert summary < results.text.index("Every thought, with how sure each estimate is")

    outsider_id, _ = await make_user(app, "outsider@union.example")
    outsider = Visitor(client)
    await outsider.log_in("outsider@union.example")
    refused = await outsider.get(f"/consult/{cid}/discover")
    assert refused.status_code == 403 and "log in as a delegate of the conference" in refused.text
    assert TIP not in refused.text
    assert "not on the conference's register" in (await outsider.get(f"/consult/{cid}")).text
    assert "None of your conferences is running a consultation" in (await outsider.get("/my-consultations")).text
    anonymous = await Visitor(client).get(f"/consult/{cid}/discover")
    assert anonymous.status_code == 403 and TIP not in anonymous.text


async def test_everyone_invited_reads_the_results_by_their_link_whether_they_joined_or_not(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited", phases="share,star")
    issued = await admin.post(f"/consultations/{cid}/invitations", files={"file": (
        "people.csv", b"reference\nann@example.org\nbob@example.org\n", "text/csv")})
    ann, bob = (row["link"].split("127.0.0.1:8000", 1)[1]
                for row in csv.DictReader(io.StringIO(issued.content.decode("utf-8-sig"))))
    member = Visitor(client)
    await member.post(ann, data={})
    await share(member, cid, TIP)
    assert (await Visitor(client).get(bob + "/results")).status_code == 409  # not before Discover opens

    await open_discover(app, cid, admin_id)
    for link in (ann, bob):  # Ann joined and used her link; Bob never did
        page = await Visitor(client).get(link)
        assert page.status_code == 200 and "Read the results" in page.text, page.text
        assert "Join the consultation" not in page.text
        results = await Visitor(client).get(link + "/results")
        assert results.status_code == 200 and TIP in results.text
    wrong = await Visitor(client).get("/invited/uvi_not-a-real-link-at-all/results")
    assert wrong.status_code == 404 and TIP not in wrong.text


async def test_fifty_members_choosing_at_once_do_not_all_get_one_thought(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    """Past the coverage phase the sampler looks at the top-10 boundary; a board shared by many
    requests must still spread them, or fifty members rate the same thought and learn nothing new."""
    consultation_id, members = await rated_consultation(app, client, 50)
    picks = await choose_at_once(app, consultation_id, members)
    assert len(picks) >= 6 and max(picks.values()) <= 25, picks  # one board, no single thought takes half


async def test_a_polish_member_reads_the_results_and_their_detail_in_polish(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    """The plain summary and the detail on demand (the ranked table, each group's view) are both translated."""
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited", phases="share,star")
    issued = await admin.post(f"/consultations/{cid}/invitations", files={"file": (
        "people.csv", b"reference,employer\nann@example.org,Acme\n", "text/csv")})
    [link] = (row["link"].split("127.0.0.1:8000", 1)[1]
              for row in csv.DictReader(io.StringIO(issued.content.decode("utf-8-sig"))))
    async with app_db(app) as db:
        c = await load(db, cid)
        crowd = [(await participation.new_participant(db, c, {"employer": "Acme"}, f"m{i}")).participant
                 for i in range(12)]
        for i in range(3):
            await share_thought(db, c, crowd[i], f"{TIP}, number {i}")
        for member in crowd:
            for _ in range(3):
                thought = await star.next_thought(db, c, member)
                if thought is not None:
                    await star.rate(db, c, member, thought.id, 4)
    await open_discover(app, cid, admin_id)

    polish = await Visitor(client).get(link + "/results", headers={"accept-language": "pl"})
    assert polish.status_code == 200
    page = polish.text
    assert "najwyżej" in page[:page.index("<details")]  # the plain summary, first
    detail = page[page.index("<details"):]
    for english in ("Thoughts, highest rated first", "Likely range", "Estimate (stars)", "Ratings", "Employer",
                    "Union response", "too few ratings", "Common ground", "group by group"):
        assert english not in detail, f"'{english}' is shown in English to a Polish reader"
    assert "Pomysły, od najwyżej ocenionych" in detail and "Pracodawca" in detail
