"""The audit trail: append-only, hash-chained rows, two per call.

A call's ``started`` row is written as the call begins, beside the tool body, and the call
answers only once that row is committed (fail closed); its outcome row (``ok`` or ``error``,
with the row count and duration) is written after the answer, in the background. A call refused
before its caller is known has only the outcome row.

Each row is written in its own read-write transaction (the tool call's transaction is read
only, may have rolled back, and may have run on a read replica), through a pool of its own;
:class:`AuditTrail` commits the rows waiting at the same moment together. The application role
can only append, through ``audit.record_tool_call`` and ``audit.record_tool_calls`` (the same,
for a batch); ``verify_chain`` (as the owner) recomputes every hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.db.failures import CONNECTION_BROKEN, once_more
from zava_mcp.db.pool import lost
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.errors import DatabaseError

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

    return await once_more(append, on=CONNECTION_BROKEN)


class AuditTrail:
    """The pipeline's writer: one task appends every row waiting at that moment in one
    transaction (``audit.record_tool_calls``, revision 0008), so concurrent calls share a WAL
    flush instead of queueing one by one at the chain's lock.

    :meth:`start` queues a call's ``started`` row and returns a future that is done once the
    row is committed (the pipeline awaits it before answering). :meth:`finish` queues the
    outcome row and returns at once: outcome rows ride with the next ``started`` row, or go on
    their own after ``linger_s``. Rows are appended in the order queued, so a call's outcome
    follows its start in the chain. ``on_failure`` hears of each row that could not be
    written; use the trail as an async context manager (leaving it writes every queued row).
    """

    def __init__(
        self,
        db: Database,
        *,
        on_failure: Callable[[AuditRecord, Exception], None],
        linger_s: float = 0.05,
        max_batch: int = 256,
    ) -> None:
        self.db = db
        self._on_failure = on_failure
        self._linger_s = linger_s
        self._max_batch = max_batch
        self._queue: list[tuple[AuditRecord, asyncio.Future[None] | None]] = []
        # the writer's one wake-up: a started row waits (a call is waiting for it), outcome
        # rows have lingered long enough, or the trail is closing
        self._due = asyncio.Event()
        self._linger: asyncio.TimerHandle | None = None
        self._closing = False
        self._writer: asyncio.Task[None] | None = None
        # the writer's one connection, kept between batches (a pool checkout per batch cost
        # more CPU than the append); let go after a failure, taken again on the next batch
        self._held: contextlib.AbstractAsyncContextManager[asyncpg.Connection] | None = None
        self._driver: asyncpg.Connection | None = None
        self.batches = 0  # appended so far (for tests and diagnostics)

    async def __aenter__(self) -> AuditTrail:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._closing = True
        self._wake()
        try:
            if self._writer is not None:
                await self._writer
        finally:
            await self._let_go(failed=False)

    def start(self, entry: AuditRecord) -> asyncio.Future[None]:
        """Queue a call's ``started`` row; the future is done once it is committed (and raises
        if it could not be)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._put(entry, done)
        self._wake()
        return done

    def finish(self, entry: AuditRecord) -> None:
        """Queue a call's outcome row (after its started row, if the call has one)."""
        self._put(entry, None)
        self._linger_then_wake()

    def _wake(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self._due.set()

    def _linger_then_wake(self) -> None:
        """Outcome rows wait for a started row to ride with, at most ``linger_s`` (one timer
        for all of them, not a task per wait)."""
        if self._linger is None and not self._due.is_set() and self._queue:
            self._linger = asyncio.get_running_loop().call_later(self._linger_s, self._wake)

    def _put(self, entry: AuditRecord, done: asyncio.Future[None] | None) -> None:
        if self._writer is None or self._writer.done():
            stopped = RuntimeError("the audit trail is not running")
            if done is None:  # an outcome row: reported, never raised into the answer
                self._on_failure(entry, stopped)
                return
            raise stopped
        self._queue.append((entry, done))

    async def _write_loop(self) -> None:
        try:
            await self._write_until_closed()
        finally:
            if self._linger is not None:
                self._linger.cancel()
            # cancelled or closed: a call still waiting for its row must not wait for ever
            for _, done in self._queue:
                if done is not None and not done.done():
                    done.set_exception(RuntimeError("the audit trail closed"))

    async def _write_until_closed(self) -> None:
        while True:
            if not self._queue and self._closing:
                return
            await self._due.wait()
            self._due.clear()
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._append(batch)
                if self._closing or any(done is not None for _, done in self._queue):
                    continue  # a call waits for a row queued meanwhile: at once
                # only outcome rows queued meanwhile: they linger for a started row
                self._linger_then_wake()
                break

    async def _connection(self) -> asyncpg.Connection:
        if self._driver is not None and lost(self._driver):
            await self._let_go(failed=True)
        if self._driver is None:
            held = self.db.session()
            self._driver = await held.__aenter__()
            self._held = held
        return self._driver

    async def _let_go(self, *, failed: bool) -> None:
        """Give the connection back (closed for good after a failure)."""
        held, self._held, self._driver = self._held, None, None
        if held is None:
            return
        with contextlib.suppress(Exception):
            if failed:
                broken = DatabaseError("the audit connection failed")
                await held.__aexit__(type(broken), broken, None)
            else:
                await held.__aexit__(None, None, None)

    async def _send(self, payload: str) -> int:
        driver = await self._connection()
        try:
            return int(await driver.fetchval(RECORD_MANY_SQL, payload))
        except BaseException:
            await self._let_go(failed=True)
            raise

    async def _append(self, batch: list[tuple[AuditRecord, asyncio.Future[None] | None]]) -> None:
        try:
            payload = batch_payload([entry for entry, _ in batch])
            await once_more(lambda: self._send(payload), on=CONNECTION_BROKEN)
            self.batches += 1
        except Exception as exc:
            for entry, done in batch:
                self._on_failure(entry, exc)
                if done is not None and not done.done():
                    done.set_exception(exc)
            return
        for _, done in batch:
            if done is not None and not done.done():
                done.set_result(None)


RECORD_SQL = "select audit.record_tool_call($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)"


async def record_many(db: Database, entries: list[AuditRecord]) -> int:
    """Append ``entries`` in order, in one transaction (``audit.record_tool_calls``): one
    statement, one commit and one WAL flush for all of them. Retried once, like
    :func:`record`, only when the driver refused it before sending anything."""
    payload = batch_payload(entries)

    async def append() -> int:
        async with db.session() as driver:
            return int(await driver.fetchval(RECORD_MANY_SQL, payload))

    return await once_more(append, on=CONNECTION_BROKEN)


def batch_payload(entries: list[AuditRecord]) -> str:
    """``entries`` as the JSON array ``audit.record_tool_calls`` takes (arguments bounded)."""
    rows = []
    for entry in entries:
        stored, digest = canonical_arguments(entry.arguments)
        rows.append(
            {
                "manager_id": str(entry.manager_id) if entry.manager_id else None,
                "tool": entry.tool,
                "arguments": stored,
                "arguments_hash": digest,
                "rows_returned": entry.rows_returned,
                "duration_ms": round(entry.duration_ms, 3),
                "outcome": entry.outcome,
                "error_code": entry.error_code,
                "request_id": entry.request_id,
            }
        )
    return json.dumps(rows, ensure_ascii=False)


RECORD_MANY_SQL = "select audit.record_tool_calls($1::jsonb)"


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
