"""What people do around a live ballot: the chair on the console, delegates on the Vote page.

Acts through the visible page by labels and button names, and checkpoints every page it lands on.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journey import Journey


def prepare_ballot(journey: Journey, conference_id: int, title: str, question: str) -> str:
    """The chair prepares a secret for/against/abstain ballot on a question; returns its console path."""
    journey.goto(f"/conferences/{conference_id}/ballots", "ballot console")
    page = journey.page
    page.get_by_role("link", name="Prepare a ballot on a question").click()
    page.wait_for_url("**/ballots/new")
    journey.checkpoint("prepare a ballot")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("The question").fill(question)
    page.get_by_label("For, against or abstain").check()
    page.get_by_label("Secret ballot").check()
    page.get_by_role("button", name="Prepare the ballot").click()
    page.wait_for_url("**?done=created")
    journey.checkpoint("ballot prepared")
    return journey.path.split("?")[0]


def press_and_confirm(journey: Journey, button: str) -> None:
    """Press a console button; accept the 'are you sure?' question some of them ask."""
    page = journey.page
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    journey.checkpoint(f"after {button.lower()}")


def watch_without_reload(journey: Journey) -> None:
    """Mark the document: the mark is gone if the page reloads, so live changes can be told from reloads."""
    journey.page.evaluate("() => { window.sameDocument = true; }")


def still_same_document(journey: Journey) -> bool:
    return bool(journey.page.evaluate("() => window.sameDocument === true"))


def vote_with_keyboard(journey: Journey, ballot_id: int, choice: str) -> None:
    """Tab to the choice, Space to pick it, Tab to the button, Enter to cast: no pointer at all."""
    journey.tab_to(f'#ballot-{ballot_id} input[name="choice"][value="{choice}"]')
    journey.page.keyboard.press("Space")
    expect(journey.page.locator(f'#ballot-{ballot_id} input[value="{choice}"]')).to_be_checked()
    journey.tab_to(f"#ballot-{ballot_id} button[type=submit]")
    with journey.page.expect_navigation():
        journey.page.keyboard.press("Enter")
