"""Printed letters: one member a page, the QR code decodes to that member's own voting link."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib

import zxingcpp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.credentials import code_hash, member_for_link
from unionvote.ballots.letters import spoken
from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.services import scope_for
from unionvote.db import session_scope


def png_pixels(data: bytes) -> tuple[bytes, int, int]:
    """Greyscale pixels of a 1-bit greyscale PNG (what segno writes), one byte each, for the decoder."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width, height = 8, b"", 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (1, 0)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride, pixels = zlib.decompress(idat), (width + 7) // 8, bytearray()
    above = bytes(stride)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        assert kind in (0, 1, 2), kind  # None, Sub, Up (PNG 9.2): all segno uses
        for i in range(stride):
            if kind == 1 and i:
                line[i] = (line[i] + line[i - 1]) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + above[i]) & 0xFF
        above = bytes(line)
        for x in range(width):
            pixels.append(255 if line[x // 8] >> (7 - x % 8) & 1 else 0)
    return bytes(pixels), width, height


def decode_qr(data_uri: str) -> str:
    pixels, width, height = png_pixels(base64.b64decode(data_uri.split(",", 1)[1]))
    [found] = zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)))
    return found.text


async def test_each_letter_carries_its_members_own_link_as_a_qr_code_and_the_code_in_words(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 4})
    async with session_scope(factory) as db:
        await db.execute(update(Member).where(Member.membership_number.in_(["M1", "M2"])).values(
            email=None, mobile=""))
        await db.execute(update(Member).where(Member.membership_number == "M3").values(email=None))
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    assert 'href="/member-ballots">Member ballots</a>' in (await admin.get("/account")).text  # in the navigation

    page = await admin.post(f"/member-ballots/{ballot_id}/letters")
    assert page.status_code == 200
    letters = page.text.split('<article class="letter"')[1:]
    assert len(letters) == 2 and "Member 3" not in page.text and "Member 4" not in page.text
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        for number, letter in zip(("M1", "M2"), letters, strict=True):
            image = re.search(r'src="(data:image/png;base64,[^"]+)"', letter).group(1)  # type: ignore[union-attr]
            link = re.search(r'data-link="([^"]+)"', letter).group(1)  # type: ignore[union-attr]
            assert decode_qr(image) == link and link.startswith("http")
            member = await member_for_link(db, link.rsplit("/", 1)[1])
            assert member is not None and member.membership_number == number
            code = re.search(r'<p class="letter__code">([A-Z0-9-]+)</p>', letter).group(1)  # type: ignore[union-attr]
            assert member.code_hash == code_hash(ballot.code_salt, number, code)  # type: ignore[union-attr]
            assert f"In words: {spoken(code.replace('-', ''))}." in letter
    assert spoken("ABCDE23456") == "Alfa Bravo Charlie Delta Echo, then two three four five six"
    [entry] = await audit_entries(app, scope=scope_for(ballot_id), action="credentials.printed")
    assert json.loads(entry.payload) == {"count": 2}

    again = await admin.post(f"/member-ballots/{ballot_id}/letters")
    assert again.status_code == 200 and '<article class="letter"' not in again.text
    assert "already has a link and code" in again.text
