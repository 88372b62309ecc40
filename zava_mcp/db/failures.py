"""Driver and pool failures as typed errors: one translation for every database path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import stamina

from zava_mcp.errors import (
    DatabaseError,
    DatabaseUnavailableError,
    QueryError,
    QueryTimeoutError,
    ResourceLimitError,
    ZavaError,
)

#: the driver's word for a connection it can no longer use (an unsolicited FATAL from a server
#: shutting down leaves the protocol waiting for a reply that never comes)
CONNECTION_BROKEN = (asyncpg.exceptions.InternalClientError, asyncpg.exceptions.InterfaceError)
#: failures of a connection, as opposed to failures of a statement
CONNECTION_LOST = (
    *CONNECTION_BROKEN,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    OSError,
)


T = TypeVar("T")


async def retried(
    call: Callable[[], Awaitable[T]],
    *,
    on: type[Exception] | tuple[type[Exception], ...],
    attempts: int,
    **backoff: Any,
) -> T:
    """``call()``, and when it raises ``on``, up to ``attempts - 1`` more tries through
    ``stamina.retry_context(on=on, **backoff)`` (the first of them at once).

    The first try builds no retry state: setting up a stamina/tenacity retry context costs
    about half a millisecond of CPU, which every call would otherwise pay (three times) for a
    retry it almost never needs.
    """
    try:
        return await call()
    except on:
        if attempts <= 1:
            raise
    async for attempt in stamina.retry_context(on=on, attempts=attempts - 1, **backoff):
        with attempt:
            return await call()
    raise AssertionError("unreachable")  # the last attempt returns or raises


async def once_more(
    call: Callable[[], Awaitable[T]], *, on: type[Exception] | tuple[type[Exception], ...]
) -> T:
    """``call()``, tried a second time at once when it raises ``on`` (a connection that failed
    before anything ran on it: the second try takes another)."""
    return await retried(call, on=on, attempts=2, timeout=None, wait_initial=0, wait_jitter=0)


def translate_error(exc: BaseException) -> ZavaError:
    """Map a driver or pool failure to a typed error with a short, safe message."""
    if isinstance(exc, ZavaError):
        return exc
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
    if isinstance(cause, CONNECTION_BROKEN):
        return DatabaseUnavailableError("the database connection was lost; try again shortly")
    sqlstate = getattr(cause, "sqlstate", "") or ""
    if isinstance(cause, asyncpg.exceptions.PostgresError) and sqlstate.startswith(("53", "54")):
        # temp_file_limit, out of memory, a value over 1 GB, too many columns...
        return ResourceLimitError(
            "the query needed more memory or temporary space than one query may use; "
            "aggregate or filter in SQL"
        )
    if isinstance(cause, asyncpg.exceptions.InsufficientPrivilegeError):
        return QueryError(f"permission denied: {_first_line(cause)}")
    if isinstance(cause, asyncpg.exceptions.PostgresError):
        if sqlstate.startswith(("42", "22", "0A", "21", "2B", "25")):
            return QueryError(_first_line(cause))
        return DatabaseError(f"the database refused the request ({sqlstate or 'error'})")
    return DatabaseError("unexpected database failure")


def _first_line(exc: BaseException) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message[:300]
