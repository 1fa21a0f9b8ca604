"""A member opens their consultation link, shares a thought, rates others' and, once Discover opens, sees results.
(A member who never joined reads them too: test_consultation_latecomer.py, from nothing, through the pages.)

The member has no account: the single-use invitation link is the way in, and the consultation
recognises them afterwards by the key their browser keeps. On the way they are offered similar
thoughts before theirs is saved, rate with the star fieldset (by the keyboard alone on one
viewport), watch their progress towards the target, and finally see the ranking with its
uncertainty and the themes. Every page they see is checked with axe-core and screenshotted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.consult_world import (
    QUESTION,
    RATING_TARGET,
    TIPS,
    ballot_consultation_after_a_removal,
    consultation_in_star,
    open_discover,
)
from tests.e2e.journey import Journey

MY_TIP = "Ask for flexible start and finish times around the school run"  # near TIPS[0]


def stars_fieldset(page: Page) -> Locator:
    return page.get_by_role("group", name=re.compile(r"^How much do you agree with"))


def progress_line(page: Page) -> Locator:
    return page.get_by_role("status").filter(has_text="You have rated")


def join_from_invitation(journey: Journey, token: str) -> None:
    journey.goto(f"/invited/{token}", "invitation")
    page = journey.page
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_label("Shift").fill("Nights")
    page.get_by_role("button", name="Join the consultation").click()
    page.wait_for_url("**?done=joined")
    journey.checkpoint("consultation home")
    expect(page.get_by_role("region", name="Your resume code")).to_contain_text("uvc_")


def share_after_seeing_similar(journey: Journey, text: str) -> None:
    page = journey.page
    page.get_by_role("link", name="Share a thought").click()
    page.wait_for_url("**/share")
    journey.checkpoint("share a thought")
    page.get_by_label("Your thought").fill(text)
    page.get_by_role("button", name="Share", exact=True).click()
    offer = page.get_by_role("region", name="Similar thoughts are here already")
    expect(offer).to_contain_text(TIPS[0][0])
    journey.checkpoint("similar thoughts offered")
    offer.get_by_role("button", name="Share mine anyway").click()
    page.wait_for_url("**?done=shared")
    journey.checkpoint("thought shared")
    expect(page.get_by_role("region", name="Your thoughts")).to_contain_text(text)


def rate_by_keyboard(journey: Journey) -> None:
    """Tab into the star fieldset, arrow to four stars, tab to the button and press Enter."""
    page = journey.page
    journey.tab_to("#stars-5")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#stars-4")).to_be_checked()
    assert journey.focus_is_visible(), "the focus on the chosen star cannot be seen"
    journey.tab_to("button[type=submit]:not([name])")
    page.keyboard.press("Enter")


def rate_with_pointer(journey: Journey, stars: str) -> None:
    page = journey.page
    stars_fieldset(page).get_by_label(stars).check()
    page.get_by_role("button", name="Save rating").click()


def test_a_member_shares_rates_and_sees_what_members_rated_highest(person: Callable[[str], Journey],
                                                                   viewport: str, e2e_database_url: str) -> None:
    seeded = consultation_in_star(e2e_database_url)
    member = person("member")
    page = member.page
    join_from_invitation(member, seeded.link_token)
    share_after_seeing_similar(member, MY_TIP)

    page.get_by_role("link", name="Rate thoughts").click()
    page.wait_for_url("**/star")
    member.checkpoint("rate thoughts")
    expect(progress_line(page)).to_contain_text(f"You have rated 0 of {RATING_TARGET}")
    seen = []
    for n in range(RATING_TARGET + 1):
        fieldset = stars_fieldset(page)
        expect(fieldset).not_to_contain_text(MY_TIP)  # never one's own
        seen.append(fieldset.locator("legend q").inner_text())
        with page.expect_navigation(url="**/star?done=rated**"):
            if n == 1:
                page.get_by_role("button", name="Skip this one").click()
            elif n == 0 and viewport == "desktop":
                rate_by_keyboard(member)
            else:
                rate_with_pointer(member, ("5 stars: excellent", "3 stars: so-so", "2 stars: poor")[n % 3])
        if n == 0:
            member.checkpoint("after the first rating")
            expect(progress_line(page)).to_contain_text(f"You have rated 1 of {RATING_TARGET}")
    assert len(set(seen)) == len(seen), f"a thought came back after being rated or skipped: {seen}"
    expect(progress_line(page)).to_contain_text(f"You have rated {RATING_TARGET} of {RATING_TARGET} and skipped 1")
    expect(page.get_by_text(f"You have reached {RATING_TARGET} ratings. Thank you.")).to_be_visible()
    member.checkpoint("target reached")
    page.get_by_role("link", name="Go on rating").click()
    page.wait_for_url("**more=1")
    member.checkpoint("going on rating")
    expect(stars_fieldset(page)).to_be_visible()

    open_discover(e2e_database_url, seeded)
    member.goto(f"/consult/{seeded.id}", "consultation in discover")
    page.get_by_role("link", name="See what members rated highest").click()
    page.wait_for_url("**/discover")
    member.checkpoint("results")
    expect(page.get_by_role("region", name="Members rated these ten highest").get_by_role("listitem")).to_have_count(10)
    page.get_by_text("Every thought, with how sure each estimate is").click()
    member.checkpoint("every thought, with the ranges")
    ranking = page.get_by_role("table", name="Thoughts, highest rated first")
    for heading in ("Rank", "Thought", "Estimate (stars)", "Likely range", "Ratings", "Theme"):
        expect(ranking.get_by_role("columnheader", name=heading, exact=True)).to_be_visible()
    rows = ranking.locator("tbody tr")
    expect(rows).to_have_count(len(TIPS) + 1)  # the crowd's tips and the member's own
    first = rows.first
    expect(first.get_by_role("rowheader")).to_have_text("1")
    expect(first.locator("td").nth(2)).to_contain_text(" to ")
    assert first.locator("td").nth(4).inner_text().strip(), "the top thought has no theme"
    # The member's own tip has had at most one rating: it says so rather than ranking by luck.
    expect(ranking.get_by_role("row").filter(has_text=MY_TIP)).to_contain_text("too few ratings to rank")


def test_a_member_removed_from_the_ballot_finds_their_consultation_link_refused(
    person: Callable[[str], Journey], e2e_database_url: str,
) -> None:
    consultation_id, links = ballot_consultation_after_a_removal(e2e_database_url)
    removed = person("removed member")
    response = removed.page.goto(removed.url(f"/invited/{links['B2']}"))
    assert response is not None and response.status == 403
    removed.checkpoint("link refused")
    expect(removed.page.get_by_role("alert")).to_contain_text(
        "This invitation link no longer works: you are not in the electorate of the ballot")
    expect(removed.page.get_by_role("button", name="Join the consultation")).to_have_count(0)

    member = person("member")
    member.goto(f"/invited/{links['B1']}", "invitation from the ballot")
    member.page.get_by_role("button", name="Join the consultation").click()
    member.page.wait_for_url(f"**/consult/{consultation_id}?done=joined")
    member.checkpoint("joined from the ballot")
    expect(member.page.get_by_role("link", name="Share a thought")).to_be_visible()
