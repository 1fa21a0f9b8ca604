"""Getting the vote out, on a 360x740 phone: a rep chases their own workplace and watches it vote.

From nothing, through the pages: the administrator sets up an indicative ballot, imports the
membership from a CRM export (read through its column mapping), adds an organiser and opens the
ballot. The organiser gives a rep their workplace. The rep opens their chase list, finds a
member's text link already holding the member's number and the filled-in message, and records
that they spoke. The administrator sends reminder texts; the SMS provider's stand-in (speaking its
HTTP API) catches them, and the member votes from the link in their text. The rep's list, open all
the while and never reloaded, drops the member by itself. The organiser then reads the turnout
dashboard on the same small phone: every segment's turnout, threshold and votes still needed, and
the chart, without sideways scrolling.
"""

from __future__ import annotations

import itertools
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.people import create_member_ballot, log_in
from tests.e2e.server import LiveServer, running_server
from tests.e2e.world import Person, in_own_loop
from tests.helpers import PASSWORD
from tests.integration.ballots.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, SENDER, StandIn, twilio_standin
from unionvote.accounts.services import create_user
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.security import hash_password, new_totp_secret

SMALL_PHONE = {**VIEWPORTS["phone"], "viewport": {"width": 360, "height": 740}}
WAIT = 30_000  # ms: a loaded machine is slow, never this slow
LIVE_WAIT = 45_000  # ms: the vote is pushed at once; below the 60 s fallback refresh, so only the push passes
EMPLOYER = "Northern General Hospitals NHS Foundation Trust"
WORKPLACE = "Riverside Ambulance Station"
# What the union's CRM exports: its own headings, a forename and a surname.
CRM_EXPORT = (
    "Member No,First Name,Last Name,Email Address,Mobile Phone,Employer Name,Work Location,Branch Name,Region\n"
    f"R1,Ann,Jones,,07700 900201,{EMPLOYER},{WORKPLACE},Health branch,North East and Cumbria\n"
    f"R2,Bilal,Khan,,07700 900202,{EMPLOYER},{WORKPLACE},Health branch,North East and Cumbria\n"
    f"R3,Cara,Lee,,07700 900203,{EMPLOYER},{WORKPLACE},Health branch,North East and Cumbria\n"
    f"H1,Hugh,Hill,,07700 900204,{EMPLOYER},Hilltop Community Hospital,Health branch,North East and Cumbria\n"
)
Open = Callable[[str], Journey]


class Staff:
    def __init__(self, tag: str) -> None:
        self.admin = Person(f"admin.{tag}@union.example", totp_secret=new_totp_secret())
        self.organiser = Person(f"organiser.{tag}@union.example", totp_secret=new_totp_secret())
        self.rep = Person(f"rep.{tag}@union.example")
        self.rep_name = "Rhys Rep"


async def _accounts(database_url: str, staff: Staff) -> None:
    """The people themselves exist before the journey: accounts are made by an administrator elsewhere."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            for person, name, admin in ((staff.admin, "Ada Admin", True), (staff.organiser, "Olu Organiser", False),
                                        (staff.rep, staff.rep_name, False)):
                user = await create_user(db, email=person.email, display_name=name, password=None, is_admin=admin)
                user.password_hash = hash_password(PASSWORD)
                if person.totp_secret:
                    user.totp_secret, user.totp_enabled = person.totp_secret, True
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def provider() -> Iterator[StandIn]:
    with twilio_standin() as standin:
        yield standin


@pytest.fixture(scope="module")
def texting_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, provider: StandIn
                   ) -> Iterator[tuple[LiveServer, str]]:
    """A server of its own that texts through the provider's stand-in, on a database of its own."""
    workdir = tmp_path_factory.mktemp("gotv")
    shutil.copyfile(sqlite_template, workdir / "gotv.db")
    database_url = f"sqlite+aiosqlite:///{workdir / 'gotv.db'}"
    with running_server(database_url, workdir, UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="10000",
                        UNIONVOTE_TWILIO_ACCOUNT_SID=ACCOUNT_SID, UNIONVOTE_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                        UNIONVOTE_TWILIO_FROM=SENDER, UNIONVOTE_TWILIO_API_URL=provider.url,
                        UNIONVOTE_SMS_PER_SECOND="20") as live:
        yield live, database_url


@pytest.fixture
def open_phone(texting_server: tuple[LiveServer, str], browser: object, request: pytest.FixtureRequest
               ) -> Iterator[Open]:
    contexts = []

    def opened(who: str) -> Journey:
        context = browser.new_context(**SMALL_PHONE)  # type: ignore[attr-defined]
        context.set_default_timeout(WAIT)
        contexts.append(context)
        return Journey(context, texting_server[0].base_url, ARTIFACTS / request.node.name, who)

    yield opened
    for context in contexts:
        context.close()


