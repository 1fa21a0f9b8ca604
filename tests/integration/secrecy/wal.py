"""Reading PostgreSQL's WAL as an attacker would: `pg_waldump` for the list of records (transaction,
relation, LSN, length), then each record's own bytes from the segment files, with the inserted or
updated tuples' compressed values inflated and out-of-line (TOAST) values put back together.

Only what the PostgreSQL 15 sources document is assumed: 8 KB WAL pages with a 24-byte header (40 at
the start of a segment), the XLogRecord header (24 bytes), block references, pglz compression, and
varlena headers (little-endian).
"""

from __future__ import annotations

import re
import struct
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

PAGE = 8192
SHORT_HEADER, LONG_HEADER = 24, 40
RECORD_HEADER = 24
LINE = re.compile(r"rmgr: (?P<rmgr>\S+)\s+len \(rec/tot\):\s+(?P<rec>\d+)/\s*(?P<tot>\d+), tx:\s+(?P<xid>\d+), "
                  r"lsn: (?P<hi>[0-9A-F]+)/(?P<lo>[0-9A-F]+), prev \S+, desc: (?P<desc>.*)$")
REL = re.compile(r"rel \d+/\d+/(\d+)")


@dataclass
class WalRecord:
    rmgr: str
    xid: int
    lsn: int
    total: int
    desc: str
    relfilenodes: list[int]
    raw: bytes = b""
    tuples: list[bytes] = field(default_factory=list)  # block data: the inserted/updated tuples

    @property
    def is_heap_write(self) -> bool:
        return self.rmgr in ("Heap", "Heap2") and self.desc.split(" ")[0] in (
            "INSERT", "INSERT+INIT", "UPDATE", "HOT_UPDATE", "UPDATE+INIT", "HOT_UPDATE+INIT", "MULTI_INSERT",
            "MULTI_INSERT+INIT")


def waldump(bindir: Path, wal_dir: Path) -> list[WalRecord]:
    """Every record from the oldest segment on (the tool stops, complaining, at the end of the WAL)."""
    segments = sorted(p.name for p in wal_dir.iterdir() if re.fullmatch(r"[0-9A-F]{24}", p.name))
    done = subprocess.run([str(bindir / "pg_waldump"), "-p", str(wal_dir), segments[0]], capture_output=True,
                          text=True, timeout=120, check=False)
    records = []
    for line in done.stdout.splitlines():
        found = LINE.match(line)
        if found:
            records.append(WalRecord(found["rmgr"], int(found["xid"]), (int(found["hi"], 16) << 32)
                                     | int(found["lo"], 16), int(found["tot"]), found["desc"],
                                     [int(r) for r in REL.findall(found["desc"])]))
    assert records, done.stderr
    return records


class Segments:
    """The WAL segment files, read by LSN (16 MB segments, timeline 1)."""

    def __init__(self, wal_dir: Path, size: int = 16 * 1024 * 1024) -> None:
        self.dir, self.size, self.cache = wal_dir, size, {}  # type: ignore[var-annotated]

    def _file(self, segno: int) -> bytes:
        if segno not in self.cache:
            per_id = 0x100000000 // self.size
            name = f"{1:08X}{segno // per_id:08X}{segno % per_id:08X}"
            self.cache[segno] = (self.dir / name).read_bytes()
        return self.cache[segno]  # type: ignore[no-any-return]

    def record(self, lsn: int, total: int) -> bytes:
        """The record's bytes, with the page headers it crosses taken out."""
        out, pos = bytearray(), lsn
        while len(out) < total:
            segno, offset = divmod(pos, self.size)
            if offset % PAGE == 0:
                pos += LONG_HEADER if offset == 0 else SHORT_HEADER
                continue
            take = min(total - len(out), PAGE - offset % PAGE)
            out += self._file(segno)[offset:offset + take]
            pos += take
        return bytes(out)

    def everything(self) -> bytes:
        return b"".join((self.dir / p).read_bytes() for p in sorted(
            p.name for p in self.dir.iterdir() if re.fullmatch(r"[0-9A-F]{24}", p.name)))


def block_data(raw: bytes) -> list[bytes]:
    """The registered blocks' data and the main data of one record (XLogRecord, then block headers)."""
    pos, lengths, images, main = RECORD_HEADER, [], [], 0
    while pos < len(raw):
        block_id = raw[pos]
        if block_id == 255:  # main data, short
            main, pos = raw[pos + 1], pos + 2
            break
        if block_id == 254:  # main data, long
            main, pos = struct.unpack_from("<I", raw, pos + 1)[0], pos + 5
            break
        if block_id == 253:  # replication origin
            pos += 3
            continue
        if block_id == 252:  # top-level xid
            pos += 5
            continue
        fork_flags, data_length = raw[pos + 1], struct.unpack_from("<H", raw, pos + 2)[0]
        pos += 4
        image = 0
        if fork_flags & 0x10:  # BKPBLOCK_HAS_IMAGE
            image, _hole_offset, info = struct.unpack_from("<HHB", raw, pos)
            pos += 5
            if info & 0x01 and info & 0x1C:  # a hole in a compressed image (pglz, lz4, zstd)
                pos += 2
        if not fork_flags & 0x80:  # BKPBLOCK_SAME_REL unset: the relation follows
            pos += 12
        pos += 4  # block number
        images.append(image)
        lengths.append(data_length if fork_flags & 0x20 else 0)  # BKPBLOCK_HAS_DATA
    pieces = []
    for image, length in zip(images, lengths, strict=True):  # each block's image, then its data
        pieces.append(raw[pos:pos + image])
        pieces.append(raw[pos + image:pos + image + length])
        pos += image + length
    pieces.append(raw[pos:pos + main])
    return pieces


