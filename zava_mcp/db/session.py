"""Engine and the tenant-bound unit of work.

One unit of work is one transaction. Before anything else runs in it, the caller's identity is
bound with ``SET LOCAL zava.manager_id``: transaction-local, so commit or rollback ends it and a
pooled connection never carries it to the next caller. The bound value is signed with a key only
the owner can read (:mod:`zava_mcp.security.binding`), and the application role cannot execute
``set_config`` (revoked at bootstrap): agent SQL can neither rebind nor forge an identity.

The engine runs in SQLAlchemy's AUTOCOMMIT mode and the unit of work manages the transaction
itself: ``BEGIN READ ONLY`` and every ``SET LOCAL`` leave in one round trip (SQLAlchemy's own
transaction handling needs one for BEGIN and one per statement, and its pre-ping three more),
a checkout costs no round trip at all, and a connection is handed back to the pool only after a
clean COMMIT or ROLLBACK. Inside, the tenant path works on the asyncpg connection through one
handle, :class:`~zava_mcp.db.tenant.Tenant`; :func:`driver_connection` is the one place that
reaches under SQLAlchemy for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy.exc
from pgvector.asyncpg import register_vector
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from zava_mcp.db.failures import (
    CONNECTION_BROKEN,
    CONNECTION_LOST,
    once_more,
    retried,
    translate_error,
)
from zava_mcp.db.tenant import Tenant, new_statements
from zava_mcp.errors import (
    DatabaseError,
    DatabaseUnavailableError,
    PoolTimeoutError,
    ZavaError,
)
from zava_mcp.identity import Identity
from zava_mcp.infra.settings import PoolSettings
from zava_mcp.security.binding import signed_identity
from zava_mcp.security.policy import IDENTITY_SETTING

# the engine takes its part of the settings tree whole (the name predates the tree)
PoolConfig = PoolSettings


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


def create_engine(
    url: URL, config: PoolConfig | None = None, *, settings: dict[str, str] | None = None
) -> AsyncEngine:
    """The pooled engine. ``settings`` are extra session settings (the audit writer's)."""
    cfg = config or PoolConfig()
    engine = create_async_engine(
        url,
        # transactions are begun and ended explicitly (see the module docstring): in AUTOCOMMIT
        # mode SQLAlchemy emits no BEGIN, COMMIT or ROLLBACK of its own
        isolation_level="AUTOCOMMIT",
        pool_size=cfg.pool_size,
        max_overflow=cfg.max_overflow,
        pool_timeout=cfg.pool_timeout_s,
        pool_recycle=cfg.pool_recycle_s,
        # no pre-ping round trip: see _on_checkout
        pool_pre_ping=False,
        # the most recently used connection first: the fewest connections stay busy, and the
        # statements kept per connection (queries.run_read_query) are found warm
        pool_use_lifo=True,
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
                **(settings or {}),
            },
        },
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        disable_asyncpg_jit_toggle(dbapi_connection.driver_connection)
        # vectors travel in pgvector's binary format, as lists of floats both ways
        dbapi_connection.run_async(_register_vector)

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's "pessimistic" check without a round trip: a server that restarted or
        # dropped the session has closed the socket, which asyncpg has already noticed; the
        # pool replaces the connection and checks out again. A reply that never comes is
        # caught where it happens (Database._begun retries a failed BEGIN once).
        driver = dbapi_connection.driver_connection
        if driver is None or driver.is_closed():
            raise sqlalchemy.exc.DisconnectionError("the pooled connection was closed")

    return engine


async def _register_vector(driver: asyncpg.Connection) -> None:
    try:
        await register_vector(driver)
    except ValueError as exc:
        # a database not yet migrated has no vector type: it still answers health checks
        if not str(exc).startswith("unknown type"):
            raise


