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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, LockClauseStrength, TransactionStmtKind, VariableSetKind

from zava_mcp.errors import QueryRejectedError
from zava_mcp.security import policy

__all__ = ["GuardedQuery", "check_query"]

_T = TypeVar("_T")

#: Default upper bound on the length of the query text, in characters.
DEFAULT_MAX_LENGTH = 20_000
#: Hard upper bound on the number of lexical tokens, whatever ``max_length`` says: it bounds the
#: depth of the parse tree, hence the native stack the parser needs.
MAX_TOKENS = 25_000
#: Maximum nesting of parentheses and brackets in the query text.
MAX_BRACKET_DEPTH = 100
#: Maximum depth of the parse tree (counted in AST nodes).
MAX_AST_DEPTH = 1_000

# pglast builds its Python tree recursively in C: a deep (but short) query can overflow a small
# thread stack and crash the process. Parsing runs in a short-lived thread with a large stack
# (virtual memory; only the pages actually touched are committed).
_PARSER_STACK_SIZE = 64 * 1024 * 1024
_PARSER_TIMEOUT_SECONDS = 30.0
# If no big-stack thread can be started (the platform refuses a stack size, or thread
# creation fails), parse inline, but only small queries.
_INLINE_PARSE_MAX_TOKENS = 1_500
_stack_size_lock = threading.Lock()

_MAX_NAME_IN_MESSAGE = 64
_MAX_PARSER_MESSAGE = 160

_LOCK_STRENGTH_NAMES: dict[LockClauseStrength, str] = {
    LockClauseStrength.LCS_FORKEYSHARE: "FOR KEY SHARE",
    LockClauseStrength.LCS_FORSHARE: "FOR SHARE",
    LockClauseStrength.LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
    LockClauseStrength.LCS_FORUPDATE: "FOR UPDATE",
}

_TRANSACTION_NAMES: dict[TransactionStmtKind, str] = {
    TransactionStmtKind.TRANS_STMT_BEGIN: "BEGIN",
    TransactionStmtKind.TRANS_STMT_START: "START TRANSACTION",
    TransactionStmtKind.TRANS_STMT_COMMIT: "COMMIT",
    TransactionStmtKind.TRANS_STMT_ROLLBACK: "ROLLBACK",
    TransactionStmtKind.TRANS_STMT_SAVEPOINT: "SAVEPOINT",
    TransactionStmtKind.TRANS_STMT_RELEASE: "RELEASE SAVEPOINT",
    TransactionStmtKind.TRANS_STMT_ROLLBACK_TO: "ROLLBACK TO SAVEPOINT",
    TransactionStmtKind.TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
    TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
    TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
}

_STATEMENT_NAMES: dict[str, str] = {
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "CopyStmt": "COPY",
    "DoStmt": "DO",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
    "DeallocateStmt": "DEALLOCATE",
    "VariableShowStmt": "SHOW",
    "ListenStmt": "LISTEN",
    "UnlistenStmt": "UNLISTEN",
    "NotifyStmt": "NOTIFY",
    "LockStmt": "LOCK",
    "CallStmt": "CALL",
    "TruncateStmt": "TRUNCATE",
    "GrantRoleStmt": "GRANT ROLE",
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "IndexStmt": "CREATE INDEX",
    "ViewStmt": "CREATE VIEW",
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTrigStmt": "CREATE TRIGGER",
    "RuleStmt": "CREATE RULE",
    "RenameStmt": "ALTER ... RENAME",
    "DeclareCursorStmt": "DECLARE CURSOR",
    "FetchStmt": "FETCH",
    "ClosePortalStmt": "CLOSE",
    "CheckPointStmt": "CHECKPOINT",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "ConstraintsSetStmt": "SET CONSTRAINTS",
    "SecLabelStmt": "SECURITY LABEL",
    "CommentStmt": "COMMENT",
    "DefineStmt": "CREATE",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "AlterSeqStmt": "ALTER SEQUENCE",
}

_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+")


@dataclass(frozen=True)
class GuardedQuery:
    """A query the guard accepted."""

    sql: str
    """The single statement to execute: leading/trailing comments, semicolons and whitespace
    removed (interior comments are kept)."""
    relations: frozenset[str]
    """Schema-qualified relations read, e.g. ``retail.orders`` (CTE references excluded)."""
    fingerprint: str
    """pglast fingerprint of the statement: stable across constants, whitespace and comments."""


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
    return GuardedQuery(sql=statement_sql, relations=relations, fingerprint=fingerprint)


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


