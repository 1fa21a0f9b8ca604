"""What people do in the product, step by step, as reusable pieces of journeys.

Each helper acts through the visible page (labels and button names, as a person reads them)
and checkpoints every page it lands on. New journeys (voting, ballots) build on these.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.conftest import TEST_SECRET
from tests.e2e.journey import Journey
from tests.e2e.world import Person
from tests.helpers import fresh_totp_code
from tests.subprocesses import clean_env, unionvote


def log_in(journey: Journey, person: Person, *, next_path: str = "/") -> None:
    """Email and password, then the authenticator code when the account has two-factor; staff logging in
    for the first time set two-factor up."""
    query = f"?next={next_path}" if next_path != "/" else ""
    journey.goto(f"/login{query}", "login")
    page = journey.page
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    if person.totp_secret is not None:
        page.wait_for_url("**/login/totp**")
        journey.checkpoint("security code")
        page.get_by_label("Security code").fill(fresh_totp_code(person.totp_secret))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    if person.totp_secret is None and "/account/totp" in page.url:
        set_up_two_factor(journey, person)


def choose_language(journey: Journey, code: str) -> None:
    """The language switch at the foot of every page (a plain form): the same page again, in `code`."""
    switch = journey.page.locator("form.language-switch")
    switch.get_by_role("combobox").select_option(code)
    with journey.page.expect_navigation():
        switch.get_by_role("button").click()
    expect(journey.page.locator("html")).to_have_attribute("lang", code)


def accept_invitation(journey: Journey, token: str, password: str) -> None:
    """Open the enrolment link, choose a password twice, land on the conference home."""
    journey.goto(f"/enrol/{token}", "set your password")
    page = journey.page
    page.get_by_label("New password").fill(password)
    page.get_by_label("Type the same password again").fill(password)
    page.get_by_role("button", name="Set password and log in").click()
    page.wait_for_url("**/me?done=enrolled")


def check_in(journey: Journey, conference_id: int, session_name: str) -> None:
    """From the delegate's conference home: press the big check-in button."""
    page = journey.page
    if f"/conferences/{conference_id}/me" not in page.url:
        journey.goto(f"/conferences/{conference_id}/me", "my conference")
    page.get_by_role("button", name=f"Check in to {session_name}").click()
    page.wait_for_url("**/me?done=you-checked-in")
    expect(page.get_by_role("region", name="Your status")).to_contain_text("You are checked in.")


# ---- setting up from nothing, as the install and the union's staff do ------------------------------------------
REGISTER_HEADER = "membership number,name,email,mobile,body code,role,lead\n"
UK = ZoneInfo("Europe/London")  # sessions and the consultation's phases are set in UK time
BODIES_FILE = b"code,name,kind,membership\nLONC,London Central,branch,1200\nMANC,Manchester,branch,800\n"


@dataclass
class Conference:
    """What staff set up through the pages: the conference, its session on now, bodies and register."""

    id: int
    name: str
    slug: str
    session_name: str = "Opening session"


def first_administrator(database_url: str, tag: str) -> Person:
    """The install's own first step: `unionvote users create --role admin`, the password on standard input."""
    admin = Person(f"admin.{tag}@union.example")
    made = unionvote("users", "create", "--email", admin.email, "--name", "Ada Admin", "--role", "admin",
                     "--password-stdin", stdin=admin.password + "\n",
                     env=clean_env(UNIONVOTE_DATABASE_URL=database_url, UNIONVOTE_SECRET_KEY=TEST_SECRET))
    assert made.returncode == 0, made.stderr
    return admin


def set_up_two_factor(journey: Journey, person: Person) -> None:
    """Staff must: the setup key under the square code goes into the authenticator, then the app's code."""
    page = journey.page
    if "/account/totp" not in page.url:
        journey.goto("/account/totp", "set up two-factor")
    else:
        journey.checkpoint("set up two-factor")
    person.totp_secret = page.locator(".secret code").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from the app").fill(fresh_totp_code(person.totp_secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    journey.checkpoint("recovery codes")
    page.get_by_role("link", name="I have saved my codes").click()
    page.wait_for_url("**/account")


