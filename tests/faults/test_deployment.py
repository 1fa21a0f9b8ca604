"""The two-worker setup of docs/deployment.md, run as the page says, then Redis taken away and brought back.

Deploy: a fresh PostgreSQL database migrated once with `unionvote db upgrade`, a Redis, two
`unionvote serve` workers (separate hosts, in effect) with the same UNIONVOTE_SECRET_KEY and
Redis, outside dev mode, UNIONVOTE_ALLOWED_HOSTS set and the proxy options on. A login made on
one worker is good on the other, a form's CSRF token from one is accepted by the other, and a
live update caused on one reaches a page held open on the other.

Redis down (the last act on the same deployment, with a private Redis the test can kill):
votes keep being taken (phones and integrations use API tokens, which live in PostgreSQL);
someone logged in through the browser before the outage keeps voting through the form, and
logging in works meanwhile, since every login session is kept in PostgreSQL as well; when Redis
returns (empty), live updates resume on pages already open and nobody has to log in again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.server import LiveServer
from tests.faults.clients import LiveFeed, bearer
from tests.faults.cluster import PrivateRedis, cluster, private_redis, private_redis_available
from tests.faults.vote_world import VoteFloor, build_vote_floor, voters_recorded
from tests.helpers import PASSWORD
from tests.pg import fresh_postgres_database_sync
from tests.subprocesses import clean_env, unionvote
from unionvote.voting.receipts import new_token

PG_URL = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
DELEGATES = 20
PROXY = ("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")  # as in the page's serve command
LIVE_AGAIN_WITHIN = 10  # seconds after Redis returns
SITE = "vote.example-union.org"  # UNIONVOTE_ALLOWED_HOSTS; the proxy forwards it as Host to every worker

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis,
    pytest.mark.skipif(not (PG_URL and private_redis_available()),
                       reason="needs UNIONVOTE_TEST_POSTGRES_URL and redis-server"),
]


@dataclass
class Deployment:
    a: LiveServer
    b: LiveServer
    redis: PrivateRedis
    database_url: str
    floor: VoteFloor


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    assert PG_URL
    workdir = tmp_path_factory.mktemp("deployment")
    with fresh_postgres_database_sync(PG_URL) as url, private_redis(workdir) as redis:
        migrated = unionvote("db", "upgrade", env=clean_env(UNIONVOTE_DATABASE_URL=url), cwd=workdir)
        assert migrated.returncode == 0 and "Database is at revision head." in migrated.stdout, migrated.stderr
        floor = build_vote_floor(url, DELEGATES, password=PASSWORD)
        with cluster(url, redis.url, workdir, serve_args=PROXY, host=SITE) as (a, b):
            yield Deployment(a, b, redis, url, floor)


def via_proxy(server: LiveServer, **options: object) -> httpx.Client:
    """What the proxy sends to `server`: the browser's requests, for the site's name."""
    return httpx.Client(base_url=server.base_url, headers={"host": SITE}, timeout=30, **options)  # type: ignore[arg-type]


def log_in(server: LiveServer, email: str) -> httpx.Client:
    """A browser's login: the login page (CSRF cookie), then the form, on `server`."""
    browser = via_proxy(server)
    browser.get("/login")
    answer = browser.post("/login", data={"email": email, "password": PASSWORD, "next": "/"},
                          headers={"x-csrftoken": browser.cookies["uv_csrf"]})
    assert answer.status_code == 303 and "uv_session" in browser.cookies, answer.text
    return browser


def phone_votes(server: LiveServer, floor: VoteFloor, n: int) -> httpx.Response:
    with via_proxy(server) as phone:
        return phone.post(f"/api/v1/ballots/{floor.ballot_id}/votes", headers=bearer(floor.phones[n]),
                          json={"choice": [floor.choice_of(n)], "token": new_token()})


def chair_does(server: LiveServer, path: str, floor: VoteFloor) -> httpx.Response:
    with via_proxy(server) as laptop:
        return laptop.post(path, headers=bearer(floor.chair_token))


def same_browser_on(server: LiveServer, browser: httpx.Client) -> httpx.Client:
    """The proxy sends this browser's next request, cookies and all, to another worker."""
    return via_proxy(server, cookies=browser.cookies)


