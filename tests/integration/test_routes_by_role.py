"""Who gets in where: every route of the app, requested by every kind of person.

EXPECTED is the access policy, written out by hand. The test walks `app.routes`, so a new
route that is missing from the table fails here until someone states who may use it.

"Let in" means the guard passed: any answer except 401, 403 or the guards' redirects to
/login?next=..., /login/totp or /account/totp. A 400 for an empty form, a 404 for an id that
belongs to someone else or a 409 still counts as let in: the request reached the handler.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.conftest import make_settings
from tests.helpers import Visitor, app_db, make_conference, make_user
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token, roles_of
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.config import Settings
from unionvote.voting.services import BallotSpec, create_ballot

A_ROLES = {
    "delegate": Role.DELEGATE, "observer": Role.OBSERVER, "teller": Role.TELLER, "chair": Role.CHAIR,
    "cac": Role.CAC, "returning_officer": Role.RETURNING_OFFICER, "staff": Role.STAFF,
}
IDENTITIES = ("anonymous", *A_ROLES, "chair_of_b", "admin")

EVERYONE = frozenset(IDENTITIES)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = frozenset({"chair", "cac", "returning_officer", "staff", "chair_of_b", "admin"})
AUDIT_READERS = frozenset({"returning_officer", "admin"})
ADMIN = frozenset({"admin"})
# Roles in conference A (the one named in every path), and administrators.
IN_A = frozenset({"delegate", "observer", "teller", "chair", "cac", "returning_officer", "staff", "admin"})
STAFF_OF_A = frozenset({"staff", "admin"})
QUORUM_OF_A = frozenset({"chair", "cac", "returning_officer", "staff", "admin"})
ELECTORATE_OF_A = frozenset({"returning_officer", "staff", "admin"})
CONFERENCE_A = "/conferences/{conference_id:int}"
API_A = "/api/v1/conferences/{conference_id:int}"
DELEGATE_A = "/delegates/{delegate_id:int}"

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Public: the way in and out, and the health check.
    ("GET", "/"): EVERYONE,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/language"): EVERYONE,  # the language switch in every page's footer
    ("POST", "/logout"): EVERYONE,
    ("POST", "/api/v1/session"): EVERYONE,
    ("DELETE", "/api/v1/session"): EVERYONE,
    ("GET", "/enrol/{token:str}"): EVERYONE,
    ("POST", "/enrol/{token:str}"): EVERYONE,
    ("GET", "/conferences/{slug:str}/code-login"): EVERYONE,
    ("POST", "/conferences/{slug:str}/code-login"): EVERYONE,
    # Indicative member ballots: members vote from a link or a code, with no account.
    ("GET", "/vote/{token:str}"): EVERYONE,
    ("POST", "/vote/{token:str}"): EVERYONE,
    ("GET", "/ballots/{slug:str}/code"): EVERYONE,
    ("POST", "/ballots/{slug:str}/code"): EVERYONE,
    ("POST", "/ballots/{slug:str}/vote"): EVERYONE,
    ("GET", "/ballots/{slug:str}/trackers"): EVERYONE,
    ("GET", "/ballots/{slug:str}/board"): EVERYONE,
    ("GET", "/ballots/{slug:str}/portal"): EVERYONE,  # a signed link from the union's member portal
    # A voter's complaint about a member ballot, and the decision on it read back by its reference.
    ("GET", "/ballots/{slug:str}/complaints"): EVERYONE,
    ("POST", "/ballots/{slug:str}/complaints"): EVERYONE,
    ("GET", "/ballots/{slug:str}/complaints/{reference:str}"): EVERYONE,
    # Signing in with the union's OpenID provider (404 where none is set up), and its answer coming back.
    ("GET", "/login/oidc"): EVERYONE,
    ("GET", "/login/oidc/callback"): EVERYONE,
    # A session that passed the password step.
    ("GET", "/login/totp"): SIGNED_IN,
    ("POST", "/login/totp"): SIGNED_IN,
    # Anyone logged in, about their own account.
    ("POST", "/logout/everywhere"): SIGNED_IN,
    ("DELETE", "/api/v1/session/everywhere"): SIGNED_IN,
    ("GET", "/account"): SIGNED_IN,
    ("GET", "/account/totp"): SIGNED_IN,
    ("POST", "/account/totp"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id:int}/revoke"): SIGNED_IN,
    ("POST", "/account/recovery-codes"): SIGNED_IN,
    ("POST", "/account/sign-in-elsewhere"): SIGNED_IN,
    ("POST", "/account/sign-in-elsewhere/unlink"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("POST", "/api/v1/me/totp"): SIGNED_IN,
    ("POST", "/api/v1/me/totp/confirm"): SIGNED_IN,
    ("POST", "/api/v1/me/password"): SIGNED_IN,
    ("POST", "/api/v1/me/recovery-codes"): SIGNED_IN,
    ("GET", "/api/v1/me/tokens"): SIGNED_IN,
    ("POST", "/api/v1/me/tokens"): SIGNED_IN,
    ("DELETE", "/api/v1/me/tokens/{token_id:int}"): SIGNED_IN,
    # Staff roles in any conference (not delegates, observers or tellers).
    ("GET", "/staff"): STAFF,
    ("GET", "/api/v1/conferences"): STAFF,
    # Member ballots: turnout, reminder lists and results for administrators, that ballot's organisers
    # (nobody here organises one: tests/integration/ballots/test_organisers.py) and returning officers, who
    # read every member ballot; other conference staff roles give none.
    **{("GET", "/member-ballots/{ballot_id:int}" + path): AUDIT_READERS for path in [
        "/turnout", "/turnout.csv", "/non-voters.csv", "/results", "/report", "/report.csv", "/reconciliation",
        "/reconciliation.csv", "/officer", "/electorate"]},
    ("GET", "/member-ballots/officer"): AUDIT_READERS,
    **{("POST", "/member-ballots/{ballot_id:int}/officer" + path): AUDIT_READERS for path in [
        "/complaints/{complaint_id:int}", "/{step:str}"]},
    ("GET", "/api/v1/member-ballots/{ballot_id:int}"): ADMIN,
    ("GET", "/api/v1/member-ballots/{ballot_id:int}/turnout"): ADMIN,
    ("GET", "/my-member-ballots"): SIGNED_IN,  # the ballots one organises (none, for most)
    # Chasing non-voters: organisers give reps a workplace or branch; a rep's own list answers only that rep
    # (nobody here is a rep: tests/integration/ballots/test_chasing.py).
    ("GET", "/member-ballots/{ballot_id:int}/chasing"): ADMIN,
    **{("POST", "/member-ballots/{ballot_id:int}" + path): ADMIN for path in ["/reps", "/reps/remove",
                                                                               "/chase-message"]},
    **{(method, "/chase/{ballot_id:int}" + path): frozenset() for method, path in [
        ("GET", ""), ("GET", "/list"), ("POST", "/outcome")]},
    # Member ballots are set up and run by union administrators.
    ("GET", "/member-ballots"): ADMIN,
    ("POST", "/member-ballots"): ADMIN,
    ("GET", "/member-ballots/{ballot_id:int}"): ADMIN,
    **{("POST", "/member-ballots/{ballot_id:int}" + path): ADMIN for path in [
        "/members/import", "/members/add", "/members/remove", "/credentials/export", "/credentials/reissue",
        "/credentials/email", "/organisers", "/organisers/remove", "/open", "/close", "/declare", "/erase",
        "/letters", "/portal-secret", "/reminders/text"]},
    # The SMS provider's receipts and replies: no session, only its signature lets a request in (none here).
    ("POST", "/sms/twilio/status"): frozenset(),
    ("POST", "/sms/twilio/inbound"): frozenset(),
    # Union administrators only.
    ("POST", "/api/v1/conferences"): ADMIN,
    ("POST", "/admin/conferences"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("GET", "/admin/users/{user_id:int}"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/roles"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/roles/{grant_id:int}/revoke"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/totp-reset"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{user_id:int}"): ADMIN,
    ("POST", "/api/v1/users/{user_id:int}/roles"): ADMIN,
    ("DELETE", "/api/v1/users/{user_id:int}/roles/{grant_id:int}"): ADMIN,
    ("POST", "/api/v1/users/{user_id:int}/totp-reset"): ADMIN,
    # The audit trail: administrators and returning officers; conference A's export, A's officer only.
    ("GET", "/audit"): AUDIT_READERS,
    ("GET", "/api/v1/audit/scopes"): AUDIT_READERS,
    ("GET", "/audit/{audit_scope:str}/export"): frozenset({"returning_officer", "admin"}),
    ("GET", "/api/v1/audit/scopes/{audit_scope:str}/export"): frozenset({"returning_officer", "admin"}),
    # Conferences: my list (anyone logged in); my own status and check-in (any role in the conference).
    ("GET", "/conferences"): SIGNED_IN,
    ("GET", CONFERENCE_A + "/me"): IN_A,
    ("POST", CONFERENCE_A + "/me/check-in"): IN_A,
    ("POST", CONFERENCE_A + "/me/check-out"): IN_A,
    ("GET", API_A + "/me"): IN_A,
    ("POST", API_A + "/me/check-in"): IN_A,
    ("POST", API_A + "/me/check-out"): IN_A,
    ("GET", API_A + "/sessions"): IN_A,
    # The officers watching the floor.
    ("GET", CONFERENCE_A + "/quorum"): QUORUM_OF_A,
    ("GET", API_A + "/quorum"): QUORUM_OF_A,
    ("GET", API_A + "/eligible-voters"): ELECTORATE_OF_A,
    # The conference's staff: set-up, register and the accreditation desk.
    **{(method, CONFERENCE_A + path): STAFF_OF_A for method, path in [
        ("GET", ""), ("GET", "/settings"), ("POST", "/settings"), ("GET", "/sessions"), ("POST", "/sessions"),
        ("GET", "/bodies"), ("POST", "/bodies"), ("GET", "/register"), ("POST", "/register"), ("GET", "/roles"),
        ("GET", "/desk"), ("GET", "/desk/{delegate_id:int}"),
        ("GET", "/invitations"), ("POST", "/invitations/{delegate_id:int}/issue"), ("POST", "/invitations/export"),
        ("POST", "/invitations/email"), ("POST", "/voting-codes/{delegate_id:int}/issue"),
        ("POST", "/voting-codes/export"),
        *(("POST", f"/desk/{{delegate_id:int}}/{action}")
          for action in ("accredit", "revoke", "reinstate", "substitute", "check-in", "check-out")),
    ]},
    **{(method, API_A + path): STAFF_OF_A for method, path in [
        ("GET", "/settings"), ("PATCH", "/settings"), ("POST", "/sessions"), ("GET", "/bodies"),
        ("POST", "/bodies/import"), ("GET", "/delegates"), ("POST", "/delegates/import"), ("GET", DELEGATE_A),
        ("GET", "/enrolment"), ("POST", DELEGATE_A + "/invitation"), ("POST", "/invitations/export"),
        ("POST", "/invitations/email"), ("POST", DELEGATE_A + "/voting-code"), ("POST", "/voting-codes/export"),
        *(("POST", f"{DELEGATE_A}/{action}")
          for action in ("accredit", "revoke", "reinstate", "substitute", "check-in", "check-out")),
    ]},
    # Consultations: participants are recognised by their key, not their login (checked in the handlers);
    # staff routes check in the handler that the person runs *that* consultation.
    **{(method, "/consult/{consultation_id:int}" + path): EVERYONE for method, path in [
        ("GET", ""), ("POST", "/join"), ("POST", "/resume"), ("GET", "/share"), ("POST", "/share"),
        ("GET", "/star"), ("POST", "/star"), ("POST", "/report"), ("GET", "/discover")]},
    ("GET", "/invited/{token:str}"): EVERYONE,
    ("POST", "/invited/{token:str}"): EVERYONE,
    ("GET", "/invited/{token:str}/results"): EVERYONE,  # the link is the credential; Discover must be open
    ("GET", "/my-consultations"): SIGNED_IN,
    ("GET", "/consultations"): STAFF,
    ("POST", "/consultations"): STAFF,
    **{(method, "/consultations/{consultation_id:int}" + path): STAFF for method, path in [
        ("GET", ""), ("POST", "/phases"), ("POST", "/invitations"), ("POST", "/themes"), ("POST", "/themes/rename"),
        ("POST", "/themes/move"), ("POST", "/responses"), ("GET", "/moderation"), ("POST", "/moderation"),
        ("POST", "/analysts"), ("POST", "/invitations/from-ballot"),
        ("GET", "/exports/{filename:str}")]},
    ("GET", "/api/v1/consultations/{consultation_id:int}/ranking"): STAFF,
    # Languages: a person's own choice; each event's language and bilingual wording, set by those who run it.
    ("POST", "/account/language"): SIGNED_IN,
    ("GET", "/member-ballots/{ballot_id:int}/languages"): ADMIN,
    ("POST", "/member-ballots/{ballot_id:int}/languages"): ADMIN,
    ("POST", CONFERENCE_A + "/settings/languages"): STAFF_OF_A,
    ("POST", "/consultations/{consultation_id:int}/languages"): STAFF,
    ("POST", CONFERENCE_A + "/committee/motions/{motion_id:int}/languages"): frozenset({"cac", "admin"}),
}

# Motions and the agenda: everyone in conference A reads and submits (the rules check who acts for a body);
# the committee (CAC) rules and builds the agenda; the chair runs the floor.
COMMITTEE_OF_A = frozenset({"cac", "admin"})
CHAIR_OF_A = frozenset({"chair", "admin"})
MOTION_A = CONFERENCE_A + "/motions/{motion_id:int}"
EXPECTED.update({
    **{(method, CONFERENCE_A + path): IN_A for method, path in [
        ("GET", "/motions"), ("POST", "/motions"), ("GET", "/motions/new"), ("GET", "/agenda"),
        ("POST", "/agenda/items/{item_id:int}/speakers"), ("POST", "/speakers/{request_id:int}/withdraw"),
        ("GET", "/voting-now"), ("GET", "/motion-book"), ("GET", "/motions-export.csv"),
    ]},
    ("GET", MOTION_A): IN_A, ("POST", MOTION_A + "/amendments"): IN_A, ("POST", MOTION_A + "/text"): IN_A,
    **{(method, API_A + path): IN_A for method, path in [
        ("GET", "/motions"), ("POST", "/motions"), ("GET", "/motions/{motion_id:int}"),
        ("GET", "/motions/{motion_id:int}/amendments"), ("POST", "/motions/{motion_id:int}/amendments"),
    ]},
    **{(method, CONFERENCE_A + "/committee" + path): COMMITTEE_OF_A for method, path in [
        ("GET", ""), ("POST", "/deadlines"), ("POST", "/motions/{motion_id:int}/ruling"),
        ("POST", "/motions/{motion_id:int}/recommendation"), ("POST", "/motions/{motion_id:int}/schedule"),
        ("POST", "/amendments/{amendment_id:int}/ruling"), ("POST", "/composites"), ("POST", "/sections"),
        ("POST", "/items"), ("POST", "/items/{item_id:int}/move"), ("POST", "/publish"),
    ]},
    **{(method, CONFERENCE_A + "/floor" + path): CHAIR_OF_A for method, path in [
        ("GET", ""), ("POST", "/current-item"), ("POST", "/motions/{motion_id:int}"),
        ("POST", "/amendments/{amendment_id:int}"), ("POST", "/deciding"), ("POST", "/speakers/next"),
        ("POST", "/speakers/{request_id:int}/call"), ("POST", "/put-to-vote"),
        ("POST", "/motions/{motion_id:int}/correct"), ("POST", "/amendments/{amendment_id:int}/correct"),
        ("POST", "/speakers/finish"), ("POST", "/speakers/limits"), ("POST", "/speakers/{request_id:int}"),
    ]},
    **{(method, API_A + path): COMMITTEE_OF_A for method, path in [
        ("POST", "/motions/{motion_id:int}/ruling"), ("POST", "/amendments/{amendment_id:int}/ruling"),
        ("POST", "/motions/{motion_id:int}/recommendation"), ("POST", "/composites"), ("POST", "/agenda/sections"),
        ("POST", "/agenda/items"), ("POST", "/motions/{motion_id:int}/schedule"), ("POST", "/agenda/publications"),
    ]},
    **{(method, API_A + "/floor" + path): CHAIR_OF_A for method, path in [
        ("GET", ""), ("POST", "/current-item"), ("POST", "/motions/{motion_id:int}/outcome"),
        ("POST", "/amendments/{amendment_id:int}/outcome"), ("POST", "/motions/{motion_id:int}/correction"),
        ("POST", "/amendments/{amendment_id:int}/correction"), ("POST", "/speakers/next"),
        ("POST", "/speakers/finish"), ("POST", "/speakers/{request_id:int}/call"),
        ("POST", "/speakers/{request_id:int}/move"), ("POST", "/speakers/{request_id:int}/remove"),
        ("POST", "/speakers/time-limits"), ("POST", "/questions"),
    ]},
})

ELECTION_OFFICERS_OF_A = frozenset({"cac", "returning_officer", "staff", "admin"})
ELECTION_A = "/elections/{election_id:int}"
NOMINATION_A = ELECTION_A + "/nominations/{nomination_id:int}"
EXPECTED.update({
    **{(method, prefix + path): IN_A for prefix in (CONFERENCE_A, API_A) for method, path in [
        ("GET", "/elections"), ("GET", ELECTION_A), ("POST", ELECTION_A + "/nominations"),
        ("POST", NOMINATION_A + "/support"), ("POST", NOMINATION_A + "/withdraw"), ("GET", ELECTION_A + "/ballots.blt"),
    ]},
    ("GET", CONFERENCE_A + ELECTION_A + "/result"): IN_A,
    ("GET", CONFERENCE_A + ELECTION_A + "/vote"): IN_A,
    ("POST", CONFERENCE_A + ELECTION_A + "/vote"): IN_A,
    ("POST", CONFERENCE_A + ELECTION_A + "/ballot"): ELECTION_OFFICERS_OF_A,
    ("POST", CONFERENCE_A + ELECTION_A + "/ballot/close"): ELECTION_OFFICERS_OF_A,
    **{(method, prefix + path): ELECTION_OFFICERS_OF_A for prefix in (CONFERENCE_A, API_A) for method, path in [
        ("POST", "/elections"), ("POST", NOMINATION_A + "/decision"), ("POST", ELECTION_A + "/close"),
        ("POST", ELECTION_A + "/count"),
    ]},
    ("GET", CONFERENCE_A + "/elections/new"): ELECTION_OFFICERS_OF_A,
})

# Live voting (conference ballots): everyone in conference A votes and watches; the chair (and staff) run
# ballots; tellers enter hall counts; the returning officer reads the record and certifies.
RUNNERS_OF_A = frozenset({"chair", "staff", "admin"})
TELLERS_OF_A = frozenset({"teller", "chair", "staff", "admin"})
RECORD_OF_A = frozenset({"returning_officer", "chair", "staff", "admin"})
CERTIFIERS_OF_A = frozenset({"returning_officer", "admin"})
VOTE_A, BALLOTS_A, BALLOT_API = CONFERENCE_A + "/vote", CONFERENCE_A + "/ballots", "/api/v1/ballots/{ballot_id:int}"
EXPECTED.update({
    **{(method, VOTE_A + path): IN_A for method, path in [
        ("GET", ""), ("GET", "/{ballot_id:int}"), ("POST", "/{ballot_id:int}"), ("GET", "/{ballot_id:int}/panel"),
        ("GET", "/{ballot_id:int}/receipt"), ("GET", "/{ballot_id:int}/trackers"),
        ("GET", "/{ballot_id:int}/board"), ("GET", "/{ballot_id:int}/board.json"),
        ("POST", "/{ballot_id:int}/seal"), ("POST", "/{ballot_id:int}/seal/reveal")]},
    ("GET", CONFERENCE_A + "/projector"): IN_A,
    **{(method, BALLOTS_A + path): RUNNERS_OF_A for method, path in [
        ("GET", ""), ("POST", ""), ("GET", "/new"), ("GET", "/{ballot_id:int}"),
        *(("POST", f"/{{ballot_id:int}}/{action}") for action in ("open", "close", "declare", "void", "revote",
                                                                   "card-vote"))]},
    ("GET", BALLOTS_A + "/{ballot_id:int}/hall"): TELLERS_OF_A,
    ("POST", BALLOTS_A + "/{ballot_id:int}/hall"): TELLERS_OF_A,
    ("GET", CONFERENCE_A + "/record"): RECORD_OF_A,
    ("GET", CONFERENCE_A + "/record/{ballot_id:int}"): RECORD_OF_A,
    ("POST", CONFERENCE_A + "/record/{ballot_id:int}/certify"): CERTIFIERS_OF_A,
    ("GET", CONFERENCE_A + "/record/export.zip"): RECORD_OF_A,
    ("GET", CONFERENCE_A + "/record/verify"): RECORD_OF_A,
    ("POST", CONFERENCE_A + "/record/verify"): RECORD_OF_A,
    # The trustees' page: the returning officer registers keys and decrypts closed sealed ballots.
    **{(method, CONFERENCE_A + "/trustees" + path): CERTIFIERS_OF_A for method, path in [
        ("GET", ""), ("GET", "/ballots"), ("POST", "/keys"), ("POST", "/keys/{trustee_id:int}/remove"),
        ("GET", "/ballots/{ballot_id:int}/tally.json"), ("POST", "/ballots/{ballot_id:int}/decryption")]},
    ("GET", API_A + "/ballots"): IN_A,
    ("POST", API_A + "/ballots"): RUNNERS_OF_A,
    ("GET", BALLOT_API): IN_A,
    ("POST", BALLOT_API + "/votes"): IN_A,
    ("GET", BALLOT_API + "/trackers"): IN_A,
    **{("POST", BALLOT_API + action): RUNNERS_OF_A for action in ("/open", "/close", "/declare", "/void",
                                                                   "/follow-ups")},
    ("POST", BALLOT_API + "/hall-counts"): TELLERS_OF_A,
    ("POST", BALLOT_API + "/certify"): CERTIFIERS_OF_A,
})

NOT_WALKED = ("/static", "/schema", "/ws/")  # files, the OpenAPI document, and the websocket (tests/integration/live)
KEPT_OUT_REDIRECTS = ("/login?next=", "/login/totp", "/account/totp")
PATH_PARAM = re.compile(r"\{(\w+):\w+\}")


def walked_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """(method, path) for every HTTP handler, as Litestar spells the path, without automatic OPTIONS."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(NOT_WALKED):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                if method != "OPTIONS":
                    yield method, route.path