class _TreeChecker:
    """Iterative walk over a raw parse tree (no Python recursion, so any depth is safe).

    Allowlist at every level: a node type not in :data:`_NODES`, a function, operator, type,
    relation or column-notation field not named in :mod:`zava_mcp.security.policy` is refused.
    """

    def __init__(self, root: ast.SelectStmt) -> None:
        self.relations: set[str] = set()
        # (item, CTE names in scope, depth)
        self._stack: list[tuple[Any, frozenset[str], int]] = [(root, frozenset(), 0)]
        # names a column-notation field may take: retail columns, relations, and every name
        # the query itself gives to an output column, alias or CTE
        self._fields: set[str] = set(_STATIC_FIELDS)
        self._notations: list[str] = []

    def check(self) -> frozenset[str]:
        while self._stack:
            item, scope, depth = self._stack.pop()
            if isinstance(item, tuple | list):
                for child in item:
                    if isinstance(child, ast.Node | tuple | list):
                        self._stack.append((child, scope, depth))
            elif isinstance(item, ast.Node):
                if depth > MAX_AST_DEPTH:
                    _reject(f"the query is nested too deeply (more than {MAX_AST_DEPTH} levels)")
                self._visit(item, scope, depth)
        for name in self._notations:
            if name in self._fields or _ANONYMOUS_FIELD.fullmatch(name):
                continue
            reason = policy.refusal_reason(name)
            if reason == policy.NOT_ANALYTICS:
                _reject(f"unknown column .{_short(name)} (not a retail column or a query alias)")
            _reject(
                f"column notation .{_short(name)} is not allowed "
                f"(function {_short(name.lower())} {reason})"
            )
        return frozenset(self.relations)

    def _push_children(
        self, node: ast.Node, scope: frozenset[str], depth: int, skip: str | None = None
    ) -> None:
        for attr, value in _children(node):
            if attr != skip:
                self._stack.append((value, scope, depth + 1))

    def _visit(self, node: ast.Node, scope: frozenset[str], depth: int) -> None:
        if isinstance(node, ast.SelectStmt):
            self._visit_select(node, scope, depth)
            return
        kind = type(node).__name__
        if _is_statement(node):
            _reject(f"{_statement_name(node)} is not allowed inside a query")
        if isinstance(node, ast.IntoClause):
            _reject("SELECT INTO is not allowed")
        if isinstance(node, ast.LockingClause):
            _reject_locking(node)
        if kind not in _NODES:
            _reject(f"{_construct_name(kind)} is not allowed in analytics queries")
        if isinstance(node, ast.RangeVar):
            self._check_relation(node, scope)
        elif isinstance(node, ast.FuncCall):
            _check_function(_name_parts(node.funcname, "function"))
        elif isinstance(node, ast.A_Expr):
            if node.kind not in _KEYWORD_EXPRESSIONS:
                _check_operator(node.name)
        elif isinstance(node, ast.SortBy):
            _check_operator(node.useOp)
        elif isinstance(node, ast.SubLink):
            _check_operator(node.operName)
        elif isinstance(node, ast.TypeName):
            _check_type(node)
        elif isinstance(node, ast.ColumnRef):
            self._notation(node.fields, skip_first=True)
        elif isinstance(node, ast.A_Indirection):
            self._notation(node.indirection, skip_first=False)
        elif isinstance(node, ast.RangeTableSample):
            _check_tablesample(node)
        self._learn_names(node)
        self._push_children(node, scope, depth)

    def _learn_names(self, node: ast.Node) -> None:
        if isinstance(node, ast.ResTarget) and node.name:
            self._fields.add(node.name)
        elif isinstance(node, ast.Alias):
            self._fields.add(node.aliasname or "")
            self._fields.update(_strings(node.colnames))
        elif isinstance(node, ast.CommonTableExpr):
            self._fields.add(node.ctename or "")
            self._fields.update(_strings(node.aliascolnames))
        elif isinstance(node, ast.ColumnDef) and node.colname:
            self._fields.add(node.colname)
        elif isinstance(node, ast.ColumnRef) and node.fields:
            last = node.fields[-1]
            if isinstance(last, ast.String) and last.sval and len(node.fields) == 1:
                # a bare column name is an output name of its subquery
                self._fields.add(last.sval)
        elif isinstance(node, ast.TypeName) and node.names:
            self._fields.update(_strings(node.names[-1:]))

    def _notation(self, fields: Any, *, skip_first: bool) -> None:
        """``t.f`` and ``(expr).f`` may call the function ``f(t)`` (column notation): each field
        must be a name the query or the retail schema gives a column; checked once the whole
        tree has been read."""
        for index, item in enumerate(fields or ()):
            if skip_first and index == 0:
                continue
            if isinstance(item, ast.String) and item.sval is not None:
                self._notations.append(item.sval)

    def _visit_select(self, node: ast.SelectStmt, scope: frozenset[str], depth: int) -> None:
        if node.intoClause is not None:
            _reject("SELECT INTO is not allowed")
        for clause in node.lockingClause or ():
            if isinstance(clause, ast.LockingClause):
                _reject_locking(clause)
            _reject("locking clauses are not allowed")
        with_clause = node.withClause
        if with_clause is None:
            self._push_children(node, scope, depth)
            return
        ctes = list(with_clause.ctes or ())
        names: list[str] = []
        for cte in ctes:
            if not isinstance(cte, ast.CommonTableExpr):
                _reject("unexpected WITH clause element")
            query = cte.ctequery
            if not isinstance(query, ast.SelectStmt):
                _reject(f"data-modifying CTE ({_statement_name(query)}) is not allowed")
            names.append(cte.ctename or "")
        all_names = scope | frozenset(names)
        for index, cte in enumerate(ctes):
            # Without RECURSIVE a CTE sees only the CTEs before it; a later sibling's name
            # resolves to a real relation, so it must not be treated as a CTE reference.
            visible = all_names if with_clause.recursive else scope | frozenset(names[:index])
            self._stack.append((cte, visible, depth + 1))
        self._push_children(node, all_names, depth, skip="withClause")

    def _check_relation(self, node: ast.RangeVar, scope: frozenset[str]) -> None:
        relname = node.relname or ""
        schema = node.schemaname
        if node.catalogname:
            _reject(
                f"relation {_short(node.catalogname)}.{_short(schema or '')}."
                f"{_short(relname)} is not allowed (database-qualified name)"
            )
        if schema is None:
            if relname in scope:
                return  # a CTE reference
            # pg_catalog is searched before the search_path (retail); every pg_catalog
            # relation is named pg_*
            schema = "pg_catalog" if relname.lower().startswith("pg_") else policy.AGENT_SCHEMA
        if schema == policy.AGENT_SCHEMA and relname in policy.AGENT_RELATIONS:
            self.relations.add(f"{schema}.{relname}")
            return
        _reject(
            f"relation {_short(schema)}.{_short(relname)} is not allowed "
            "(the retail tables are listed by get_multiple_table_schemas)"
        )


