"""What the secrecy tests vote in: a conference (a card vote in split mode, a one-of ballot, an open named
ballot as the control, a contested election) and a member ballot with two questions.

Seeded straight through the domain services (people, accounts, API tokens, ballots as drafts); the
ballots are then opened and voted in through the running server's own routes, so whatever the server
does by default (sealing) applies. Each voter's true choice is fixed here: the ground truth the
attacker must not recover.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from tests.e2e.world import in_own_loop
from tests.faults.vote_world import seat_on_the_floor
from unionvote.accounts.services import create_api_token, create_user
from unionvote.ballots import credentials as member_credentials
from unionvote.ballots import services as member_ballots
from unionvote.ballots.members import import_members
from unionvote.conferences import presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.elections import services as elections
from unionvote.elections.models import Election
from unionvote.elections.nominations import decide, nominate
from unionvote.security import new_totp_secret
from unionvote.voting.models import Secrecy, Weighting
from unionvote.voting.rules import Method, Rule
from unionvote.voting.schemas import option_keys
from unionvote.voting.services import FOR_AGAINST_OPTIONS, BallotSpec, create_ballot

# Who votes what. Delegates 0-2 are London's (a card of 5000 split three ways), 3-8 Manchester's.
DELEGATES = 9
CARD_CHOICES = ["for", "against", "for", "abstain", "for", "against", "against", "for", "abstain"]
PLANS = ["Plan Marigold", "Plan Heliotrope", "Plan Juniper"]
PLAN_KEYS = [key for key, _ in option_keys(PLANS)]
ONE_OF_CHOICES = [PLAN_KEYS[n] for n in (0, 1, 2, 0, 0, 1, 2, 2, 1)]
# The control, a named ballot: its options are its own, so a choice found in a shared log is known to be its.
BRANCHES = ["Alder Street branch", "Birch Road branch", "Cedar Lane branch"]
BRANCH_KEYS = [key for key, _ in option_keys(BRANCHES)]
OPEN_CHOICES = [BRANCH_KEYS[n] for n in (1, 0, 0, 2, 1, 0, 1, 0, 0)]
CANDIDATES = ["Ann Smith", "Bob Jones", "Cath Lee"]
# Rankings (candidate positions, most preferred first): lengths vary, so a paper's size must not.
RANKINGS = [[0], [1, 0], [2, 1, 0], [0, 2], [1], [2, 0, 1], [0, 1, 2], [1, 2], [2]]
MEMBERS = 8
ROTAS = ["Keep the Tuesday rota", "Move to the Thursday rota"]
MEMBER_ANSWERS = [("yes", 0), ("no", 1), ("yes", 1), ("yes", 0), ("no", 0), ("no", 1), ("yes", 1), ("no", 0)]


@dataclass
class Ground:
    """The seeded world and, as votes are cast, each voter's true choice."""

    conference_id: int
    chair_token: str
    phones: list[str]  # one API token per delegate, in delegate order
    delegate_ids: list[int]
    user_ids: list[int]
    ballots: dict[str, int]  # card, one_of, open -> conference ballot id
    election_id: int
    candidate_ids: list[int]  # nomination ids, in CANDIDATES order
    member_ballot_id: int
    member_ids: list[int]
    member_links: list[str]  # each member's voting-link token
    question_ids: list[int]
    rota_keys: list[str]
    truth: dict[str, dict[int, object]] = field(default_factory=dict)  # kind -> voter id -> choice
    tokens: dict[str, dict[int, str]] = field(default_factory=dict)  # kind -> voter id -> their ballot token


