"""Alembic environment for unionvote: one async engine, SQLite or PostgreSQL.

Configured from code (unionvote.migrate.alembic_config), never from an ini file,
and never touches logging: the process that runs us has configured it already.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

import unionvote.models
from unionvote.config import DEFAULT_DATABASE_URL, normalise_database_url
from unionvote.db import UTCDateTime

config = context.config
target_metadata = unionvote.models.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("UNIONVOTE_DATABASE_URL")
    return normalise_database_url(url or DEFAULT_DATABASE_URL)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy types, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure_options(dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        "render_as_batch": dialect_name == "sqlite",
        "render_item": render_item,
    }


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **configure_options(make_url(url).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **configure_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    # A plain engine: no app PRAGMAs. Foreign keys stay off on SQLite so that batch
    # mode's drop-and-copy of a table never cascades deletes into its children.
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    # A caller holding a connection already (tests, tools) can hand it over.
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations(database_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
