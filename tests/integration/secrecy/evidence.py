"""Everything an attacker with full access to a PostgreSQL deployment holds: every table's rows with
their xmin and ctid, a `pg_dump`, the WAL, the server's log of every statement (with its parameters),
and the application's own log (with its access log).

The cluster is the test's own (tests.faults.cluster.private_postgres), set to log everything:
log_statement=all, log_min_duration_statement=0, the logging collector writing to a file in the
cluster's directory, each line prefixed with the time, process and transaction.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from tests.faults.cluster import PrivatePostgres, _postgres_bin, private_postgres
from tests.integration.secrecy.wal import Wal, read_wal

DATABASE = "unionvote"
SETTINGS = {
    "wal_level": "replica", "wal_compression": "off", "full_page_writes": "on",
    "log_statement": "all", "log_min_duration_statement": "0", "log_connections": "on",
    "log_disconnections": "on", "logging_collector": "on", "log_directory": "pglog",
    "log_filename": "postgresql.log", "log_line_prefix": "%m [%p] vxid=%v xid=%x %u@%d ",
    "log_parameter_max_length": "-1", "checkpoint_timeout": "1h", "max_wal_size": "1GB",
}


def postgres_bindir() -> Path | None:
    return _postgres_bin()


@dataclass
class LoggedPostgres:
    server: PrivatePostgres

    @property
    def url(self) -> str:
        return self.server.url.rsplit("/", 1)[0] + "/" + DATABASE

    @property
    def log_path(self) -> Path:
        return self.server.data / "pglog" / "postgresql.log"


@contextmanager
def logged_postgres() -> Iterator[LoggedPostgres]:
    """A private cluster logging every statement, with an empty database `unionvote`."""
    with private_postgres() as server:
        for name, value in SETTINGS.items():
            server.query(f"ALTER SYSTEM SET {name} = '{value}'")
        server.stop("fast")
        server.start()  # logging_collector takes effect only at start
        assert server.query("SHOW log_statement") == "all"
        server.query(f"CREATE DATABASE {DATABASE}")
        yield LoggedPostgres(server)


@dataclass
class Row:
    table: str
    values: dict[str, object]
    xmin: int
    ctid: tuple[int, int]

    def text(self) -> str:
        return row_text(self.table, self.values)


def row_text(table: str, values: dict[str, object]) -> str:
    """The row as JSON, then each value as it is stored (a JSON column's quotes unescaped)."""
    return "\n".join([json.dumps({"table": table, **values}, sort_keys=True), *map(str, values.values())])


@dataclass
class Evidence:
    rows: dict[str, list[Row]]  # table -> rows in physical (ctid) order
    dump: str
    wal: Wal
    toast: set[int]  # relfilenodes of TOAST tables
    relfilenodes: dict[int, str]  # relfilenode -> table
    postgres_log: str
    app_log: str

    @cached_property
    def token_like(self) -> set[str]:
        """Every string anywhere that could be a ballot token (22-128 of A-Z a-z 0-9 _ -)."""
        haystack = b"\n".join([self.dump.encode(), self.postgres_log.encode(), self.app_log.encode(),
                               self.wal.everything])
        return {m.decode() for m in re.findall(rb"[A-Za-z0-9_-]{22,128}", haystack)}


def _rows(pg: LoggedPostgres) -> dict[str, list[Row]]:
    tables = pg.server.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                             DATABASE).split()
    rows: dict[str, list[Row]] = {}
    for table in tables:
        out = pg.server.query(f'SELECT json_build_object(\'v\', row_to_json(t), \'x\', t.xmin::text, '  # noqa: S608
                              f'\'c\', t.ctid::text) FROM "{table}" t ORDER BY t.ctid', DATABASE)
        rows[table] = []
        for line in out.splitlines():
            item = json.loads(line)
            block, offset = item["c"].strip("()").split(",")
            rows[table].append(Row(table, item["v"], int(item["x"]), (int(block), int(offset))))
    return rows


def gather(pg: LoggedPostgres, app_logs: list[Path]) -> Evidence:
    """Take everything, while the cluster is still up (and before any checkpoint recycles the WAL)."""
    bindir = postgres_bindir()
    assert bindir is not None
    rows = _rows(pg)
    dump = subprocess.run([str(bindir / "pg_dump"), "-h", "127.0.0.1", "-p", str(pg.server.port), "-U", "postgres",
                           "-d", DATABASE], check=True, capture_output=True, text=True, timeout=120).stdout
    filenodes = {}
    for line in pg.server.query("SELECT pg_relation_filenode(oid)::text || ' ' || relname::text || ' ' || "
                                "relkind::text FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL",
                                DATABASE).splitlines():
        node, name, kind = line.split(" ")
        filenodes[int(node)] = name if kind != "t" else f"toast:{name}"
    wal = read_wal(bindir, pg.server.data / "pg_wal")
    return Evidence(rows, dump, wal, {n for n, name in filenodes.items() if name.startswith("toast:")}, filenodes,
                    pg.log_path.read_text(errors="replace"),
                    "\n".join(path.read_text(errors="replace") for path in app_logs))


# ---- the PostgreSQL log, read as an attacker ------------------------------------------------

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(?P<pid>\d+)\] vxid=(?P<vxid>\S*) xid=(?P<xid>\d+) ",
                   re.MULTILINE)


@dataclass
class LogEntry:
    position: int
    time: str
    pid: str
    vxid: str
    text: str


@cache
def log_entries(log: str) -> list[LogEntry]:
    """Each entry with its continuation lines (a statement's later lines, its DETAIL with the parameters)."""
    starts = list(ENTRY.finditer(log))
    entries = []
    for n, found in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(log)
        entries.append(LogEntry(n, log[found.start():found.start() + 23], found["pid"], found["vxid"],
                                log[found.start():end]))
    return entries


@cache
def transactions_in_log(log: str) -> dict[tuple[str, str], str]:
    """(pid, virtual transaction id) -> everything the log says of that transaction."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for entry in log_entries(log):
        if entry.vxid and not entry.vxid.endswith("/0"):
            grouped.setdefault((entry.pid, entry.vxid), []).append(entry.text)
    return {key: "".join(texts) for key, texts in grouped.items()}


# ---- the application's log --------------------------------------------------------------------

def json_lines(app_log: str) -> list[dict[str, object]]:
    """The log's entries (one JSON object a line)."""
    entries = []
    for line in app_log.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def access_log(app_log: str) -> list[dict[str, object]]:
    return [entry for entry in json_lines(app_log) if entry.get("logger") == "unionvote.access"]
