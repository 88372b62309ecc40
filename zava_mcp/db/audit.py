"""The audit trail: one append-only, hash-chained row per tool call.

Each record is written in its own read-write transaction (the tool call's transaction is read
only, may have rolled back, and may have run on a read replica), through a pool of its own. The
application role can only append through ``audit.record_tool_call``; ``verify_chain`` (as the
owner) recomputes every hash.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import stamina
from sqlalchemy.engine import URL

from zava_mcp.db.failures import CONNECTION_BROKEN
from zava_mcp.db.session import Database, PoolConfig

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
    async for attempt in stamina.retry_context(
        on=CONNECTION_BROKEN, attempts=2, timeout=None, wait_initial=0, wait_jitter=0
    ):
        with attempt:
            async with db.session() as driver:
                return int(await driver.fetchval(RECORD_SQL, *arguments))
    raise AssertionError("unreachable")  # the last attempt returns or raises


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
