"""Async Alembic environment: the owner URL from zava-mcp settings, or the embedded default."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from zava_mcp.db.models import AUDIT_SCHEMA, PRIVATE_SCHEMA, SCHEMA, Base
from zava_mcp.db.urls import resolve_urls, start_embedded
from zava_mcp.infra.settings import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
MANAGED_SCHEMAS = {SCHEMA, AUDIT_SCHEMA, PRIVATE_SCHEMA}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ == "schema":
        return name in MANAGED_SCHEMAS
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
        transaction_per_migration=True,
    )


BUMP_DATA_VERSION = """
DO $$
BEGIN
  IF to_regclass('retail.data_version') IS NOT NULL THEN
    UPDATE retail.data_version SET version = version + 1, changed_at = now();
  END IF;
END
$$
"""


def do_run_migrations(connection: Connection) -> None:
    _configure(connection)
    before = set(context.get_context().get_current_heads())
    with context.begin_transaction():
        context.run_migrations()
    # servers clear their caches when the data version moves; read-only commands (check,
    # current, history) and an upgrade with nothing to do leave it alone
    if set(context.get_context().get_current_heads()) != before:
        connection.execute(text(BUMP_DATA_VERSION))
    connection.commit()


async def run_async_migrations(url: object) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)  # type: ignore[arg-type]
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url="postgresql://",
        target_metadata=target_metadata,
        literal_binds=True,
        include_schemas=True,
        include_name=include_name,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        url = config.attributes.get("url")
        if url is None:  # `alembic upgrade head` from a checkout: the configured database
            settings = Settings()
            start_embedded(settings)
            url = resolve_urls(settings).admin
        asyncio.run(run_async_migrations(url))