async def _seed(database_url: str) -> Ground:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            now = utcnow()
            conference = await create_conference(db, slug="secrecy", name="Secrecy Conference", by=None)
            cid: int = conference.id  # type: ignore[assignment]
            await db.execute(update(Conference).where(Conference.id == cid).values(card_vote_mode="split"))
            await import_bodies(db, cid, b"code,name,kind,membership\nLON,London,branch,5000\n"
                                         b"MAN,Manchester,branch,3000\n", by=None)
            rows = "".join(f"{700000 + n},Delegate {n},d{n}@secrecy.example,{'LON' if n < 3 else 'MAN'},delegate\n"
                           for n in range(DELEGATES))
            await import_delegates(db, cid, ("membership number,name,email,body code,role\n" + rows).encode(), by=None)
            sitting = await presence.add_business_session(db, cid, name="Secrecy session", by=None,
                                                          starts_at=now - timedelta(hours=1),
                                                          ends_at=now + timedelta(hours=4))
            register = list((await db.execute(select(Delegate).where(Delegate.conference_id == cid)
                                              .order_by(Delegate.id))).scalars())
            phones, user_ids = [], []
            for delegate in register:
                user, phone = await seat_on_the_floor(db, delegate, sitting.id)  # type: ignore[arg-type]
                phones.append(phone)
                user_ids.append(user.id)
            chair = await create_user(db, email="chair@secrecy.example", display_name="Chair", password=None,
                                      is_admin=True)
            chair.totp_secret, chair.totp_enabled = new_totp_secret(), True
            _, chair_token = await create_api_token(db, user_id=chair.id, name="chair's laptop")  # type: ignore[arg-type]

            def spec(title: str, options: object, *, secret: bool = True, card: bool = False,
                     method: Method = Method.FOR_AGAINST) -> BallotSpec:
                return BallotSpec(title=title, question=f"{title}?", method=method, options=options,  # type: ignore[arg-type]
                                  secrecy=Secrecy.SECRET if secret else Secrecy.OPEN,
                                  weighting=Weighting.CARD if card else Weighting.ONE_EACH, rule=Rule())
            ballots = {}
            for kind, made in (("card", spec("Motion 4 on the strike fund", FOR_AGAINST_OPTIONS, card=True)),
                               ("one_of", spec("Which plan", tuple(option_keys(PLANS)), method=Method.ONE_OF)),
                               ("open", spec("Which branch hosts the next conference", tuple(option_keys(BRANCHES)),
                                             secret=False, method=Method.ONE_OF))):
                ballots[kind] = (await create_ballot(db, cid, made, by=None)).id

            election = await elections.create_election(db, cid, elections.ElectionSpec(
                title="Standing orders committee", seats=1, rule="irv", nominator_kind="body",
                nominations_close_at=now + timedelta(hours=1), statement_limit=200), by=None)
            london = register[0].body_id
            candidate_ids = []
            for name in CANDIDATES:
                made_nomination = await nominate(db, cid, election.id, candidate_name=name, statement="",  # type: ignore[arg-type]
                                                 body_id=london, by=user_ids[0])
                await decide(db, cid, election.id, made_nomination.id, valid=True, note="", by=chair.id)  # type: ignore[arg-type]
                candidate_ids.append(made_nomination.id)
            await db.execute(update(Election).where(Election.id == election.id)
                             .values(nominations_close_at=now - timedelta(minutes=1)))
            await elections.close_nominations(db, cid, election.id, by=None)  # type: ignore[arg-type]

            rotas = member_ballots.options_from_labels(ROTAS)
            member_ballot = await member_ballots.create_member_ballot(db, member_ballots.MemberBallotSpec(
                slug="rota-2027", title="Rota 2027", description="Two questions on the rota.",
                opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=3),
                questions=[member_ballots.QuestionSpec("Do you accept the rota offer?"),
                           member_ballots.QuestionSpec("Which rota do you prefer?", rotas)], min_segment=2), by=None)
            lines = "".join(f"R{n},Member {n},r{n}@secrecy.example,,{'Acme' if n % 2 else 'Bolt'},Depot,North,"
                            f"Branch\n" for n in range(MEMBERS))
            await import_members(db, member_ballot.id, io.BytesIO(  # type: ignore[arg-type]
                ("membership number,name,email,mobile,employer,workplace,region,branch\n" + lines).encode()), by=None)
            issued = sorted(await member_credentials.issue_credentials(db, member_ballot.id, by=None),  # type: ignore[arg-type]
                            key=lambda c: c.membership_number)
            questions = await member_ballots.questions_of(db, member_ballot.id)  # type: ignore[arg-type]
            return Ground(cid, chair_token, phones, [d.id for d in register], user_ids, ballots, election.id,  # type: ignore[arg-type]
                          candidate_ids, member_ballot.id, [c.member_id for c in issued],  # type: ignore[arg-type]
                          [c.link_token for c in issued], [q.id for q in questions], [k for k, _ in rotas])  # type: ignore[misc]
    finally:
        await engine.dispose()


def seed(database_url: str) -> Ground:
    return in_own_loop(_seed(database_url))


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code in (200, 201, 303), f"{response.request.url}: {response.status_code} {response.text}"
    return response


def form_token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def csrf_field(page: str) -> dict[str, str]:
    """The form's CSRF field, as a browser sends it back (with the cookie the page set)."""
    found = re.search(r'<input[^>]*name="(_csrf_token)"[^>]*value="([^"]+)"', page)
    return {found.group(1): found.group(2)} if found else {}


def checked_sealing(http: httpx.Client, seal: str, phone: dict[str, str], choice: str) -> dict[str, str]:
    """The page's "Check the sealing first": seal the choice, challenge it (the randomness is revealed, so that
    one is spent), seal it again; the form then casts the second, with its handle."""
    challenged = _ok(http.post(seal, json={"choice": [choice]}, headers=phone)).json()
    revealed = _ok(http.post(f"{seal}/reveal", json={"sealed": challenged["sealed"], "handle": challenged["handle"]},
                             headers=phone)).json()
    assert len(revealed["randomness"]) == len(challenged["sealed"]["slots"])
    fresh = _ok(http.post(seal, json={"choice": [choice]}, headers=phone)).json()
    return {"sealed": json.dumps(fresh["sealed"]), "handle": fresh["handle"]}


