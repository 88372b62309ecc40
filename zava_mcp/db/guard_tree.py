"""The guard's walk over a parse tree: every node, function, operator, type, relation and
column-notation field checked against the allowlists of :mod:`zava_mcp.security.policy`.

Used by :mod:`zava_mcp.db.guard`, which parses the text; this module only reads trees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NoReturn

from pglast import ast
from pglast.enums import A_Expr_Kind, LockClauseStrength

from zava_mcp.db.statement_names import statement_name as _statement_name
from zava_mcp.errors import QueryRejectedError
from zava_mcp.security import policy

#: Maximum depth of the parse tree (counted in AST nodes).
MAX_AST_DEPTH = 1_000
_MAX_NAME_IN_MESSAGE = 64

_LOCK_STRENGTH_NAMES: dict[LockClauseStrength, str] = {
    LockClauseStrength.LCS_FORKEYSHARE: "FOR KEY SHARE",
    LockClauseStrength.LCS_FORSHARE: "FOR SHARE",
    LockClauseStrength.LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
    LockClauseStrength.LCS_FORUPDATE: "FOR UPDATE",
}

_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+")


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


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _reject(message: str) -> NoReturn:
    raise QueryRejectedError(message)


def _short(name: str) -> str:
    if len(name) <= _MAX_NAME_IN_MESSAGE:
        return name
    return name[: _MAX_NAME_IN_MESSAGE - 3] + "..."