def pglz_decompress(source: bytes, raw_size: int) -> bytes | None:
    """PostgreSQL's pglz format; None unless it yields exactly raw_size bytes."""
    out, sp = bytearray(), 0
    try:
        while sp < len(source) and len(out) < raw_size:
            control = source[sp]
            sp += 1
            for _ in range(8):
                if sp >= len(source) or len(out) >= raw_size:
                    break
                if control & 1:
                    length, offset = (source[sp] & 0x0F) + 3, ((source[sp] & 0xF0) << 4) | source[sp + 1]
                    sp += 2
                    if length == 18:
                        length += source[sp]
                        sp += 1
                    if offset == 0 or offset > len(out):
                        return None
                    for _ in range(length):
                        out.append(out[-offset])
                else:
                    out.append(source[sp])
                    sp += 1
                control >>= 1
    except IndexError:
        return None
    return bytes(out) if len(out) == raw_size else None


def inflated(data: bytes) -> list[bytes]:
    """Every inline compressed varlena found in `data` (4-byte header ...10, then raw size), inflated."""
    found = []
    for pos in range(len(data) - 8):
        if data[pos] & 0x03 != 0x02:
            continue
        header, info = struct.unpack_from("<II", data, pos)
        length, raw_size, method = header >> 2, info & 0x3FFFFFFF, info >> 30
        if method != 0 or not 8 < length <= len(data) - pos or not length - 8 < raw_size < 1 << 20:
            continue
        plain = pglz_decompress(data[pos + 8:pos + length], raw_size)
        if plain is not None:
            found.append(plain)
    return found


TOAST_POINTER = re.compile(rb"\x01\x12(.{16})", re.DOTALL)


def toasted(tuples: list[bytes], chunks: dict[int, dict[int, bytes]]) -> list[bytes]:
    """Out-of-line values the tuples point to, put back together from their TOAST chunks (and inflated)."""
    values = []
    for data in tuples:
        for found in TOAST_POINTER.finditer(data):
            raw_size, ext_info, value_id, _ = struct.unpack("<iIII", found.group(1))
            parts = chunks.get(value_id)
            if not parts:
                continue
            value = b"".join(parts[n] for n in sorted(parts))
            ext_size = ext_info & 0x3FFFFFFF
            if ext_size < raw_size - 4:  # stored compressed
                value = pglz_decompress(value, raw_size - 4) or value
            values.append(value)
    return values


def toast_chunk(tuple_data: bytes) -> tuple[int, int, bytes] | None:
    """(chunk_id, chunk_seq, chunk_data) from a TOAST table's inserted tuple (xl_heap_header, then the tuple)."""
    if len(tuple_data) < 5 + 12:
        return None
    t_hoff = tuple_data[4]
    body = tuple_data[5 + t_hoff - 23:]
    chunk_id, chunk_seq = struct.unpack_from("<Ii", body, 0)
    if body[8] & 0x01:  # a short (1-byte header) varlena
        length = body[8] >> 1
        return chunk_id, chunk_seq, body[9:8 + length]
    length = struct.unpack_from("<I", body, 8)[0] >> 2
    return chunk_id, chunk_seq, body[12:8 + length]


@dataclass
class Wal:
    records: list[WalRecord]
    everything: bytes  # every segment, whole

    @cached_property
    def by_xid(self) -> dict[int, list[WalRecord]]:
        grouped: dict[int, list[WalRecord]] = defaultdict(list)
        for record in self.records:
            grouped[record.xid].append(record)
        return grouped

    def decoded(self, xid: int, toast_relfilenodes: set[int]) -> bytes:
        """Everything one transaction wrote, decoded as far as we can: raw records, inflated values,
        reassembled out-of-line values."""
        records = self.by_xid.get(xid, [])
        chunks: dict[int, dict[int, bytes]] = defaultdict(dict)
        for record in records:
            if record.is_heap_write and set(record.relfilenodes) & toast_relfilenodes:
                chunk = toast_chunk(record.tuples[0]) if record.tuples else None
                if chunk:
                    chunks[chunk[0]][chunk[1]] = chunk[2]
        parts = []
        for record in records:
            parts.append(record.raw)
            parts += inflated(record.raw)
            parts += toasted(record.tuples, chunks)
        return b"\n".join(parts)


def read_wal(bindir: Path, wal_dir: Path) -> Wal:
    records = waldump(bindir, wal_dir)
    segments = Segments(wal_dir)
    for record in records:
        record.raw = segments.record(record.lsn, record.total)
        if record.is_heap_write:
            try:
                pieces = block_data(record.raw)
            except struct.error:  # a layout we do not know: the raw bytes are still searched
                continue
            record.tuples = pieces[1:-1:2]  # each block's data (the tuple); images between, main data last
    return Wal(records, segments.everything())
