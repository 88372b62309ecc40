"""The application-role pool and the tenant-bound unit of work.

One unit of work is one transaction. Before anything else runs in it, the caller's identity is
bound with ``SET LOCAL zava.manager_id``: transaction-local, so commit or rollback ends it and a
pooled connection never carries it to the next caller. The bound value is signed with a key only
the owner can read (:mod:`zava_mcp.security.binding`), and the application role cannot execute
``set_config`` (revoked at bootstrap): agent SQL can neither rebind nor forge an identity.

The pool is asyncpg's (SQLAlchemy keeps the models and the migrations): a checkout costs no
round trip, and from the start of a unit of work to its BEGIN done took 0.62 ms instead of
1.0 ms with SQLAlchemy's async pool (measured at 1 client, ``select 1``; the COMMIT and
check-in after the statement cost about the same with either pool, 0.5 ms).
The unit of work manages the transaction itself: ``BEGIN READ ONLY`` and every ``SET LOCAL``
leave in one round trip, and a connection is handed back to the pool only after a clean COMMIT
or ROLLBACK, so the pool's own reset (one more round trip) is skipped. Inside, the tenant path
works on the connection through one handle, :class:`~zava_mcp.db.tenant.Tenant`, closed when its
unit of work ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.db.failures import (
    CONNECTION_BROKEN,
    CONNECTION_LOST,
    once_more,
    retried,
    translate_error,
)
from zava_mcp.db.pool import PooledConnection, lost, open_pool
from zava_mcp.db.tenant import Tenant
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


class Database:
    """The application-role pool and its tenant-bound units of work."""

    def __init__(
        self,
        url: URL,
        config: PoolConfig | None = None,
        *,
        settings: dict[str, str] | None = None,
        identity_key: bytes | None = None,
    ) -> None:
        self.url = url
        self.config = config or PoolConfig()
        self._settings = settings
        # made on first use, inside the running loop (an asyncpg pool belongs to one loop)
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        # turns at the pool, first come first served, each bounded by pool_timeout_s; past
        # the gate a connection is free (the gate has as many turns as the pool connections)
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
        return cls(url, config, settings=settings, identity_key=identity_key)

    def pool_stats(self) -> dict[str, float]:
        """The pool gauges (see :meth:`zava_mcp.infra.metrics.Metrics.set_pool_collector`):
        open connections, those in use, those past ``pool_size``, and calls waiting for one."""
        pool = self._pool
        if pool is None:
            return {}
        size = pool.get_size()
        in_use = size - pool.get_idle_size()
        return {
            "size": float(size),
            "checked_out": float(in_use),
            "overflow": float(max(size - self.config.pool_size, 0)),
            "waiters": float(len(getattr(self._turns, "_waiters", None) or ())),
        }

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                pool = open_pool(self.url, self.config, self._settings)
                await pool
                self._pool = pool
        return self._pool

    async def connect(self, *, wait: bool = True) -> PooledConnection:
        """A pooled connection, handed out in the order asked for (at most ``pool_timeout_s``
        of waiting, then :class:`PoolTimeoutError`; at once without ``wait``); give it back
        with :meth:`release`. Connection errors (never query errors) are retried with
        exponential backoff and jitter, briefly, so an outage fails fast."""
        if self._turns.locked():
            if not wait:
                raise PoolTimeoutError("no database connection is free right now")
            try:
                await asyncio.wait_for(self._turns.acquire(), self.config.pool_timeout_s)
            except TimeoutError:
                raise PoolTimeoutError(
                    "all database connections are busy; try again shortly"
                ) from None
        else:
            await self._turns.acquire()  # a free turn: taken at once, no timer
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

    async def release(self, conn: PooledConnection, *, reusable: bool) -> None:
        """Give back a connection from :meth:`connect`: back to the pool only after a clean
        end (idle, no transaction, no half-read reply) and younger than ``pool_recycle_s``;
        anything else (a lost server, a cancelled or failed COMMIT/ROLLBACK) closes it for
        good, so nothing of one caller's session reaches the next."""
        try:
            with contextlib.suppress(Exception):
                if (
                    not reusable
                    or lost(conn)
                    or conn.is_in_transaction()
                    or time.monotonic() - conn.born > self.config.pool_recycle_s
                ):
                    conn.terminate()
                pool = self._pool
                if pool is not None:
                    await pool.release(conn)
        finally:
            self._turns.release()

    async def _connect_once(self) -> PooledConnection:
        pool = await self._opened()
        try:
            # past the gate a connection is free: no timeout (and no timer) needed
            connection = await pool.acquire()
        except (*CONNECTION_LOST, asyncpg.exceptions.PostgresError, TimeoutError) as exc:
            raise translate_error(exc) from exc
        return connection  # type: ignore[no-any-return]

    @asynccontextmanager
    async def session(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection outside any tenant transaction (audit appends, the posture
        check), back to the pool only if it ends idle and outside a transaction."""
        conn = await self.connect()
        clean = False
        try:
            if conn.is_in_transaction():
                raise DatabaseError("a pooled connection was still inside a transaction")
            yield conn
            clean = True
        finally:
            await self.release(conn, reusable=clean)

    async def dispose(self) -> None:
        """Close the pool: idle connections at once, those in use as they come back (after
        ten seconds, all of them). The next :meth:`connect` opens a new pool."""
        async with self._opening:
            pool = self._pool
            if pool is None:
                return
            try:
                await asyncio.wait_for(pool.close(), 10)
            except TimeoutError:
                pool.terminate()
            finally:
                self._pool = None

    @asynccontextmanager
    async def unit_of_work(
        self,
        identity: Identity | None,
        *,
        statement_timeout_ms: int | None = None,
        lock_timeout_ms: int | None = None,
        wait: bool = True,
    ) -> AsyncIterator[Tenant]:
        """A READ ONLY transaction bound to ``identity`` (``None`` binds nobody: no tenant rows),
        as the :class:`~zava_mcp.db.tenant.Tenant` handle every tenant query goes through.

        Committed when the block ends, rolled back when it raises; either way the identity and
        the limits end with it. Without ``wait``, :class:`PoolTimeoutError` at once when no
        connection is free.
        """
        begin = begin_statement(
            identity,
            self.identity_key,
            statement_timeout_ms=statement_timeout_ms,
            lock_timeout_ms=lock_timeout_ms,
        )
        conn = await self._begun(begin, wait=wait)
        ended = False  # the transaction ended cleanly: the connection may go back to the pool
        tenant = Tenant(conn, conn.statements)
        try:
            try:
                yield tenant
            except Exception:
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
                    ended = True
                raise
            # a cancelled block (BaseException) may have left a statement and the driver's
            # cancel request in flight: nothing is sent, and the connection is closed for good
            await conn.execute("COMMIT")
            ended = True
        except ZavaError:
            raise
        except (
            asyncpg.exceptions.PostgresError,
            *CONNECTION_BROKEN,
            OSError,
            TimeoutError,
        ) as exc:
            raise translate_error(exc) from exc
        finally:
            tenant.close()
            await self.release(conn, reusable=ended)

    @asynccontextmanager
    async def alongside(self, identity: Identity | None) -> AsyncIterator[Tenant | None]:
        """A second unit of work for ``identity``, for a read that can run beside the caller's
        own, if a pooled connection is free right now; ``None`` otherwise (the caller then
        reads on its own unit of work, after the rest). It never waits for a connection: a call
        holding one while queueing for a second could starve the pool, so a busy pool costs
        parallelism, never a timeout."""
        async with contextlib.AsyncExitStack() as stack:
            try:
                tenant: Tenant | None = await stack.enter_async_context(
                    self.unit_of_work(identity, wait=False)
                )
            except PoolTimeoutError:
                tenant = None
            yield tenant

    async def _begun(self, begin: str, *, wait: bool = True) -> PooledConnection:
        """A pooled connection with ``begin`` run on it.

        A pooled connection can die between checkout and the BEGIN (PostgreSQL tells idle
        sessions it is shutting down). Nothing has run yet then, so that connection is dropped
        and the BEGIN tried once more on another, at once.
        """
        try:
            return await once_more(lambda: self._begin_once(begin, wait), on=CONNECTION_LOST)
        except ZavaError:
            raise
        except Exception as exc:
            raise translate_error(exc) from exc

    async def _begin_once(self, begin: str, wait: bool) -> PooledConnection:
        conn = await self.connect(wait=wait)
        try:
            if conn.is_in_transaction():
                # never expected (a connection goes back only after a clean end); refuse to
                # build on whatever a previous user left open
                raise DatabaseError("a pooled connection was still inside a transaction")
            await conn.execute(begin)
            return conn
        except BaseException:
            await self.release(conn, reusable=False)
            raise


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