async def driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a pooled SQLAlchemy connection (the one place that asks)."""
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:
        raise DatabaseUnavailableError("the database connection was lost; try again shortly")
    return driver


#: prepared statements kept on a pooled connection, in its ``info`` (which SQLAlchemy clears
#: when the connection is replaced)
STATEMENTS_KEY = "zava_prepared_statements"


class Database:
    """The application-role engine and its tenant-bound units of work."""

    def __init__(
        self,
        engine: AsyncEngine,
        config: PoolConfig | None = None,
        *,
        identity_key: bytes | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or PoolConfig()
        # turns at the pool, first come first served: SQLAlchemy's pool wakes its waiters in no
        # particular order, so under a burst some waited out pool_timeout_s while later ones
        # were served (73 POOL_TIMEOUTs at 128 clients); past the gate a checkout never waits
        self._turns = asyncio.Semaphore(self.config.pool_size + self.config.max_overflow)
        #: signs the bound identity; without it every identity binds nobody (no tenant rows)
        self.identity_key = identity_key

    @classmethod
    def from_url(
        cls,
        url: URL,
        config: PoolConfig | None = None,
        *,
        settings: dict[str, str] | None = None,
        identity_key: bytes | None = None,
    ) -> Database:
        return cls(create_engine(url, config, settings=settings), config, identity_key=identity_key)

    async def connect(self) -> AsyncConnection:
        """A pooled connection, handed out in the order asked for (at most ``pool_timeout_s``
        of waiting, then :class:`PoolTimeoutError`); give it back with :meth:`release`.
        Connection errors (never query errors) are retried with exponential backoff and
        jitter, briefly, so an outage fails fast."""
        try:
            await asyncio.wait_for(self._turns.acquire(), self.config.pool_timeout_s)
        except TimeoutError:
            raise PoolTimeoutError("all database connections are busy; try again shortly") from None
        backoff = self.config.connect_backoff_s
        try:
            return await retried(
                self._connect_once,
                on=DatabaseUnavailableError,
                attempts=self.config.connect_retries + 1,
                timeout=None,
                wait_initial=backoff,
                wait_jitter=backoff,
                wait_max=max(backoff * 16, 1.0),
            )
        except BaseException:
            self._turns.release()
            raise

    async def release(self, conn: AsyncConnection, *, reusable: bool) -> None:
        """Give back a connection from :meth:`connect` (see :func:`release`)."""
        try:
            await release(conn, reusable=reusable)
        finally:
            self._turns.release()

    async def _connect_once(self) -> AsyncConnection:
        conn = self.engine.connect()
        try:
            await conn.start()
        except (sqlalchemy.exc.SQLAlchemyError, asyncpg.exceptions.PostgresError, OSError) as exc:
            raise translate_error(exc) from exc
        return conn

    @asynccontextmanager
    async def session(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection outside any tenant transaction (audit appends, the posture
        check), back to the pool only if it ends idle and outside a transaction."""
        conn = await self.connect()
        clean = False
        try:
            driver = await driver_connection(conn)
            if driver.is_in_transaction():
                raise DatabaseError("a pooled connection was still inside a transaction")
            yield driver
            clean = True
        finally:
            await self.release(conn, reusable=clean)

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def unit_of_work(
        self,
        identity: Identity | None,
        *,
        statement_timeout_ms: int | None = None,
        lock_timeout_ms: int | None = None,
    ) -> AsyncIterator[Tenant]:
        """A READ ONLY transaction bound to ``identity`` (``None`` binds nobody: no tenant rows),
        as the :class:`~zava_mcp.db.tenant.Tenant` handle every tenant query goes through.

        Committed when the block ends, rolled back when it raises; either way the identity and
        the limits end with it.
        """
        begin = begin_statement(
            identity,
            self.identity_key,
            statement_timeout_ms=statement_timeout_ms,
            lock_timeout_ms=lock_timeout_ms,
        )
        conn, driver = await self._begun(begin)
        ended = False  # the transaction ended cleanly: the connection may go back to the pool
        try:
            try:
                yield Tenant(driver, conn.info.setdefault(STATEMENTS_KEY, new_statements()))
            except Exception:
                with contextlib.suppress(Exception):
                    await driver.execute("ROLLBACK")
                    ended = True
                raise
            # a cancelled block (BaseException) may have left a statement and the driver's
            # cancel request in flight: nothing is sent, and the connection is closed for good
            await driver.execute("COMMIT")
            ended = True
        except ZavaError:
            raise
        except (
            sqlalchemy.exc.SQLAlchemyError,
            asyncpg.exceptions.PostgresError,
            *CONNECTION_BROKEN,
            OSError,
            TimeoutError,
        ) as exc:
            raise translate_error(exc) from exc
        finally:
            await self.release(conn, reusable=ended)

    async def _begun(self, begin: str) -> tuple[AsyncConnection, asyncpg.Connection]:
        """A pooled connection with ``begin`` run on it.

        A pooled connection can die between checkout and the BEGIN (PostgreSQL tells idle
        sessions it is shutting down). Nothing has run yet then, so that connection is dropped
        and the BEGIN tried once more on another, at once.
        """
        try:
            return await once_more(lambda: self._begin_once(begin), on=CONNECTION_LOST)
        except ZavaError:
            raise
        except Exception as exc:
            raise translate_error(exc) from exc

    async def _begin_once(self, begin: str) -> tuple[AsyncConnection, asyncpg.Connection]:
        conn = await self.connect()
        try:
            driver = await driver_connection(conn)
            if driver.is_in_transaction():
                # never expected (a connection goes back only after a clean end); refuse to
                # build on whatever a previous user left open
                raise DatabaseError("a pooled connection was still inside a transaction")
            await driver.execute(begin)
            return conn, driver
        except BaseException:
            await self.release(conn, reusable=False)
            raise


async def release(conn: AsyncConnection, *, reusable: bool) -> None:
    """Back to the pool only after a clean end (idle, no transaction, no half-read reply);
    anything else (a lost server, a cancelled or failed COMMIT/ROLLBACK) closes the connection
    for good, so nothing of one caller's session reaches the next."""
    with contextlib.suppress(Exception):
        try:
            driver: asyncpg.Connection | None = await driver_connection(conn)
        except Exception:
            driver = None
        if not reusable or driver is None or driver.is_closed() or driver.is_in_transaction():
            await conn.invalidate()
    with contextlib.suppress(Exception):
        await conn.close()


def begin_statement(
    identity: Identity | None,
    identity_key: bytes | None,
    *,
    statement_timeout_ms: int | None = None,
    lock_timeout_ms: int | None = None,
) -> str:
    """The unit of work's first (and only set-up) round trip: begin READ ONLY, bind the identity,
    then the limits, all transaction-local.

    ``SET`` takes no bind parameters; the only interpolated values are a canonical UUID rendered
    from :class:`uuid.UUID` with its hex MAC, and integers, so nothing caller-controlled reaches
    the SQL text. Without a key the identity is bound unsigned, which the database treats as
    nobody.
    """
    value = ""
    if identity is not None:
        value = (
            signed_identity(identity.manager_id, identity_key)
            if identity_key is not None
            else str(identity.manager_id)
        )
    parts = ["BEGIN READ ONLY", f"SET LOCAL {IDENTITY_SETTING} = '{value}'"]
    if statement_timeout_ms is not None:
        parts.append(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}")
    if lock_timeout_ms is not None:
        parts.append(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
    return "; ".join(parts)
