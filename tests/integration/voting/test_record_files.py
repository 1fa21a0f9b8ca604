"""The returning officer downloads the whole record from the record page and verifies an export there too:
the same checks as `unionvote audit verify DIR`, without the command line."""

from __future__ import annotations

import io
import zipfile

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conferences.web_world import logged_in
from tests.integration.voting.pages_world import floor, open_ballot, plain, prepare
from tests.integration.voting.test_pages_console import vote
from unionvote.accounts.models import Role


def rezip(data: bytes, change: tuple[str, bytes, bytes] | None = None, extra: str | None = None) -> bytes:
    """The archive again, with one file's bytes changed, or an extra (hostile) name added."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if change and name == change[0]:
                content = content.replace(change[1], change[2], 1)
            target.writestr(name, content)
        if extra:
            target.writestr(extra, b"x")
    return out.getvalue()


async def test_the_officer_downloads_the_record_and_verifies_it_on_the_page(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    officer = await logged_in(client, app, "ro@union.example", f.conference_id, Role.RETURNING_OFFICER)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    await vote(f, "A1", ballot_id, "for")
    await f.chair.post(f"{f.ballots}/{ballot_id}/close")
    await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    record = f"/conferences/{f.conference_id}/record"
    assert "Download the whole record" in (await officer.get(record)).text

    download = await officer.get(f"{record}/export.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "manifest.json" in names and f"ballots/{ballot_id}/result.json" in names

    form = (await officer.get(f"{record}/verify")).text
    assert 'type="file"' in form and 'name="heads"' in form
    checked = await officer.post(f"{record}/verify", files={"export": ("record.zip", download.content)})
    assert checked.status_code == 200, plain(checked.text)
    assert "The export verifies" in plain(checked.text) and "every SHA-256 matches" in plain(checked.text)

    sealed = zipfile.ZipFile(io.BytesIO(download.content)).read(f"ballots/{ballot_id}/sealed.jsonl")
    assert b'"weight":"1"' in sealed and b'"choice"' not in sealed  # the vote is sealed: no choice to read
    changed = rezip(download.content, (f"ballots/{ballot_id}/sealed.jsonl", b'"weight":"1"', b'"weight":"2"'))
    refused = await officer.post(f"{record}/verify", files={"export": ("record.zip", changed)})
    assert refused.status_code == 422
    assert f"FAILED: ballots/{ballot_id}/sealed.jsonl line 1" in plain(refused.text)

    hostile = await officer.post(f"{record}/verify", files={"export": ("record.zip", rezip(
        download.content, extra="../../etc/evil"))})
    assert hostile.status_code == 400 and "which is not a file of an export" in plain(hostile.text)
    not_zip = await officer.post(f"{record}/verify", files={"export": ("record.zip", b"hello")})
    assert not_zip.status_code == 400 and "The file is not a zip file" in plain(not_zip.text)
    delegate = await f.delegates["A1"].get(f"{record}/export.zip")
    assert delegate.status_code in (401, 403)