def fits_the_phone(journey: Journey) -> None:
    """Nothing one can see is wider than the phone, and no table scrolls sideways inside its box either."""
    page = journey.page
    wider = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.checkVisibility() && !el.closest('.table-wrap') && el.getBoundingClientRect().right > 361)
        .map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 40))""")
    assert wider == [], f"{journey.who}: wider than the phone on {journey.path}: {wider[:8]}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{journey.who} scrolls sideways on {journey.path}: the page is {width} px wide"
    scrolled = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.getAttribute('aria-label'))""")
    assert scrolled == [], f"{journey.who}: tables scroll sideways on {journey.path}: {scrolled}"


def set_up_ballot(admin: Journey, staff: Staff, slug: str) -> int:
    """Create, import the CRM export through its mapping, add the organiser, open: all on the admin pages."""
    page = admin.page
    ballot_id = create_member_ballot(admin, slug, "The employers have offered 3%. Do you accept it?",
                                     "Do you accept the employers' pay offer?")

    # Read with the wrong mapping first: refused, saying what is missing and which mapping fits.
    upload = {"name": "crm-export.csv", "mimeType": "text/csv", "buffer": CRM_EXPORT.encode()}
    page.get_by_label("Column headings").select_option("membership-system")
    page.get_by_label("CSV file").set_input_files(upload)
    with page.expect_navigation():
        page.get_by_role("button", name="Import members").click()
    problems = page.get_by_role("table", name=re.compile("Rows to fix"))
    expect(problems).to_contain_text("the header lacks 'membership number'")
    expect(problems).to_contain_text("the headings fit the mapping 'CRM contacts export")
    admin.checkpoint("import refused")
    fits_the_phone(admin)

    page.get_by_label("Column headings").select_option("crm-contacts")
    page.get_by_label("CSV file").set_input_files(upload)
    page.get_by_role("button", name="Import members").click()
    page.wait_for_url("**?done=imported**")
    expect(page.get_by_role("status")).to_contain_text("read with the mapping 'CRM contacts export")
    admin.checkpoint("members imported")
    fits_the_phone(admin)  # the mappings' long names included

    page.get_by_label("Email address of the organiser's account").fill(staff.organiser.email)
    page.get_by_role("button", name="Add organiser").click()
    page.wait_for_url("**?done=organiser-added")
    page.get_by_role("button", name="Open the ballot").click()
    page.wait_for_url("**?done=opened")
    admin.checkpoint("ballot open")
    return ballot_id


def give_rep_their_workplace(organiser: Journey, staff: Staff, ballot_id: int) -> None:
    page = organiser.page
    organiser.goto(f"/member-ballots/{ballot_id}/chasing", "chasing")
    page.get_by_label("Rep's account email").fill(staff.rep.email)
    page.get_by_label("They chase one").select_option("workplace")
    page.get_by_label("Which one").fill(WORKPLACE)
    page.get_by_role("button", name="Give this rep their chase list").click()
    page.wait_for_url("**?done=rep-added")
    expect(page.get_by_role("table", name="Per rep: members contacted and the turnout of what they chase")
           ).to_contain_text(staff.rep_name)
    organiser.checkpoint("rep given their workplace")
    fits_the_phone(organiser)


def text_caught_for(provider: StandIn, number: str, within: float = 60) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with provider.lock:
            bodies = [fields["Body"] for fields in provider.sent if fields["To"] == number]
        if bodies:
            return bodies[-1]
        time.sleep(0.2)
    raise AssertionError(f"no text reached the provider for {number} within {within} s: {provider.sent}")


