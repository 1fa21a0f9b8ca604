"""Reports, the review queue, hold-for-review, themes and staff responses."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.consult.world import consultation, delegates, join, share, staff, thought_on_page


async def test_a_reported_thought_is_hidden_with_a_reason_recorded_and_can_be_restored(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, (author, reader), _ = await delegates(app, client, 2)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id)
    await join(author, cid)
    await join(reader, cid)
    await share(author, cid, "My manager Dave is useless, ask anyone")
    thought = thought_on_page((await reader.get(f"/consult/{cid}/star")).text)
    no_reason = await reader.post(f"/consult/{cid}/report", data={"thought": thought, "reason": ""})
    assert no_reason.status_code == 400 and "Choose why" in no_reason.text
    assert (await reader.post(f"/consult/{cid}/report", data={"thought": thought, "reason": "personal"})
            ).status_code == 303

    queue = await admin.get(f"/consultations/{cid}/moderation")
    assert "My manager Dave" in queue.text and "Names or identifies someone (1)" in queue.text
    unexplained = await admin.post(f"/consultations/{cid}/moderation", data={"thought": thought, "action": "hide"})
    assert unexplained.status_code == 400 and "Choose a reason to hide" in unexplained.text
    hidden = await admin.post(f"/consultations/{cid}/moderation",
                              data={"thought": thought, "action": "hide", "reason": "personal"})
    assert hidden.status_code == 303
    assert "nothing more for you to rate" in (await reader.get(f"/consult/{cid}/star")).text
    assert "hidden by staff" in (await author.get(f"/consult/{cid}")).text
    [entry] = await audit_entries(app, scope=f"consultation:{cid}", action="thought.hide")
    assert '"reason":"personal"' in entry.payload and "Dave" not in entry.payload

    await admin.post(f"/consultations/{cid}/moderation",
                     data={"thought": thought, "action": "restore", "reason": "acceptable"})
    assert thought_on_page((await reader.get(f"/consult/{cid}/star")).text) == thought


async def test_held_thoughts_wait_for_approval(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id, (author, reader), _ = await delegates(app, client, 2)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, hold_for_review=True)
    await join(author, cid)
    await join(reader, cid)
    assert (await share(author, cid, "Use the after-school club")).headers["location"].endswith("done=held")
    assert "nothing more for you to rate" in (await reader.get(f"/consult/{cid}/star")).text
    queue = await admin.get(f"/consultations/{cid}/moderation")
    thought = thought_on_page(queue.text)
    await admin.post(f"/consultations/{cid}/moderation",
                     data={"thought": thought, "action": "approve", "reason": "acceptable"})
    assert thought_on_page((await reader.get(f"/consult/{cid}/star")).text) == thought


async def test_staff_compute_and_edit_themes_and_respond_to_a_thought(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, people, _ = await delegates(app, client, 6)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id)
    tips = ["Cook meals ahead and freeze them", "Freeze cooked meals on Sunday", "Cook double meals to freeze",
            "Flexible hours at work help", "Ask work for flexible hours", "Flexible working hours request"]
    for person, tip in zip(people, tips, strict=True):
        await join(person, cid)
        await share(person, cid, tip)
    assert (await admin.post(f"/consultations/{cid}/themes")).status_code == 303
    overview = (await admin.get(f"/consultations/{cid}")).text
    assert "<th scope=\"col\">Theme</th>" in overview and "Flexible" in overview
    theme_id = overview.split('name="theme"', 1)[1].split('<option value="', 1)[1].split('"', 1)[0]
    renamed = await admin.post(f"/consultations/{cid}/themes/rename", data={"theme": theme_id, "label": "Meals"})
    assert renamed.status_code == 303
    empty = await admin.post(f"/consultations/{cid}/themes/rename", data={"theme": theme_id, "label": " "})
    assert empty.status_code == 400 and "Give the theme a name" in empty.text

    thought = overview.split('id="respond-thought" name="thought"><option value="', 1)[1].split('"', 1)[0]
    await admin.post(f"/consultations/{cid}/responses", data={"thought": thought, "text": "We will negotiate this."})
    assert "We will negotiate this." in (await people[0].get(f"/consult/{cid}/discover")).text
    actions = [e.action for e in await audit_entries(app, scope=f"consultation:{cid}")]
    assert {"themes.computed", "theme.renamed", "thought.responded"} <= set(actions)