def set_up_conference(admin: Journey, tag: str, register: str) -> Conference:
    """From the staff home: a conference, a session on all of today, its bodies, then `register` (CSV rows)."""
    conference = Conference(0, f"Annual Delegate Conference {tag}", f"adc-{tag}")
    page = admin.page
    admin.goto("/staff", "staff home")
    page.get_by_label("Conference name").fill(conference.name)
    page.get_by_label("Short name").fill(conference.slug)
    page.get_by_role("button", name="Create conference").click()
    page.wait_for_url("**/staff?done=conference-created")
    page.get_by_role("table", name="Conferences").get_by_role("link", name=conference.name, exact=True).click()
    page.wait_for_url(re.compile(r".*/conferences/\d+$"))
    admin.checkpoint("conference overview")
    conference.id = int(admin.path.rsplit("/", 1)[1])

    admin.goto(f"/conferences/{conference.id}/sessions", "business sessions")
    page.get_by_label("Name", exact=True).fill(conference.session_name)
    page.get_by_label("Day", exact=True).fill(datetime.now(UK).date().isoformat())
    page.get_by_label("Starts at").fill("00:00")
    page.get_by_label("Ends at").fill("23:59")
    page.get_by_role("button", name="Add session").click()
    page.wait_for_url("**/sessions?done=session-added")
    for what, content, button in (("bodies", BODIES_FILE, "Upload bodies"),
                                  ("register", (REGISTER_HEADER + register).encode(), "Upload the register")):
        admin.goto(f"/conferences/{conference.id}/{what}", what)
        page.get_by_label("CSV file").set_input_files({"name": f"{what}.csv", "mimeType": "text/csv",
                                                       "buffer": content})
        page.get_by_role("button", name=button).click()
        page.wait_for_url(f"**/{what}?done=imported**")
        admin.checkpoint(f"{what} uploaded")
    return conference


def accredit(admin: Journey, conference: Conference, name: str, *, check_in: bool = False) -> None:
    """At the accreditation desk: find them, record how they were identified, and check them in if asked."""
    page = admin.page
    admin.goto(f"/conferences/{conference.id}/desk?q={quote(name)}", f"desk: {name}")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(r".*/desk/\d+$"))
    page.get_by_label("How did you check who they are?").fill("Union card seen")
    page.get_by_role("button", name=f"Accredit {name}").click()
    page.wait_for_url("**?done=accredited")
    if check_in:
        page.get_by_role("button", name="Check in", exact=True).click()
        page.wait_for_url("**?done=checked-in")
        expect(page.locator(".status-line")).to_contain_text(f"Checked in to {conference.session_name}")
    admin.checkpoint(f"{name} accredited")


def enrolment_link(admin: Journey, conference: Conference, name: str) -> str:
    """On the invitations page: make the delegate's link, shown once; returns its token (/enrol/<token>)."""
    page = admin.page
    admin.goto(f"/conferences/{conference.id}/invitations?q={quote(name)}", f"invitations: {name}")
    page.get_by_role("button", name=f"Make link for {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Enrolment link for {name}")
    admin.checkpoint(f"enrolment link for {name}")
    return page.get_by_label("Enrolment link").input_value().split("/enrol/", 1)[1]


def add_officer(admin: Journey, conference: Conference, person: Person, name: str, role: str) -> None:
    """On the users page: add them with a password to tell them safely, then give them `role` (its label)."""
    page = admin.page
    admin.goto("/admin/users", "users")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password (optional)").fill(person.password)
    page.get_by_role("button", name="Add person").click()
    page.wait_for_url("**?done=user-created")
    page.get_by_label("Conference", exact=True).select_option(label=conference.name)
    page.get_by_label("Role", exact=True).select_option(label=role)
    page.get_by_role("button", name="Give role").click()
    page.wait_for_url("**?done=role-granted")
    admin.checkpoint(f"{name} made {role.lower()}")


def create_member_ballot(admin: Journey, slug: str, description: str, question: str) -> int:
    """On the member ballots page: a ballot titled 'Pay offer <slug>', open from five minutes ago for a week."""
    page = admin.page
    admin.goto("/member-ballots", "member ballots")
    now = datetime.now(UTC)
    page.get_by_label("Title", exact=True).fill(f"Pay offer {slug}")
    page.get_by_label("Short name").fill(slug)
    page.get_by_label("Description in plain words").fill(description)
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_label("Opens (UTC)").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Closes (UTC)").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Set up the ballot").click()
    page.wait_for_url("**?done=created")
    admin.checkpoint("ballot set up")
    return int(admin.path.split("/")[2].split("?")[0])