def test_a_rep_chases_their_workplace_and_watches_a_member_vote_from_a_reminder_text(
        open_phone: Open, texting_server: tuple[LiveServer, str], provider: StandIn) -> None:
    staff = Staff(uuid.uuid4().hex[:8])
    in_own_loop(_accounts(texting_server[1], staff))
    slug = f"pay-{uuid.uuid4().hex[:6]}"

    admin = open_phone("administrator")
    log_in(admin, staff.admin)
    ballot_id = set_up_ballot(admin, staff, slug)

    organiser = open_phone("organiser")
    log_in(organiser, staff.organiser, next_path=f"/member-ballots/{ballot_id}/chasing")
    give_rep_their_workplace(organiser, staff, ballot_id)

    # The rep: their own workplace's non-voters, and a text link ready to send from their own phone.
    rep = open_phone("rep")
    log_in(rep, staff.rep, next_path=f"/chase/{ballot_id}")
    rep.goto(f"/chase/{ballot_id}", "chase list")
    page = rep.page
    listed = page.locator(".chase-list__member")
    expect(listed).to_have_count(3)
    expect(page.get_by_role("heading", name="Not voted yet: 3")).to_be_visible()
    expect(page.get_by_text("Hugh Hill")).to_have_count(0)  # another workplace: not theirs to see
    ann = listed.filter(has_text="Ann Jones")
    href = ann.get_by_role("link", name="Text Ann Jones").get_attribute("href") or ""
    number, _, body = href.partition("?body=")
    assert number == "sms:07700900201", href
    message = unquote(body)
    assert message.startswith("Hi Ann, it's Rhys Rep from the union."), message
    assert f'"Pay offer {slug}"' in message and "Voting closes" in message, message
    assert ann.get_by_role("link", name="Call Ann Jones").get_attribute("href") == "tel:07700900201"
    fits_the_phone(rep)

    ann.get_by_role("group", name="What happened with Ann Jones?").get_by_role(
        "button", name="Spoke to them").click()
    page.wait_for_url("**?done=recorded**")
    ann = page.locator(".chase-list__member").filter(has_text="Ann Jones")
    expect(ann.locator(".tag")).to_have_text("Spoke to them")
    rep.checkpoint("outcome recorded")
    page.evaluate("window.stillTheSamePage = true")  # gone if the page were ever reloaded

    # Reminders by text to every non-voter; the stand-in provider catches Ann's, with her own link.
    admin.goto(f"/member-ballots/{ballot_id}", "ballot before reminders")
    admin.page.get_by_label("Name of this reminder run").fill("first reminders")
    admin.page.get_by_role("button", name="Send reminder texts").click()
    admin.page.wait_for_url("**?done=texting")
    reminder = text_caught_for(provider, "+447700900201")
    found = re.search(r"(https?://\S+/vote/[\w-]+)", reminder)
    assert found is not None, reminder
    assert found.group(1).startswith(texting_server[0].base_url)

    member = open_phone("member")
    response = member.page.goto(found.group(1))
    assert response is not None and response.status == 200
    member.checkpoint("voting from the text")
    member.page.get_by_role("group", name="Do you accept the employers' pay offer?").get_by_label(
        "No", exact=True).check()
    member.page.get_by_role("button", name="Send my vote").click()
    expect(member.page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")

    # The rep's list, never reloaded, drops Ann by itself and keeps the others.
    expect(page.locator(".chase-list__member").filter(has_text="Ann Jones")).to_have_count(0, timeout=LIVE_WAIT)
    expect(page.get_by_role("heading", name="Not voted yet: 2")).to_be_visible()
    expect(page.locator(".chase-list__member")).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage === true"), "the rep's page was reloaded"
    rep.checkpoint("list after the member voted")

    # The organiser watches turnout from the same small phone, by each kind of group.
    organiser.goto(f"/member-ballots/{ballot_id}/turnout?by=workplace", "turnout by workplace")
    dashboard_reads_on_a_small_phone(organiser)
    expect(organiser.page.get_by_text("employers meet the threshold")).to_have_count(0)  # 2 rows, 1 employer
    for segment in ("employer", "region", "branch"):
        organiser.goto(f"/member-ballots/{ballot_id}/turnout?by={segment}", f"turnout by {segment}")
        fits_the_phone(organiser)
    organiser.goto(f"/member-ballots/{ballot_id}/turnout", "turnout")
    expect(organiser.page.get_by_text("0 of 1 employers meet the threshold on their own figures.")).to_be_visible()


def dashboard_reads_on_a_small_phone(organiser: Journey) -> None:
    page = organiser.page
    fits_the_phone(organiser)
    table = page.get_by_role("table", name=re.compile("Turnout by workplace"))
    for place in (WORKPLACE, "Hilltop Community Hospital"):
        row = table.get_by_role("row").filter(has_text=place)
        for label in ("Turnout", "Threshold", "Votes still needed"):
            cell = row.locator(f'td[data-label="{label}"]')
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (place, label, box)
            named = cell.evaluate("el => getComputedStyle(el, '::before').content")
            assert label in named, (place, label, named)  # each figure is named beside it
    riverside = table.get_by_role("row").filter(has_text=WORKPLACE)
    expect(riverside.locator('td[data-label="Turnout"]')).to_contain_text("33")
    expect(riverside.locator('td[data-label="Votes still needed"]')).to_contain_text("1")

    chart = page.locator("svg.turnout-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    labels = page.evaluate("""() => [...document.querySelectorAll('svg.turnout-chart text')].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    })""")
    assert labels, "the chart has no labels"
    for label in labels:
        assert label["bottom"] - label["top"] >= 12, f"chart label too small to read on a phone: {label}"
        assert label["left"] >= 0 and label["right"] <= 360, f"chart label cut off: {label}"
    for first, second in itertools.combinations(labels, 2):
        apart = first["right"] <= second["left"] or second["right"] <= first["left"] or \
            first["bottom"] <= second["top"] or second["bottom"] <= first["top"]
        assert apart, f"chart labels overlap: {first} {second}"
    organiser.checkpoint("turnout on a small phone")