#: raw parse-tree node types a plain analytics read is made of
_NODES = frozenset(
    """
    SelectStmt ResTarget ColumnRef A_Star A_Const A_Expr BoolExpr NullTest BooleanTest FuncCall
    TypeCast TypeName CaseExpr CaseWhen CoalesceExpr MinMaxExpr SubLink RangeVar RangeSubselect
    RangeFunction JoinExpr Alias SortBy WindowDef WithClause CommonTableExpr A_ArrayExpr A_Indices
    A_Indirection RowExpr String Integer Float Boolean BitString CollateClause GroupingSet
    GroupingFunc SQLValueFunction RangeTableSample CTESearchClause CTECycleClause ColumnDef
    JsonObjectConstructor JsonArrayConstructor JsonArrayQueryConstructor JsonValueExpr
    JsonKeyValue JsonOutput JsonFormat JsonReturning JsonObjectAgg JsonArrayAgg JsonAggConstructor
    JsonIsPredicate JsonFuncExpr JsonBehavior JsonArgument JsonParseExpr JsonScalarExpr
    JsonSerializeExpr
    """.split()
)
#: A_Expr kinds whose ``name`` is a keyword (BETWEEN...), not an operator
_KEYWORD_EXPRESSIONS = frozenset(
    {
        A_Expr_Kind.AEXPR_BETWEEN,
        A_Expr_Kind.AEXPR_NOT_BETWEEN,
        A_Expr_Kind.AEXPR_BETWEEN_SYM,
        A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM,
    }
)
#: default field names of an anonymous record: ``(row(1, 2)).f1``
_ANONYMOUS_FIELD = re.compile(r"f[1-9][0-9]{0,3}")
#: output names PostgreSQL gives expressions without an alias
_IMPLICIT_NAMES = (
    "case array coalesce greatest least exists row ?column? nullif key value ordinality"
)


def _retail_columns() -> frozenset[str]:
    from zava_mcp.db.models import Base

    return frozenset(
        column.name
        for table in Base.metadata.tables.values()
        if table.schema == policy.AGENT_SCHEMA and table.name in policy.AGENT_RELATIONS
        for column in table.columns
    )


