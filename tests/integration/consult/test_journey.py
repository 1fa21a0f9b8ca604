"""A consultation end to end in the browser: delegates share, star and discover; staff export."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.consult.world import consultation, delegates, join, share, staff, thought_on_page

TIPS = ["Ask for flexible start times so you can do the school run",
        "Batch cook on Sundays and freeze meals for the week",
        "Share one family calendar with your partner and the childminder"]


async def test_delegates_share_rate_and_see_the_ranking_and_staff_export_it(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, people, _ = await delegates(app, client, 4)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id)
    for person, tip in zip(people, TIPS, strict=False):
        await join(person, cid)
        assert (await share(person, cid, tip)).headers["location"] == f"/consult/{cid}?done=shared"
    rater = people[3]
    await join(rater, cid)

    seen = []
    for _ in range(3):
        page = await rater.get(f"/consult/{cid}/star")
        thought = thought_on_page(page.text)
        assert thought is not None and thought not in seen
        seen.append(thought)
        response = await rater.post(f"/consult/{cid}/star", data={"thought": thought, "stars": "5"})
        assert response.status_code == 303
    page = await rater.get(f"/consult/{cid}/star")
    assert "nothing more for you to rate" in page.text
    assert "You have rated <strong>3</strong> of 15" in page.text

    discover = await rater.get(f"/consult/{cid}/discover")
    assert discover.status_code == 200
    assert all(tip in discover.text for tip in TIPS)
    assert "too few ratings to rank" in discover.text  # one rating each is not enough to rank

    comments = await admin.get(f"/consultations/{cid}/exports/comments.csv")
    rows = list(csv.reader(io.StringIO(comments.content.decode("utf-8-sig"))))
    assert rows[0] == ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                       "comment-body"]
    assert sorted(r[7] for r in rows[1:]) == sorted(TIPS)
    assert all(r[4] == "1" for r in rows[1:])  # five stars count as agree
    votes = list(csv.reader(io.StringIO((await admin.get(f"/consultations/{cid}/exports/votes.csv"))
                                        .content.decode("utf-8-sig"))))
    assert len(votes) == 4 and votes[1][4:] == ["1", "5"]
    grid = (await admin.get(f"/consultations/{cid}/exports/participants-votes.csv")).content.decode("utf-8-sig")
    assert grid.splitlines()[0].startswith("participant,group-id,n-comments,n-votes,n-agree,n-disagree,")
    document = (await admin.get(f"/consultations/{cid}/exports/consultation.json")).json()
    assert len(document["thoughts"]) == 3 and len(document["ratings"]) == 3


async def test_a_similar_thought_is_offered_before_saving_and_sharing_anyway_works(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, people, _ = await delegates(app, client, 2)
    _, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, phases="share")
    await join(people[0], cid)
    await join(people[1], cid)
    await share(people[0], cid, "Batch cook on Sundays and freeze meals for the week")

    offered = await share(people[1], cid, "Batch cooking on a Sunday, then freeze the meals", confirm=False)
    assert offered.status_code == 200
    assert "Similar thoughts are here already" in offered.text
    assert "Batch cook on Sundays and freeze meals for the week" in offered.text
    assert (await share(people[1], cid, "Batch cooking on a Sunday, then freeze the meals")).status_code == 303
    unrelated = await share(people[1], cid, "Ask your manager about compressed hours", confirm=False)
    assert unrelated.status_code == 303  # nothing similar: saved straight away


async def test_bad_ratings_and_thoughts_are_refused_with_a_reason_and_change_nothing(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, people, _ = await delegates(app, client, 2)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id)
    author, rater = people
    await join(author, cid)
    await join(rater, cid)

    empty = await share(author, cid, "   ")
    assert empty.status_code == 400 and "Write your thought" in empty.text
    too_long = await share(author, cid, "x" * 281)
    assert too_long.status_code == 400 and "281 characters long; keep it to 280" in too_long.text
    await share(author, cid, "Keep a spare set of school uniform at work")

    thought = thought_on_page((await rater.get(f"/consult/{cid}/star")).text)
    for stars in ("0", "6", "three"):
        bad = await rater.post(f"/consult/{cid}/star", data={"thought": thought, "stars": stars})
        assert bad.status_code == 400 and "Choose from 1 to 5 stars" in bad.text
    own = await author.post(f"/consult/{cid}/star", data={"thought": thought, "stars": "5"})
    assert own.status_code == 400 and "cannot rate your own thought" in own.text
    assert (await rater.post(f"/consult/{cid}/star", data={"thought": thought, "stars": "4"})).status_code == 303
    twice = await rater.post(f"/consult/{cid}/star", data={"thought": thought, "stars": "1"})
    assert twice.status_code == 409 and "rated this thought already" in twice.text

    ranking = (await admin.get(f"/api/v1/consultations/{cid}/ranking")).json()
    assert [(r["ratings"], r["too_few_ratings"]) for r in ranking] == [(1, True)]

    again = await author.post(f"/consult/{cid}/join")
    assert again.status_code == 409 and "joined this consultation already" in again.text


async def test_acting_outside_the_phase_is_refused(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id, people, _ = await delegates(app, client, 2)
    _, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, phases="share")
    await join(people[0], cid)
    await join(people[1], cid)
    await share(people[0], cid, "Use the holiday club at the leisure centre")
    thought = thought_on_page((await people[1].get(f"/consult/{cid}/star")).text)
    refused = await people[1].post(f"/consult/{cid}/star", data={"thought": thought, "stars": "4"})
    assert refused.status_code == 409 and "The Star phase of this consultation is not open now" in refused.text
    discover = await people[1].get(f"/consult/{cid}/discover")
    assert discover.status_code == 409 and "Discover phase" in discover.text


async def test_someone_not_on_the_register_cannot_join(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id, _, _ = await delegates(app, client, 1)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id)
    refused = await admin.post(f"/consult/{cid}/join")
    assert refused.status_code == 403 and "not on its register" in refused.text
    no_key = await admin.get(f"/consult/{cid}/star")
    assert no_key.status_code == 403 and "Join this consultation first" in no_key.text
