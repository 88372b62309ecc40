"""The SQL guard: decides whether agent-written SQL is a plain, single, read-only query.

The SQL an agent sends is treated as hostile. The guard parses it with the real PostgreSQL
parser (``pglast``, built on libpg_query 18) and walks the *whole* raw parse tree against
allowlists (:mod:`zava_mcp.security.policy`): one SELECT, made of known node types, reading only
the retail relations an agent is meant to query, calling only reviewed analytics functions and
operators, casting only to plain types, in every syntactic position (FROM functions, column
notation, operators, function-style casts, unqualified names). ``EXPLAIN`` is refused: plans and
their row estimates describe rows of every store, not only the caller's.

The guard is one layer of defence: the query still runs as a least-privilege role, in a
``READ ONLY`` transaction, with a statement timeout, ``search_path`` set to ``retail`` (plus the
implicit ``pg_catalog``), and the database revokes from that role what the guard refuses.

Every rejection raises :class:`~zava_mcp.errors.QueryRejectedError` with a short message that
names the construct and never echoes long input back.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pglast
from pglast import ast

from zava_mcp.db.guard_tree import (
    _reject,
    _statement_name,
    _TreeChecker,
)
from zava_mcp.errors import QueryRejectedError

__all__ = ["GuardedQuery", "check_query"]

_T = TypeVar("_T")

#: Default upper bound on the length of the query text, in characters.
DEFAULT_MAX_LENGTH = 20_000
#: Hard upper bound on the number of lexical tokens, whatever ``max_length`` says: it bounds the
#: depth of the parse tree, hence the native stack the parser needs.
MAX_TOKENS = 25_000
#: Maximum nesting of parentheses and brackets in the query text.
MAX_BRACKET_DEPTH = 100

# pglast builds its Python tree recursively in C: a deep (but short) query can overflow a small
# thread stack and crash the process. Parsing runs in a short-lived thread with a large stack
# (virtual memory; only the pages actually touched are committed).
_PARSER_STACK_SIZE = 64 * 1024 * 1024
_PARSER_TIMEOUT_SECONDS = 30.0
# If no big-stack thread can be started (the platform refuses a stack size, or thread
# creation fails), parse inline, but only small queries.
_INLINE_PARSE_MAX_TOKENS = 1_500
_stack_size_lock = threading.Lock()

_MAX_PARSER_MESSAGE = 160


#: only :func:`check_query` holds this: a :class:`GuardedQuery` cannot be built anywhere else
_ACCEPTED = object()


@dataclass(frozen=True)
class GuardedQuery:
    """A query the guard accepted; only :func:`check_query` can make one, so a function that takes
    a ``GuardedQuery`` (the tenant handle's ``run``) never receives SQL the guard did not see."""

    sql: str
    """The single statement to execute: leading/trailing comments, semicolons and whitespace
    removed (interior comments are kept)."""
    relations: frozenset[str]
    """Schema-qualified relations read, e.g. ``retail.orders`` (CTE references excluded)."""
    fingerprint: str
    """pglast fingerprint of the statement: stable across constants, whitespace and comments."""
    token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.token is not _ACCEPTED:
            raise TypeError("a GuardedQuery is made by zava_mcp.db.guard.check_query only")


def check_query(sql: str, *, max_length: int = DEFAULT_MAX_LENGTH) -> GuardedQuery:
    """Check that `sql` is a single read-only query; raise QueryRejectedError if not."""

    if not isinstance(sql, str):
        _reject("the query must be a string")
    if len(sql) > max_length:
        _reject(f"the query is too long ({len(sql)} characters; the limit is {max_length})")
    if "\x00" in sql:
        _reject("the query contains a NUL byte")
    if not sql.strip():
        _reject("the query is empty")
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:
        _reject("the query is not valid Unicode text")

    try:
        tokens = pglast.scan(sql)
    except pglast.Error as exc:
        _reject(f"could not parse the query: {_parser_message(exc)}")
    except Exception:
        _reject("could not parse the query")

    statement_sql = _prepare_text(sql, tokens)
    try:
        return _run_with_large_stack(lambda: _analyse(statement_sql))
    except _NoThreadError:
        if len(tokens) > _INLINE_PARSE_MAX_TOKENS:
            _reject("the query is too complex to check")
        return _analyse(statement_sql)


# --------------------------------------------------------------------------------------------
# Lexical pre-checks
# --------------------------------------------------------------------------------------------

_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_OPEN_BRACKETS = frozenset({"ASCII_40", "ASCII_91"})  # ( [
_CLOSE_BRACKETS = frozenset({"ASCII_41", "ASCII_93"})  # ) ]
_SEMICOLON = "ASCII_59"


def _prepare_text(sql: str, tokens: list[Any]) -> str:
    """Run the token-level checks and return the statement text to parse and execute."""

    if len(tokens) > MAX_TOKENS:
        _reject(f"the query is too complex (more than {MAX_TOKENS} tokens)")
    depth = 0
    significant = []
    for token in tokens:
        name = token.name
        if name in _COMMENT_TOKENS:
            continue
        significant.append(token)
        if name in _OPEN_BRACKETS:
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                _reject(f"the query is nested too deeply (more than {MAX_BRACKET_DEPTH} levels)")
        elif name in _CLOSE_BRACKETS:
            depth -= 1
        elif name == "SCONST":
            _check_string_literal(sql[token.start : token.end + 1])

    # Strip leading and trailing semicolons (and with them any comments around the statement).
    first, last = 0, len(significant) - 1
    while first <= last and significant[first].name == _SEMICOLON:
        first += 1
    while last >= first and significant[last].name == _SEMICOLON:
        last -= 1
    if first > last:
        _reject("the query is empty (only comments or semicolons)")
    return sql[significant[first].start : significant[last].end + 1]


def _check_string_literal(text: str) -> None:
    """Reject a plain ('...' or N'...') string literal with a backslash right before a quote.

    With ``standard_conforming_strings = off`` on the server such a literal would end somewhere
    else than where this parser ends it, letting text the guard saw as string data run as SQL.
    E'...' and dollar-quoted strings lex the same either way.
    """

    if text[:1] not in {"E", "e", "$"} and "\\'" in text:
        _reject(
            "a backslash before a quote in a string literal is ambiguous; "
            "use E'...' escape syntax or double the quote"
        )


# --------------------------------------------------------------------------------------------
# Parsing and analysis
# --------------------------------------------------------------------------------------------


def _analyse(statement_sql: str) -> GuardedQuery:
    """Parse `statement_sql` (exactly one statement expected) and check its whole tree."""

    try:
        statements = pglast.parse_sql(statement_sql)
    except pglast.Error as exc:
        _reject(f"could not parse the query: {_parser_message(exc)}")
    except Exception:
        _reject("could not parse the query")

    if not statements:
        _reject("the query is empty (only comments or semicolons)")
    if len(statements) > 1:
        _reject(f"only a single statement is allowed; got {len(statements)}")

    try:
        raw = statements[0]
        statement = raw.stmt if isinstance(raw, ast.RawStmt) else None
        if isinstance(statement, ast.ExplainStmt):
            _reject(
                "EXPLAIN is not available: plans and row estimates describe the rows of every "
                "store; run the query itself"
            )
        if not isinstance(statement, ast.SelectStmt):
            _reject(f"only SELECT queries are allowed; got {_statement_name(statement)}")
        relations = _TreeChecker(statement).check()
        fingerprint = pglast.fingerprint(statement_sql)
    except QueryRejectedError:
        raise
    except Exception:
        _reject("the query could not be analysed")
    return GuardedQuery(
        sql=statement_sql, relations=relations, fingerprint=fingerprint, token=_ACCEPTED
    )


class _NoThreadError(Exception):
    """No thread with a large stack could be started."""


def _run_with_large_stack(func: Callable[[], _T]) -> _T:
    """Run `func` in a fresh thread with a large native stack and return its result."""

    results: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(func())
        except BaseException as exc:
            errors.append(exc)

    try:
        with _stack_size_lock:
            previous = threading.stack_size(_PARSER_STACK_SIZE)
            try:
                thread = threading.Thread(target=target, name="zava-sql-guard", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous)
    except (RuntimeError, ValueError) as exc:
        raise _NoThreadError from exc

    thread.join(_PARSER_TIMEOUT_SECONDS)
    if thread.is_alive():
        _reject("the query took too long to check")
    if errors:
        error = errors[0]
        if isinstance(error, QueryRejectedError):
            raise error
        _reject("the query could not be analysed")
    if not results:
        _reject("the query could not be analysed")
    return results[0]


_NEAR_FRAGMENT = re.compile(r'(at or near ")(.*)(")', re.DOTALL)
_MAX_NEAR_FRAGMENT = 40


def _shorten_fragment(match: re.Match[str]) -> str:
    fragment = match.group(2)
    if len(fragment) > _MAX_NEAR_FRAGMENT:
        fragment = fragment[: _MAX_NEAR_FRAGMENT - 3] + "..."
    return match.group(1) + fragment + match.group(3)


def _parser_message(exc: BaseException) -> str:
    """pglast's short message, with the quoted input fragment and the whole message capped."""

    message = str(exc.args[0]) if exc.args else str(exc)
    message = " ".join(message.split())
    message = _NEAR_FRAGMENT.sub(_shorten_fragment, message, count=1)
    if len(message) > _MAX_PARSER_MESSAGE:
        message = message[: _MAX_PARSER_MESSAGE - 3] + "..."
    return message
