"""`unionvote demo`: someone trying unionvote for the first time, in an empty directory, with nothing set."""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.subprocesses import UNIONVOTE, clean_env, unionvote

DEMO_DB = "unionvote-demo.db"
PASSWORD = "union-demo-2027"
ADMIN = "admin@demo.unionvote.test"
LOGINS = [ADMIN, "chair@demo.unionvote.test", "ro@demo.unionvote.test", "cac@demo.unionvote.test",
          "delegate@demo.unionvote.test"]


def query(database: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute(sql).fetchall()


def assert_prints_the_way_in(output: str, port: int = 8000) -> None:
    assert f"unionvote demo: open http://127.0.0.1:{port}/" in output
    assert f"Every demo account's password is: {PASSWORD}" in output
    for email in LOGINS:
        assert re.search(rf"^  \S.*\s{re.escape(email)}", output, re.M), email
    assert f"unionvote demo-code {ADMIN}" in output


def test_demo_prepares_a_database_once_and_reuses_it(tmp_path: Path) -> None:
    env = clean_env()
    first = unionvote("demo", "--no-serve", env=env, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert_prints_the_way_in(first.stdout)
    database = tmp_path / DEMO_DB
    assert database.is_file()
    assert not (tmp_path / "unionvote.db").exists()  # the demo never touches the default database
    accounts = query(database, "SELECT email FROM user_account ORDER BY id")
    assert [email for (email,) in accounts][:len(LOGINS)] == LOGINS
    heads = query(database, "SELECT scope, seq, hash FROM audit_head ORDER BY scope")
    assert ("system", len(accounts)) in [(scope, seq) for scope, seq, _ in heads]
    # The pay ballot's electorate is consulted too, with thoughts already shared and rated.
    [(_, thoughts, ratings)] = query(database, (
        "SELECT c.id, count(t.id), sum(t.ratings) FROM consult_consultation c "
        "JOIN member_ballot b ON b.id = c.ballot_id JOIN consult_thought t ON t.consultation_id = c.id "
        "WHERE c.audience = 'ballot' GROUP BY c.id"))
    assert thoughts >= 10 and ratings >= 200

    again = unionvote("demo", "--no-serve", env=env, cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_prints_the_way_in(again.stdout)
    assert query(database, "SELECT email FROM user_account ORDER BY id") == accounts  # nobody added twice
    assert query(database, "SELECT scope, seq, hash FROM audit_head ORDER BY scope") == heads  # nothing recorded

    code = unionvote("demo-code", ADMIN, env=env, cwd=tmp_path)
    assert code.returncode == 0, code.stderr
    assert re.fullmatch(r"\d{6}\n", code.stdout)
    [(secret,)] = query(database, f"SELECT totp_secret FROM user_account WHERE email = '{ADMIN}'")  # noqa: S608
    assert pyotp.TOTP(secret).verify(code.stdout.strip(), valid_window=1)

    refused = unionvote("demo-code", "someone@union.example", env=env, cwd=tmp_path)
    assert refused.returncode != 0 and "only answers for demo accounts" in refused.stderr


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_demo(workdir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    log = (workdir / "demo.log").open("wb")
    process = subprocess.Popen([*UNIONVOTE, "demo", "--port", str(port)], cwd=workdir, env=clean_env(),
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the demo exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"the demo did not answer /healthz within {within} s:\n{log.read_text(errors='replace')}")


def assert_links_point_at_the_demo(browser: httpx.Client, base: str, staff_page: str) -> None:
    """A member's new voting link (the last member, who has not voted) and a delegate's invitation name the
    demo's port."""
    csrf = {"x-csrftoken": browser.cookies["uv_csrf"]}  # a fresh token since the login
    ballots = browser.get("/member-ballots")
    ballot_id = re.search(r'href="/member-ballots/(\d+)"', ballots.text).group(1)  # type: ignore[union-attr]
    reissued = browser.post(f"/member-ballots/{ballot_id}/credentials/reissue",
                            data={"membership_number": "D103000"}, headers=csrf)
    assert reissued.status_code == 200, reissued.text
    assert re.search(rf'<code class="secret">{re.escape(base)}/vote/[\w-]+</code>', reissued.text), reissued.text
    conference_id = re.search(r'href="/conferences/(\d+)', staff_page).group(1)  # type: ignore[union-attr]
    invitations = browser.get(f"/conferences/{conference_id}/invitations")
    delegate_id = re.search(r'/invitations/(\d+)/issue', invitations.text).group(1)  # type: ignore[union-attr]
    issued = browser.post(f"/conferences/{conference_id}/invitations/{delegate_id}/issue", headers=csrf)
    assert issued.status_code == 200, issued.text
    assert f"{base}/enrol/" in issued.text
    assert "127.0.0.1:8000" not in reissued.text + issued.text


def test_the_served_demo_lets_the_administrator_log_in(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_demo(tmp_path, port) as process:
        wait_until_healthy(base, process, tmp_path / "demo.log")
        assert_prints_the_way_in((tmp_path / "demo.log").read_text(errors="replace"), port)
        with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as browser:
            assert browser.get("/login").status_code == 200
            csrf = {"x-csrftoken": browser.cookies["uv_csrf"]}
            response = browser.post("/login", data={"email": ADMIN, "password": PASSWORD, "next": "/staff"},
                                    headers=csrf)
            assert response.status_code == 303, response.text
            assert response.headers["location"].startswith("/login/totp")

            code = unionvote("demo-code", ADMIN, env=clean_env(), cwd=tmp_path)
            assert code.returncode == 0, code.stderr
            response = browser.post("/login/totp", data={"code": code.stdout.strip(), "next": "/staff"},
                                    headers=csrf)
            assert response.status_code == 303, response.text
            assert response.headers["location"] == "/staff"

            staff = browser.get("/staff")
            assert staff.status_code == 200
            assert "Annual Delegate Conference 2027" in staff.text
            assert_links_point_at_the_demo(browser, base, staff.text)
        # Logged in once, the secret is sealed and this half-minute's code is spent: demo-code still gives
        # a code that works, at once, in a second browser.
        with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as second:
            assert second.get("/login").status_code == 200
            csrf = {"x-csrftoken": second.cookies["uv_csrf"]}
            response = second.post("/login", data={"email": ADMIN, "password": PASSWORD, "next": "/staff"},
                                   headers=csrf)
            assert response.headers["location"].startswith("/login/totp"), response.text
            again = unionvote("demo-code", ADMIN, env=clean_env(), cwd=tmp_path)
            assert again.returncode == 0, again.stderr
            response = second.post("/login/totp", data={"code": again.stdout.strip(), "next": "/staff"},
                                   headers=csrf)
            assert response.status_code == 303 and response.headers["location"] == "/staff", response.text
    assert process.returncode is not None
    assert (tmp_path / DEMO_DB).is_file()