def cast_all(base: str, ground: Ground) -> None:
    """Open every ballot and cast every vote through the server's routes, half by the JSON API (a phone),
    half by the ballot form (some after checking the sealing, as the page with JavaScript does), one voter at
    a time; record the truth as we go."""
    chair = bearer(ground.chair_token)
    with httpx.Client(base_url=base, timeout=60) as http:
        for ballot_id in ground.ballots.values():
            _ok(http.post(f"/api/v1/ballots/{ballot_id}/open", json={}, headers=chair))
        elections_path = f"/conferences/{ground.conference_id}/elections/{ground.election_id}"
        _ok(http.post(f"{elections_path}/ballot", data={}, headers=chair))
        _ok(http.post(f"/member-ballots/{ground.member_ballot_id}/open", data={}, headers=chair))

        for kind, choices in (("card", CARD_CHOICES), ("one_of", ONE_OF_CHOICES), ("open", OPEN_CHOICES)):
            ballot_id, truth = ground.ballots[kind], ground.truth.setdefault(kind, {})
            for n, choice in enumerate(choices):
                phone, voter = bearer(ground.phones[n]), ground.delegate_ids[n]
                if n % 2:
                    page = _ok(http.get(f"/conferences/{ground.conference_id}/vote/{ballot_id}", headers=phone))
                    token = form_token(page.text)
                    checked = checked_sealing(http, f"/conferences/{ground.conference_id}/vote/{ballot_id}/seal",
                                              phone, choice) if n in (1, 7) and kind != "open" else {}
                    _ok(http.post(f"/conferences/{ground.conference_id}/vote/{ballot_id}", headers=phone,
                                  data={"choice": choice, "token": token, **checked}))
                else:
                    token = f"phone-token-{kind}-{n:02d}-{secrets.token_hex(8)}"
                    _ok(http.post(f"/api/v1/ballots/{ballot_id}/votes", headers=phone,
                                  json={"choice": [choice], "token": token}))
                truth[voter] = choice
                ground.tokens.setdefault(kind, {})[voter] = token

        truth = ground.truth.setdefault("election", {})
        for n, ranking in enumerate(RANKINGS):
            phone = bearer(ground.phones[n])
            token = form_token(_ok(http.get(f"{elections_path}/vote", headers=phone)).text)
            ranks = {f"rank-{ground.candidate_ids[c]}": str(rank) for rank, c in enumerate(ranking, start=1)}
            response = _ok(http.post(f"{elections_path}/vote", headers=phone, data={"token": token, **ranks}))
            assert "Your vote has been recorded" in response.text, response.text[:3000]
            truth[ground.delegate_ids[n]] = tuple(str(ground.candidate_ids[c]) for c in ranking)
            ground.tokens.setdefault("election", {})[ground.delegate_ids[n]] = token

        truth = ground.truth.setdefault("member", {})
        q1, q2 = ground.question_ids
        for n, (answer, rota) in enumerate(MEMBER_ANSWERS):
            link = f"/vote/{ground.member_links[n]}"
            page = _ok(http.get(link)).text
            token = form_token(page)
            response = _ok(http.post(link, data={**csrf_field(page), "token": token, f"q{q1}": answer,
                                                 f"q{q2}": ground.rota_keys[rota]}))
            assert response.status_code == 201, response.text[:3000]
            truth[ground.member_ids[n]] = (answer, ground.rota_keys[rota])
            ground.tokens.setdefault("member", {})[ground.member_ids[n]] = token


def close_everything(base: str, ground: Ground) -> None:
    """Voting ends: the conference ballots close (their tallies decrypted), the election is counted (its papers
    opened, in server mode) and the member ballot closes (its totals and large enough segments decrypted)."""
    chair = bearer(ground.chair_token)
    with httpx.Client(base_url=base, timeout=120) as http:
        for ballot_id in ground.ballots.values():
            _ok(http.post(f"/api/v1/ballots/{ballot_id}/close", headers=chair))
        path = f"/conferences/{ground.conference_id}/elections/{ground.election_id}/ballot/close"
        response = _ok(http.post(path, data={}, headers=chair))
        assert "result" in response.headers.get("location", ""), response.text[:3000]
        response = _ok(http.post(f"/member-ballots/{ground.member_ballot_id}/close", data={}, headers=chair))
        assert "closed" in response.headers.get("location", ""), response.text[:3000]