_STATIC_FIELDS = (
    _retail_columns()
    | policy.AGENT_RELATIONS
    | {policy.AGENT_SCHEMA}
    | policy.ALLOWED_FUNCTIONS
    | frozenset(_IMPLICIT_NAMES.split())
)


# --------------------------------------------------------------------------------------------
# Node checks
# --------------------------------------------------------------------------------------------


def _children(node: ast.Node) -> Iterator[tuple[str, Any]]:
    for attr in node:
        value = getattr(node, attr, None)
        if isinstance(value, ast.Node | tuple | list):
            yield attr, value


def _strings(items: Any) -> list[str]:
    return [i.sval for i in items or () if isinstance(i, ast.String) and i.sval]


def _is_statement(node: ast.Node) -> bool:
    name = type(node).__name__
    return name.endswith("Stmt") and name != "SelectStmt"


def _construct_name(kind: str) -> str:
    return " ".join(_CAMEL_WORD.findall(kind)) or "this construct"


def _name_parts(names: Any, what: str) -> list[str]:
    parts: list[str] = []
    for item in names or ():
        if not isinstance(item, ast.String) or item.sval is None:
            _reject(f"unexpected {what} name")
        parts.append(item.sval)
    if not parts:
        _reject(f"unexpected {what} name")
    return parts


def _check_function(parts: list[str]) -> None:
    name = parts[-1]
    qualified = ".".join(_short(p) for p in parts)
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "pg_catalog"):
        _reject(f"function {qualified} is not allowed (only built-in analytics functions)")
    if name not in policy.ALLOWED_FUNCTIONS:
        _reject(f"function {_short(name.lower())} is not allowed ({policy.refusal_reason(name)})")


def _check_operator(names: Any) -> None:
    """An operator must be an allowed symbol, unqualified or in pg_catalog."""

    if not names:
        return
    parts = _name_parts(names, "operator")
    qualified_ok = len(parts) == 1 or (len(parts) == 2 and parts[0] == "pg_catalog")
    if not qualified_ok or parts[-1] not in policy.ALLOWED_OPERATORS:
        _reject(f"operator {'.'.join(_short(p) for p in parts)} is not allowed")


def _check_type(node: ast.TypeName) -> None:
    parts = _name_parts(node.names, "type")
    name = parts[-1]
    qualified_ok = len(parts) == 1 or (len(parts) == 2 and parts[0] == "pg_catalog")
    if node.pct_type or node.setof or not qualified_ok or name not in policy.ALLOWED_TYPES:
        _reject(
            f"type {'.'.join(_short(p) for p in parts)} is not allowed "
            "(cast to a plain type: numeric, text, date, timestamp, ...)"
        )


def _check_tablesample(node: ast.RangeTableSample) -> None:
    parts = _name_parts(node.method, "tablesample method")
    method = parts[-1]
    schema_ok = len(parts) == 1 or (len(parts) == 2 and parts[0] == "pg_catalog")
    if not schema_ok or method.lower() not in policy.ALLOWED_TABLESAMPLE_METHODS:
        _reject(f"tablesample method {_short(method)} is not allowed")


def _reject_locking(node: ast.LockingClause) -> NoReturn:
    strength = node.strength
    label = _LOCK_STRENGTH_NAMES.get(strength) if strength is not None else None
    _reject(f"locking clause {label or 'FOR UPDATE/SHARE'} is not allowed")


def _statement_name(node: Any) -> str:
    if node is None:
        return "an empty statement"
    class_name = type(node).__name__
    if isinstance(node, ast.SelectStmt):
        return "SELECT"
    if isinstance(node, ast.ExplainStmt):
        return "EXPLAIN"
    if isinstance(node, ast.TransactionStmt) and node.kind is not None:
        return _TRANSACTION_NAMES.get(node.kind, "a transaction statement")
    if isinstance(node, ast.VariableSetStmt):
        if node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_RESET_ALL):
            return "RESET"
        return "SET"
    if isinstance(node, ast.VacuumStmt):
        return "VACUUM" if node.is_vacuumcmd else "ANALYZE"
    if isinstance(node, ast.GrantStmt):
        return "GRANT" if node.is_grant else "REVOKE"
    if class_name in _STATEMENT_NAMES:
        return _STATEMENT_NAMES[class_name]
    base = class_name.removesuffix("Stmt")
    words = _CAMEL_WORD.findall(base)
    return " ".join(word.upper() for word in words) or "an unknown statement"


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _reject(message: str) -> NoReturn:
    raise QueryRejectedError(message)


def _short(name: str) -> str:
    if len(name) <= _MAX_NAME_IN_MESSAGE:
        return name
    return name[: _MAX_NAME_IN_MESSAGE - 3] + "..."


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
