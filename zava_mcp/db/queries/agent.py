"""Agent SQL, run bounded: the MATERIALIZED-CTE wrapper, kept prepared statements, and the row
shaping that turns driver values into JSON-ready, size-capped cells. Reached only through
:meth:`zava_mcp.db.tenant.Tenant.run`, which takes a guarded query."""

from __future__ import annotations

import decimal
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
from pydantic_core import to_jsonable_python

from zava_mcp.db.guard import GuardedQuery
from zava_mcp.errors import QueryTimeoutError

if TYPE_CHECKING:
    from zava_mcp.db.tenant import Tenant


@dataclass
class AgentResult:
    columns: list[str]
    column_types: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    truncation_reasons: list[str] = field(default_factory=list)


def jsonable(value: Any) -> Any:
    """A driver value as a JSON value. Numbers stay numbers (pydantic renders a ``Decimal`` as a
    string) and an interval is its seconds, as the answers always gave them."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    return to_jsonable_python(value, timedelta_mode="float", bytes_mode="hex", fallback=str)


def _cap_cell(value: Any, max_cell_bytes: int) -> tuple[Any, bool]:
    if isinstance(value, str):
        encoded = value.encode()
        if len(encoded) > max_cell_bytes:
            return encoded[:max_cell_bytes].decode(errors="ignore") + "…", True
        return value, False
    if isinstance(value, list | dict):
        size = len(json.dumps(value, default=str))
        if size > max_cell_bytes:
            return json.dumps(value, default=str)[:max_cell_bytes] + "…", True
    return value, False


#: types whose values have a small fixed size: they pass through the wrapper untouched
FIXED_SIZE_TYPES = frozenset(
    {
        "bool",
        "int2",
        "int4",
        "int8",
        "float4",
        "float8",
        "numeric",
        "money",
        "oid",
        "date",
        "time",
        "timetz",
        "timestamp",
        "timestamptz",
        "interval",
        "uuid",
    }
)
#: what one result may hold in memory before the row cap is lowered for wide results
WIDE_RESULT_BYTES = 32 * 1024 * 1024


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def bounded_select(sql: str, attributes: list[Any], *, limit: int, max_cell_chars: int) -> str:
    """The agent's statement as a MATERIALIZED CTE read through a ``LIMIT``: at most ``limit``
    rows, variable-size cells cut to ``max_cell_chars`` by the database, original column names
    kept. The CTE is a planning fence (a ``LIMIT`` over a plain subquery made the planner pick
    slow "first rows" plans) and is evaluated lazily, only as far as the ``LIMIT`` reads."""
    if not attributes:
        # rows without columns are still rows: bounded like any other result
        return f"WITH zava_q AS MATERIALIZED (\n{sql}\n) SELECT FROM zava_q LIMIT {int(limit)}"
    names = [f"c{i}" for i in range(len(attributes))]
    projection = ", ".join(
        (
            f"zava_q.{n}"
            if a.type.name in FIXED_SIZE_TYPES
            else f"left(zava_q.{n}::text, {max_cell_chars})"
        )
        + f" AS {_ident(a.name)}"
        for n, a in zip(names, attributes, strict=True)
    )
    # newlines: a trailing line comment in the agent's text cannot swallow the wrapper
    return (
        f"WITH zava_q({', '.join(names)}) AS MATERIALIZED (\n{sql}\n) "
        f"SELECT {projection} FROM zava_q LIMIT {int(limit)}"
    )


async def run(
    conn: Tenant,
    query: GuardedQuery,
    *,
    max_rows: int,
    max_cell_bytes: int,
    max_response_bytes: int,
    plan_key: str = "",
    timeout_s: float | None = None,
) -> AgentResult:
    """Run one read the guard accepted, through the extended protocol (prepare + execute), where
    a text holding several statements is refused, never the simple one.

    The statement is prepared first (its columns are known before anything runs); a read is
    then run wrapped (:func:`bounded_select`) with ``LIMIT max_rows + 1`` and variable-size
    cells cut by the database, so at most the row cap + 1 rows of bounded size leave PostgreSQL,
    whatever the statement's shape (rows without columns included). A ``LIMIT`` rather than a
    portal row count: PostgreSQL never runs a parallel plan for a portal fetched in batches,
    which made analytics several times slower. Cells and the response are capped again here in
    bytes; ``truncated`` says when anything was cut.

    Both prepared statements are kept per connection (``Tenant.prepared``), so a question asked
    again costs one round trip, like asyncpg's own statement cache: the bare one once per text
    (it is only described), the bounded one per text and ``plan_key``. Pass the caller's
    identity as ``plan_key``: PostgreSQL plans a statement without parameters once, with
    row estimates taken under the identity bound at the time, and a store manager should not
    run the plan made for head office (or the reverse). Kept statements are invisible to other
    sessions and to agent SQL (``pg_prepared_statement`` is closed to the application role).
    """
    sql = query.sql
    # only described, never run: its columns are the same for every caller, so one per text
    statement = await conn.prepared(sql, "")
    attributes = list(statement.get_attributes())
    result = AgentResult(
        columns=[a.name for a in attributes],
        column_types=[a.type.name for a in attributes],
        rows=[],
    )
    variable = sum(a.type.name not in FIXED_SIZE_TYPES for a in attributes)
    row_bound = 16 * (len(attributes) + 1) + variable * 4 * (max_cell_bytes + 1)
    limit = max(2, min(max_rows + 1, WIDE_RESULT_BYTES // row_bound))
    statement = await conn.prepared(
        bounded_select(sql, attributes, limit=limit, max_cell_chars=max_cell_bytes + 1), plan_key
    )
    try:
        # ``timeout_s`` backs the server's statement_timeout from this side: past it the driver
        # cancels the query and the connection is not reused
        records = await statement.fetch(timeout=timeout_s)
    except TimeoutError:
        raise QueryTimeoutError("the query took too long and was cancelled") from None
    except asyncpg.exceptions.InvalidCachedStatementError:
        # the schema changed under a kept statement: forget this connection's statements and
        # let the caller ask again (the transaction is aborted, so no retry here)
        conn.forget_statements()
        raise
    # we asked for one row more than we keep: its arrival means the result was cut
    keep = min(max_rows, limit - 1)
    cut_reason = (
        f"row cap of {max_rows} reached"
        if keep == max_rows
        else f"wide rows: cut at {keep} rows to bound memory"
    )
    shaped = [_shape_row(record, max_cell_bytes) for record in records[:keep]]
    if len(json.dumps([row for row, _ in shaped], default=str)) > max_response_bytes:
        # over the byte cap: keep the rows that fit, in order (the whole result is measured once
        # first, since nearly every answer fits)
        budget, fitting = max_response_bytes, 0
        for row, _ in shaped:
            budget -= len(json.dumps(row, default=str))
            if budget < 0:
                break
            fitting += 1
        shaped = shaped[:fitting]
        result.truncated = True
        result.truncation_reasons.append(f"response cap of {max_response_bytes} bytes reached")
    elif len(records) > keep:
        result.truncated = True
        result.truncation_reasons.append(cut_reason)
    result.rows = [row for row, _ in shaped]
    if any(cut for _, cut in shaped):
        result.truncated = True
        result.truncation_reasons.append(f"cells longer than {max_cell_bytes} bytes were cut")
    return result


#: cell types that are already JSON values (checked by exact type: ``bool`` is an ``int``)
_PLAIN = frozenset({int, float, bool, type(None)})


def _shape_row(record: Any, max_cell_bytes: int) -> tuple[list[Any], bool]:
    """One row as JSON-ready cells, each at most ``max_cell_bytes``; and whether any was cut."""
    short = max_cell_bytes // 4  # a str of this many characters fits in the cap in any UTF-8
    row: list[Any] = []
    cut = False
    for value in record:
        kind = type(value)
        if kind in _PLAIN or (kind is str and len(value) <= short):
            row.append(value)
            continue
        cell, was_cut = _cap_cell(jsonable(value), max_cell_bytes)
        cut = cut or was_cut
        row.append(cell)
    return row, cut