def kept_out(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.is_redirect and response.headers["location"].startswith(KEPT_OUT_REDIRECTS)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Every identity tries POST /login: lift the per-address limit so the limiter is not what says no.
    return make_settings(database_url, login_attempts_per_minute=10_000)


async def make_cast(app: Litestar) -> tuple[dict[str, int], dict[str, str], int]:
    """Conferences A and B, one account per identity, and someone else with a role grant and an API token."""
    conference_a = await make_conference(app, "adc-2027", "Conference A")
    conference_b = await make_conference(app, "rules-2027", "Conference B")
    user_ids: dict[str, int] = {}
    for name, role in A_ROLES.items():
        user_ids[name], _ = await make_user(app, f"{name}@union.example", roles=[(conference_a, role)], password=None)
    user_ids["chair_of_b"], _ = await make_user(app, "chair.b@union.example", roles=[(conference_b, Role.CHAIR)],
                                                password=None)
    user_ids["admin"], _ = await make_user(app, "admin@union.example", admin=True, password=None)
    other_id, _ = await make_user(app, "someone.else@union.example", roles=[(conference_b, Role.DELEGATE)],
                                  password=None)
    async with app_db(app) as db:
        token, _ = await create_api_token(db, user_id=other_id, name="their integration")
        [(grant, _)] = await roles_of(db, other_id)
        await import_bodies(db, conference_a, b"code,name,kind,membership\nLON,London,branch,100\n", by=None)
        await import_delegates(db, conference_a, b"membership number,name,email,body code,role\n"
                                                 b"A1,Ann Smith,ann@union.example,LON,delegate\n", by=None)
        delegate_id = (await db.execute(select(Delegate.id).where(Delegate.conference_id == conference_a))).scalar_one()
        # A draft conference ballot of A: routes named by a ballot alone find their conference through it.
        ballot = await create_ballot(db, conference_a, BallotSpec(title="Motion 1", question="Carry it?"), by=None)
    path_values = {"conference_id": str(conference_a), "user_id": str(other_id), "grant_id": str(grant.id),
                   "token_id": str(token.id), "audit_scope": f"conference:{conference_a}",
                   "delegate_id": str(delegate_id), "token": "no-such-link", "slug": "adc-2027",
                   "consultation_id": "999", "filename": "comments.csv",
                   "motion_id": "999", "amendment_id": "999", "item_id": "999", "request_id": "999",
                   "election_id": "999", "nomination_id": "999", "ballot_id": str(ballot.id),
                   "trustee_id": "999", "complaint_id": "999", "reference": "no-such-complaint",
                   "step": "certify"}
    return user_ids, path_values, conference_b


def fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{path}: no value for path parameter {name!r}; add one to make_cast()"
        return values[name]

    return PATH_PARAM.sub(value, path)


class Browser:
    """One identity's browser. Logged-in identities get a session (two-factor done) made directly in the
    store, and a new one whenever a route (logging out) has taken it away."""

    def __init__(self, client: AsyncTestClient[Litestar], app: Litestar, user_id: int | None) -> None:
        self.client, self.app, self.user_id = client, app, user_id
        self.visitor = Visitor(client)

    async def request(self, method: str, path: str) -> httpx.Response:
        if self.user_id is not None and "uv_session" not in self.visitor.jar:
            # Made on the app's own event loop, where the session store's engine lives.
            create = functools.partial(self.app.state.session_store.create, self.user_id, mfa_verified=True)
            token = self.client.blocking_portal.call(create)
            self.visitor.jar.set("uv_session", token, domain="testserver.local", path="/")
            self.visitor.jar.delete("uv_csrf")  # a CSRF token belongs to its session: fetch the new session's
        body = {"json": {}} if path.startswith("/api/") and method in ("POST", "PUT", "PATCH") else {}
        return await self.visitor.request(method, path, **body)


def test_every_route_has_a_declared_policy_and_a_guard(app: Litestar) -> None:
    routes = set(walked_routes(app))

    assert sorted(routes - EXPECTED.keys()) == [], "routes with no entry in EXPECTED: add who may use them"
    assert sorted(EXPECTED.keys() - routes) == [], "EXPECTED names routes the app no longer has"
    unguarded = [(method, route.path) for route in app.routes if isinstance(route, HTTPRoute)
                 and not route.path.startswith(("/schema",))
                 for handler in route.route_handlers for method in handler.http_methods
                 if method != "OPTIONS" and not handler.resolve_guards()]
    assert unguarded == [], "every route names its guard, even if it is `public`"


# SQLite only: guards do not depend on the database, and the walk (about 500 requests) takes several
# seconds per backend. The guards' database reads are covered on PostgreSQL by the other tests here.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_each_identity_gets_into_exactly_the_routes_the_policy_allows(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_ids, path_values, _ = await make_cast(app)
    browsers = {identity: Browser(client, app, user_ids.get(identity)) for identity in IDENTITIES}
    let_in: dict[tuple[str, str], set[str]] = {}
    server_errors: list[str] = []

    for method, path in sorted(walked_routes(app)):
        url = fill(path, path_values)
        let_in[(method, path)] = set()
        for identity in IDENTITIES:
            response = await browsers[identity].request(method, url)
            if response.status_code >= 500:
                server_errors.append(f"{identity}: {method} {url} -> {response.status_code}")
            if not kept_out(response):
                let_in[(method, path)].add(identity)

    assert server_errors == []
    wrong = []
    for route, allowed in sorted(let_in.items()):
        expected = EXPECTED.get(route, frozenset())
        if allowed != expected:
            wrong.append(f"{route[0]} {route[1]}: let in unexpectedly {sorted(allowed - expected)}, "
                         f"kept out unexpectedly {sorted(expected - allowed)}")
    assert wrong == [], "\n".join(wrong)


async def test_a_returning_officer_exports_only_their_own_conferences_audit_trail(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_ids, path_values, conference_b = await make_cast(app)
    conference_a = int(path_values["conference_id"])
    officer, admin = Browser(client, app, user_ids["returning_officer"]), Browser(client, app, user_ids["admin"])

    async def status(browser: Browser, scope: str) -> int:
        return (await browser.request("GET", f"/api/v1/audit/scopes/{scope}/export")).status_code

    assert await status(officer, f"conference:{conference_a}") == 200
    assert await status(officer, f"conference:{conference_b}") == 403
    assert await status(officer, "system") == 403
    assert await status(admin, f"conference:{conference_b}") == 200
    assert await status(admin, "system") == 200
    # Conference A's ballot keeps a chain of its own, which A's officer reads too.
    ballot_a = f"ballot:{path_values['ballot_id']}"
    assert await status(officer, ballot_a) == 200
    heads = (await officer.request("GET", "/api/v1/audit/scopes")).json()
    assert sorted(head["scope"] for head in heads) == sorted([f"conference:{conference_a}", ballot_a])