def test_a_login_on_one_worker_holds_on_the_other_and_live_news_crosses_workers(deployment: Deployment) -> None:
    a, b, floor = deployment.a, deployment.b, deployment.floor
    vote_page = f"/conferences/{floor.conference_id}/vote"
    with closing(log_in(a, floor.emails[0])) as on_a, same_browser_on(b, on_a) as on_b:
        page = on_b.get(vote_page)
        assert page.status_code == 200 and "Motion 1: a fair pay claim" in page.text and "Cast my vote" in page.text

        with LiveFeed(b, f"conference:{floor.conference_id}", cookie=on_a.cookies["uv_session"],
                      host=SITE) as live_on_b:
            opened = chair_does(a, f"/api/v1/ballots/{floor.draft_id}/open", floor)
            assert opened.status_code == 200, opened.text
            assert live_on_b.wait_for("Voting has opened: Motion 2", within=60), \
                f"the opening on A did not reach the page on B; saw {live_on_b.seen}"

        # The form is posted to B with the CSRF token A issued: one secret key on every worker.
        voted = on_b.post(f"{vote_page}/{floor.ballot_id}", data={"token": new_token(), "choice": "for"},
                          headers={"x-csrftoken": on_a.cookies["uv_csrf"]})
        assert voted.status_code in (200, 303), voted.text
        assert "You have voted." in on_a.get(vote_page).text

    # Outside dev mode, UNIONVOTE_ALLOWED_HOSTS turns away requests for other names.
    assert httpx.get(f"{a.base_url}/healthz", headers={"host": "vote.evil.example"}, timeout=30).status_code == 400
    with via_proxy(a) as proxied:
        assert proxied.get("/healthz").json()["status"] == "ok"


def test_with_redis_down_votes_are_taken_and_live_updates_resume_when_it_returns(deployment: Deployment) -> None:
    a, b, floor, redis = deployment.a, deployment.b, deployment.floor, deployment.redis
    vote_page = f"/conferences/{floor.conference_id}/vote"
    before = voters_recorded(deployment.database_url, floor.ballot_id)
    with (closing(log_in(b, floor.emails[1])) as browser,
          LiveFeed(b, f"conference:{floor.conference_id}", token=floor.phones[1], host=SITE) as live_on_b):
        redis.kill()

        # Phones keep voting, on either worker.
        for n in range(2, 8):
            answer = phone_votes(a if n % 2 else b, floor, n)
            assert answer.status_code == 201, answer.text
        # Browser sessions are in PostgreSQL too: the delegate logged in before keeps voting, on either worker.
        with same_browser_on(a, browser) as on_a:
            started = time.monotonic()
            page = on_a.get(vote_page)
            print(f"first page during the outage: {time.monotonic() - started:.2f} s")
            assert page.status_code == 200 and "Cast my vote" in page.text, page.text
        voted = browser.post(f"{vote_page}/{floor.ballot_id}", data={"token": new_token(), "choice": "against"},
                             headers={"x-csrftoken": browser.cookies["uv_csrf"]})
        assert voted.status_code in (200, 303), voted.text
        assert "You have voted." in browser.get(vote_page).text
        # Logging in works too (the rate limit counts in each worker meanwhile).
        newcomer = log_in(a, floor.emails[DELEGATES - 1])
        assert "Cast my vote" in newcomer.get(vote_page).text
        with via_proxy(a) as proxied:
            assert proxied.get("/healthz").status_code == 200  # the record is fine

        redis.start()  # same port, empty
        back, n = time.monotonic(), 8
        while live_on_b.wait_for(f"ballot-{floor.ballot_id}-turnout", within=1) is None:
            assert time.monotonic() - back < LIVE_AGAIN_WITHIN, \
                f"live updates did not resume on B within {LIVE_AGAIN_WITHIN} s of Redis returning"
            answer = phone_votes(a, floor, n)  # on A, heard on B
            assert answer.status_code == 201, answer.text
            n += 1
        print(f"live updates crossed workers again {time.monotonic() - back:.1f} s after Redis came back")
        closed = chair_does(a, f"/api/v1/ballots/{floor.ballot_id}/close", floor)
        assert closed.status_code == 200, closed.text
        assert live_on_b.wait_for("Voting has closed: Motion 1", within=60), live_on_b.seen

        # Redis came back empty, but PostgreSQL kept every session: nobody is sent to log in again.
        for holder in (browser, newcomer):
            page = holder.get(vote_page)
            assert page.status_code == 200 and "Motion 1: a fair pay claim" in page.text, page.text
        newcomer.close()
    with closing(log_in(a, floor.emails[1])) as again:
        assert again.get(vote_page).status_code == 200
    assert voters_recorded(deployment.database_url, floor.ballot_id) == before + (n - 2) + 1  # phones, the form
    for server in (a, b):
        assert server.process.poll() is None, "a worker died"
        assert "Traceback" not in server.log_text()
        assert server.log_text().count("redis unavailable: login sessions fall back") == 1  # once per outage
