"""Run the Alembic migrations from code: `unionvote db upgrade`, tests, developer tools.

There is no alembic.ini: the configuration is built here, pointing at the
migrations directory of a checkout or of an installed wheel.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from unionvote.config import normalise_database_url
from unionvote.web import MIGRATIONS_DIR

T = TypeVar("T")

# Revisions are named like versions/2026-11-22_initial_<rev>.py. (%% escapes configparser.)
FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s_%%(rev)s"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("timezone", "UTC")
    cfg.set_main_option("sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%"))
    if importlib.util.find_spec("ruff") is not None:
        # Keep generated revisions lint-clean (line length, import order) when ruff is installed.
        cfg.set_main_option("hooks", "ruff")
        cfg.set_main_option("ruff.type", "module")
        cfg.set_main_option("ruff.module", "ruff")
        cfg.set_main_option("ruff.options", "check --fix --exit-zero REVISION_SCRIPT_FILENAME")
    return cfg


def _outside_event_loop(fn: Callable[[], T]) -> T:
    """env.py calls asyncio.run, which refuses to nest: inside a running loop, use a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    worker = threading.Thread(target=target, name="unionvote-migrate")
    worker.start()
    worker.join()
    if error:
        raise error[0]
    return result[0]


def _run(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return _outside_event_loop(lambda: asyncio.run(coro_fn()))


def upgrade(database_url: str, revision: str = "head") -> None:
    cfg = alembic_config(database_url)
    _outside_event_loop(lambda: command.upgrade(cfg, revision))


def downgrade(database_url: str, revision: str) -> None:
    cfg = alembic_config(database_url)
    _outside_event_loop(lambda: command.downgrade(cfg, revision))


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current(database_url: str) -> str | None:
    """The revision the database is at, or None for a database never migrated."""

    async def read() -> str | None:
        engine = create_async_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(_current_revision)
        finally:
            await engine.dispose()

    return _run(read)


def head() -> str | None:
    """The newest revision in the migrations directory."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def autogenerate(database_url: str, message: str) -> None:
    """Write a new revision from the difference between the models and a database at head."""
    cfg = alembic_config(database_url)
    _outside_event_loop(lambda: command.revision(cfg, message=message, autogenerate=True))


def pending_operations(database_url: str) -> str:
    """Alembic operations (upgrade, then downgrade) that would bring a database at head to the models.

    Prints instead of writing a revision file, for filling in a revision that already exists.
    """
    import unionvote.models

    def render(conn: Connection) -> str:
        from alembic.autogenerate import produce_migrations, render_python_code

        context = MigrationContext.configure(conn, opts={"compare_type": True})
        script = produce_migrations(context, unionvote.models.metadata)
        return ("# upgrade\n" + render_python_code(script.upgrade_ops)
                + "\n\n# downgrade\n" + render_python_code(script.downgrade_ops) + "\n")

    async def read() -> str:
        engine = create_async_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(render)
        finally:
            await engine.dispose()

    return _run(read)
