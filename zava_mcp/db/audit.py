"""The audit trail: append-only, hash-chained rows, two per call.

A call's ``started`` row is written as the call begins, beside the tool body, and the call
answers only once that row is committed (fail closed); its outcome row (``ok`` or ``error``,
with the row count and duration) is written after the answer, in the background. A call refused
before its caller is known has only the outcome row.

Each row is written in its own read-write transaction (the tool call's transaction is read
only, may have rolled back, and may have run on a read replica), through a pool of its own. The
application role can only append through ``audit.record_tool_call``; ``verify_chain`` (as the
owner) recomputes every hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.db.failures import CONNECTION_BROKEN, retried
from zava_mcp.db.session import Database, PoolConfig

T = TypeVar("T")

#: the whole stored argument structure, serialized, is at most this many bytes
MAX_ARGUMENTS_BYTES = 8 * 1024
#: one string in it at most this many characters
MAX_ARGUMENT_CHARS = 2000
_MAX_DEPTH = 6
_MAX_ITEMS = 50


def canonical_arguments(arguments: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Arguments as stored, bounded whatever their shape (strings cut, depth and item counts
    capped, NUL characters replaced, at most :data:`MAX_ARGUMENTS_BYTES` in all), and the
    SHA-256 of the full arguments as received."""
    try:
        full = json.dumps(arguments, sort_keys=True, default=str, ensure_ascii=False)
    except (RecursionError, ValueError):
        full = repr(type(arguments))
    digest = hashlib.sha256(full.encode("utf-8", "replace")).hexdigest()
    stored = _bounded(arguments, 0)
    text = json.dumps(stored, ensure_ascii=False)
    if len(text.encode()) > MAX_ARGUMENTS_BYTES:
        preview = text.encode()[: MAX_ARGUMENTS_BYTES // 2].decode(errors="ignore")
        stored = {"_truncated": True, "_bytes": len(full.encode()), "_preview": preview}
    if not isinstance(stored, dict):
        stored = {"_": stored}
    return stored, digest


def _bounded(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        text = value.replace("\x00", "\ufffd")
        return text[:MAX_ARGUMENT_CHARS] + "…" if len(text) > MAX_ARGUMENT_CHARS else text
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= _MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())
        bounded = {
            str(k)[:100].replace("\x00", "\ufffd"): _bounded(v, depth + 1)
            for k, v in items[:_MAX_ITEMS]
        }
        if len(items) > _MAX_ITEMS:
            bounded["…"] = f"{len(items) - _MAX_ITEMS} more"
        return bounded
    if isinstance(value, list | tuple):
        bounded_list = [_bounded(v, depth + 1) for v in value[:_MAX_ITEMS]]
        if len(value) > _MAX_ITEMS:
            bounded_list.append(f"… {len(value) - _MAX_ITEMS} more")
        return bounded_list
    return _bounded(str(value), depth)


@dataclass(frozen=True)
class AuditRecord:
    manager_id: uuid.UUID | None
    tool: str
    arguments: dict[str, Any]
    rows_returned: int | None
    duration_ms: float
    outcome: str
    error_code: str | None
    request_id: str | None


#: the audit writer's session: read-write by default (the application role's default is read only),
#: so one ``select audit.record_tool_call(...)`` is its own transaction and commits in the same
#: round trip. Agent SQL never runs on these connections.
AUDIT_SESSION = {"default_transaction_read_only": "off", "application_name": "zava-mcp-audit"}


def audit_database(
    url: URL, config: PoolConfig | None = None, *, synchronous_commit: bool = True
) -> Database:
    """The pool the audit trail is written through (same role and database as the tools).

    ``synchronous_commit=False`` skips the wait for the WAL flush: a PostgreSQL crash, not a
    clean restart, may then lose the newest rows, so it is an explicit operator choice.
    """
    settings = dict(AUDIT_SESSION)
    if not synchronous_commit:
        settings["synchronous_commit"] = "off"
    return Database.from_url(url, config, settings=settings)


async def record(db: Database, entry: AuditRecord) -> int:
    """Append ``entry`` through ``db`` (an :func:`audit_database`): one statement in its own
    implicit transaction, committed (and flushed, unless configured otherwise) before this
    returns.

    A pooled connection the driver can no longer use (PostgreSQL announced a shutdown to it)
    refuses the statement before sending anything, so that one case is tried once more on
    another connection; any other failure is raised.
    """
    stored, digest = canonical_arguments(entry.arguments)
    arguments = (
        entry.manager_id,
        entry.tool,
        json.dumps(stored),
        digest,
        entry.rows_returned,
        round(entry.duration_ms, 3),
        entry.outcome,
        entry.error_code,
        entry.request_id,
    )

    async def append() -> int:
        async with db.session() as driver:
            return int(await driver.fetchval(RECORD_SQL, *arguments))

    return await retried(
        append, on=CONNECTION_BROKEN, attempts=2, timeout=None, wait_initial=0, wait_jitter=0
    )


class AuditTrail:
    """The pipeline's writer: :meth:`start` and :meth:`finish` put a call's two rows on their
    way at once and return; :meth:`drain` (at shutdown, before the pool closes) waits for every
    row still being written. ``on_failure`` hears of each row that could not be written."""

    def __init__(self, db: Database, *, on_failure: Callable[[AuditRecord, Exception], None]):
        self.db = db
        self._on_failure = on_failure
        self._pending: set[asyncio.Task[Any]] = set()

    def start(self, entry: AuditRecord) -> asyncio.Task[int]:
        """Write ``entry`` (outcome ``started``) beside the call; await the task before
        answering (it raises if the row could not be written)."""
        return self._track(self._write(entry))

    def finish(self, started: asyncio.Task[int] | None, entry: AuditRecord) -> None:
        """Write the outcome row once the ``started`` row is in (the chain keeps their order)."""

        async def write() -> None:
            if started is not None:
                await asyncio.gather(started, return_exceptions=True)
            await self._write(entry)

        self._track(write())

    async def _write(self, entry: AuditRecord) -> int:
        try:
            return await record(self.db, entry)
        except Exception as exc:
            self._on_failure(entry, exc)
            raise

    def _track(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled():
            task.exception()  # reported through on_failure; retrieved so asyncio stays quiet

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def drain(self) -> None:
        """Wait for every row still being written."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


RECORD_SQL = "select audit.record_tool_call($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)"


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_bad_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


async def verify_chain(owner: asyncpg.Connection) -> ChainReport:
    """Recompute every row's hash in id order; report the first row that does not match."""
    rows = await owner.fetch(
        "select id, prev_hash, row_hash, audit.row_digest(prev_hash, called_at, manager_id, "
        "tool, arguments_hash, rows_returned, duration_ms, outcome, error_code, request_id) "
        "as expected from audit.tool_calls order by id"
    )
    previous = "genesis"
    for row in rows:
        if row["prev_hash"] != previous or row["row_hash"] != row["expected"]:
            return ChainReport(len(rows), int(row["id"]))
        previous = row["row_hash"]
    return ChainReport(len(rows), None)