def import_members(admin: Journey, members: str) -> None:
    """On the ballot's page: upload the members' CSV, its headings detected."""
    page = admin.page
    page.get_by_label("CSV file").set_input_files({"name": "members.csv", "mimeType": "text/csv",
                                                   "buffer": members.encode()})
    page.get_by_role("button", name="Import members").click()
    page.wait_for_url("**?done=imported**")
    admin.checkpoint("members imported")


def voting_links(admin: Journey) -> dict[str, str]:
    """Download the file of voting links for the mail merge: membership number -> the link's path."""
    with admin.page.expect_download() as download:
        admin.page.get_by_role("button", name="Issue and download links and codes").click()
    rows = csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")))
    return {row["membership number"]: "/vote/" + row["voting link"].split("/vote/", 1)[1] for row in rows}


def open_member_ballot(admin: Journey) -> None:
    admin.page.get_by_role("button", name="Open the ballot").click()
    admin.page.wait_for_url("**?done=opened")
    admin.checkpoint("ballot open")


def member_ballot_open(admin: Journey, slug: str, question: str, members: str) -> dict[str, str]:
    """Set up, import `members`, download their links, open: returns each member's voting link (its path)."""
    create_member_ballot(admin, slug, "The employers have made a final offer.", question)
    import_members(admin, members)
    links = voting_links(admin)
    open_member_ballot(admin)
    return links


# ---- consultations ----------------------------------------------------------------------------------------


def uk_minute(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M")


def save_phases(journey: Journey, **times: datetime) -> None:
    page = journey.page
    labels = {"share_opens": "Share opens", "share_closes": "Share closes", "star_opens": "Star opens",
              "star_closes": "Star closes", "discover_opens": "Discover opens"}
    for name, moment in times.items():
        page.get_by_label(labels[name], exact=True).fill(uk_minute(moment))
    page.get_by_role("button", name="Save the phases").click()
    page.wait_for_url("**?done=phases-saved")


def start_consultation(admin: Journey, question: str, invited: int, ratings: int) -> tuple[int, list[str]]:
    """Through the staff pages: create, open Share and Star, upload a list of `invited` members.

    Returns the consultation's id and each member's invitation link (its path)."""
    page = admin.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consultations").click()
    page.wait_for_url("**/consultations")
    admin.checkpoint("consultations")
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_label("People on an imported list, by invitation link").check()
    page.get_by_label("Ratings to ask of each participant").fill(str(ratings))
    page.get_by_role("button", name="Create the consultation").click()
    page.wait_for_url("**?done=created")
    admin.checkpoint("consultation created")
    consultation_id = int(admin.path.split("/")[2].split("?")[0])

    now = datetime.now(UK)
    save_phases(admin, share_opens=now - timedelta(hours=2), star_opens=now - timedelta(hours=2))
    listing = "reference\n" + "".join(f"member{i}@example.org\n" for i in range(invited))
    page.get_by_label("People to invite (CSV)").set_input_files(
        {"name": "members.csv", "mimeType": "text/csv", "buffer": listing.encode()})
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the links").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [row["reference"] for row in rows] == [f"member{i}@example.org" for i in range(invited)]
    return consultation_id, ["/invited/" + row["link"].split("/invited/", 1)[1] for row in rows]


def join_and_share(member: Journey, link: str, *thoughts: str) -> None:
    """From the invitation: join, then share each thought in turn."""
    page = member.page
    member.goto(link, "invitation")
    page.get_by_role("button", name="Join the consultation").click()
    page.wait_for_url("**?done=joined")
    for thought in thoughts:
        page.get_by_role("link", name="Share a thought").click()
        page.wait_for_url("**/share")
        page.get_by_label("Your thought").fill(thought)
        with page.expect_navigation():
            page.get_by_role("button", name="Share", exact=True).click()
        if "done=shared" not in page.url:  # offered similar thoughts first: this one is different enough
            page.get_by_role("button", name="Share mine anyway").click()
            page.wait_for_url("**?done=shared")
