"""Engine and the tenant-bound unit of work.

One unit of work is one transaction. Before anything else runs in it, the caller's identity is
bound with ``SET LOCAL zava.manager_id``: transaction-local, so commit or rollback ends it and a
pooled connection never carries it to the next caller. The application role cannot execute
``set_config`` (revoked at bootstrap), so agent SQL cannot rebind it from inside a query.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from zava_mcp.db.identity import Identity
from zava_mcp.errors import (
    DatabaseError,
    DatabaseUnavailableError,
    MCPError,
    PoolTimeoutError,
    QueryError,
    QueryTimeoutError,
)

IDENTITY_SETTING = "zava.manager_id"


@dataclass(frozen=True)
class PoolConfig:
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout_s: float = 10.0
    pool_recycle_s: int = 1800
    command_timeout_s: float = 30.0
    application_name: str = "zava-mcp"
    work_mem: str = "16MB"
    statement_timeout_ms: int | None = None
    connect_retries: int = 3
    connect_backoff_s: float = 0.05


def disable_asyncpg_jit_toggle(driver_connection: Any) -> None:
    """Stop asyncpg from calling ``set_config('jit', ...)`` around type introspection.

    The application role may not execute ``set_config`` (that is what keeps agent SQL from
    rebinding its identity), and asyncpg toggles JIT with it whenever it meets a type it has not
    seen (``name[]``, ``vector``...). JIT is already off for our sessions (``jit=off`` server
    setting), so telling asyncpg the server has no JIT changes nothing else.
    """
    caps = getattr(driver_connection, "_server_caps", None)
    if caps is not None and getattr(caps, "jit", False):
        driver_connection._server_caps = caps._replace(jit=False)


def create_engine(url: URL, config: PoolConfig | None = None) -> AsyncEngine:
    cfg = config or PoolConfig()
    engine = create_async_engine(
        url,
        pool_size=cfg.pool_size,
        max_overflow=cfg.max_overflow,
        pool_timeout=cfg.pool_timeout_s,
        pool_recycle=cfg.pool_recycle_s,
        pool_pre_ping=True,
        connect_args={
            "command_timeout": cfg.command_timeout_s,
            "timeout": 5,
            "server_settings": {
                "application_name": cfg.application_name,
                "jit": "off",
                "work_mem": cfg.work_mem,
                **(
                    {"statement_timeout": str(cfg.statement_timeout_ms)}
                    if cfg.statement_timeout_ms
                    else {}
                ),
            },
        },
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        disable_asyncpg_jit_toggle(dbapi_connection.driver_connection)

    return engine


def translate_error(exc: BaseException) -> MCPError:
    """Map a driver or pool failure to a typed error with a short, safe message."""
    if isinstance(exc, MCPError):
        return exc
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return PoolTimeoutError("all database connections are busy; try again shortly")
    orig = getattr(exc, "orig", None)
    cause = getattr(orig, "__cause__", None) or orig or exc
    if isinstance(cause, asyncpg.exceptions.QueryCanceledError):
        return QueryTimeoutError("the query took too long and was cancelled")
    if isinstance(cause, asyncpg.exceptions.LockNotAvailableError):
        return QueryTimeoutError("the query waited too long for a lock and was cancelled")
    if isinstance(
        cause,
        OSError
        | asyncio.TimeoutError
        | asyncpg.exceptions.ConnectionDoesNotExistError
        | asyncpg.exceptions.CannotConnectNowError
        | asyncpg.exceptions.PostgresConnectionError
        | asyncpg.exceptions.AdminShutdownError,
    ):
        return DatabaseUnavailableError("the database is unavailable; try again shortly")
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return DatabaseUnavailableError("the database connection was lost; try again shortly")
    if isinstance(cause, asyncpg.exceptions.InsufficientPrivilegeError):
        return QueryError(f"permission denied: {_first_line(cause)}")
    if isinstance(cause, asyncpg.exceptions.PostgresError):
        sqlstate = getattr(cause, "sqlstate", "") or ""
        if sqlstate.startswith(("42", "22", "0A", "21", "2B", "25")):
            return QueryError(_first_line(cause))
        return DatabaseError(f"the database refused the request ({sqlstate or 'error'})")
    return DatabaseError("unexpected database failure")


def _first_line(exc: BaseException) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message[:300]


class Database:
    """The application-role engine and its tenant-bound units of work."""

    def __init__(self, engine: AsyncEngine, config: PoolConfig | None = None) -> None:
        self.engine = engine
        self.config = config or PoolConfig()

    @classmethod
    def from_url(cls, url: URL, config: PoolConfig | None = None) -> Database:
        return cls(create_engine(url, config), config)

    async def connect(self) -> AsyncConnection:
        """A pooled connection; connection errors (never query errors) are retried with
        exponential backoff and full jitter, briefly, so an outage fails fast."""
        attempt = 0
        while True:
            conn = self.engine.connect()
            try:
                await conn.start()
                return conn
            except (
                sqlalchemy.exc.SQLAlchemyError,
                asyncpg.exceptions.PostgresError,
                OSError,
            ) as exc:
                error = translate_error(exc)
                if not isinstance(error, DatabaseUnavailableError) or (
                    attempt >= self.config.connect_retries
                ):
                    raise error from exc
                delay = self.config.connect_backoff_s * (2**attempt)
                await asyncio.sleep(random.uniform(0, delay))
                attempt += 1

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def unit_of_work(
        self,
        identity: Identity | None,
        *,
        statement_timeout_ms: int | None = None,
        lock_timeout_ms: int | None = None,
    ) -> AsyncIterator[AsyncConnection]:
        """A READ ONLY transaction bound to ``identity`` (``None`` binds nobody: no tenant rows)."""
        conn = await self.connect()
        try:
            # asyncpg opens the transaction READ ONLY at its first statement
            await conn.execution_options(postgresql_readonly=True)
            async with conn.begin():
                await bind_identity(
                    conn,
                    identity,
                    statement_timeout_ms=statement_timeout_ms,
                    lock_timeout_ms=lock_timeout_ms,
                )
                yield conn
        except MCPError:
            raise
        except (sqlalchemy.exc.SQLAlchemyError, asyncpg.exceptions.PostgresError, OSError) as exc:
            raise translate_error(exc) from exc
        finally:
            with contextlib.suppress(Exception):
                await conn.close()


async def bind_identity(
    conn: AsyncConnection,
    identity: Identity | None,
    *,
    statement_timeout_ms: int | None = None,
    lock_timeout_ms: int | None = None,
) -> None:
    """First statements of every unit of work: identity, then limits (all transaction-local).

    ``SET`` takes no bind parameters; the only interpolated values are a canonical UUID rendered
    from :class:`uuid.UUID` and integers, so nothing caller-controlled reaches the SQL text.
    """
    value = str(identity.manager_id) if identity is not None else ""
    # The first statement goes through SQLAlchemy so the READ ONLY transaction has begun.
    await conn.exec_driver_sql(f"SET LOCAL {IDENTITY_SETTING} = '{value}'")
    limits = []
    if statement_timeout_ms is not None:
        limits.append(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}")
    if lock_timeout_ms is not None:
        limits.append(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
    if limits:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        # one round trip for the rest; the text is ours (integers only), not the agent's
        await driver.execute("; ".join(limits))
