"""The application role's connections: asyncpg's pool, opened the way every pooled connection
must start (session settings, the pgvector codec, no JIT toggling) and given back without a
reset round trip. :class:`~zava_mcp.db.session.Database` owns one and hands its connections
out in order; the unit of work runs on them."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from pgvector.asyncpg import register_vector
from sqlalchemy.engine import URL

from zava_mcp.db.tenant import new_statements
from zava_mcp.infra.settings import PoolSettings


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


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection: asyncpg's, plus the agent statements kept on it and its age.

    asyncpg invalidates every ``PreparedStatement`` of a connection when it goes back to its
    pool (it bumps ``_pool_release_ctr``, which each statement checks), so that a statement
    cannot reach a connection someone else holds. Ours are kept on purpose, for the next unit
    of work on the same connection, and are reachable only through a
    :class:`~zava_mcp.db.tenant.Tenant`, which is closed when its unit of work ends: the
    counter is left as it was. ``tests/test_session.py`` checks that kept statements survive a
    release and that a closed handle refuses to run anything.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements = new_statements()
        self.born = time.monotonic()

    def _on_release(self, stacklevel: int = 1) -> None:
        # asyncpg's listener checks still run; only the statement invalidation is undone
        kept: int = self._pool_release_ctr  # type: ignore[has-type]
        super()._on_release(stacklevel + 1)
        self._pool_release_ctr = kept


def session_settings(
    config: PoolSettings, settings: dict[str, str] | None = None
) -> dict[str, str]:
    """The session settings every pooled connection starts with (``settings``: the audit
    writer's extra ones)."""
    return {
        "application_name": config.application_name,
        "jit": "off",
        "work_mem": config.work_mem,
        **(
            {"statement_timeout": str(config.statement_timeout_ms)}
            if config.statement_timeout_ms
            else {}
        ),
        **(settings or {}),
    }


def lost(conn: asyncpg.Connection) -> bool:
    """Whether a pooled connection can no longer be used: closed, or already taken back by
    the pool because the server ended it (asyncpg then refuses every call on it)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.exceptions.InterfaceError:
        return True


async def _on_new_connection(driver: asyncpg.Connection) -> None:
    disable_asyncpg_jit_toggle(driver)
    # vectors travel in pgvector's binary format, as lists of floats both ways
    await _register_vector(driver)


async def _register_vector(driver: asyncpg.Connection) -> None:
    try:
        await register_vector(driver)
    except ValueError as exc:
        # a database not yet migrated has no vector type: it still answers health checks
        if not str(exc).startswith("unknown type"):
            raise


async def _no_reset(_driver: asyncpg.Connection) -> None:
    """A connection goes back to the pool only after a clean COMMIT or ROLLBACK (see
    ``Database.release``), and nothing in a session outlives its transaction (identity and
    limits are ``SET LOCAL``, agent SQL cannot ``SET``, ``LISTEN`` or lock): asyncpg's own
    reset (``RESET ALL``, ``UNLISTEN *``... one more round trip per call) has nothing to undo."""


def open_pool(
    url: URL, config: PoolSettings, settings: dict[str, str] | None = None
) -> asyncpg.Pool:
    """A pool for ``url`` (not yet opened: await it in the loop that will use it), at most
    ``pool_size + max_overflow`` connections of :class:`PooledConnection`."""
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=config.pool_size + config.max_overflow,
        # none opened ahead (a server not yet migrated still answers health checks); an idle one
        # is closed after five minutes, any after pool_recycle_s (Database.release)
        max_inactive_connection_lifetime=min(config.pool_recycle_s, 300),
        connection_class=PooledConnection,
        init=_on_new_connection,
        reset=_no_reset,
        command_timeout=config.command_timeout_s,
        timeout=5,
        server_settings=session_settings(config, settings),
    )
