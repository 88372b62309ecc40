"""Human names of SQL statement kinds, for the guard's rejection messages."""

from __future__ import annotations

import re
from typing import Any

from pglast import ast
from pglast.enums import TransactionStmtKind, VariableSetKind

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


def statement_name(node: Any) -> str:
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
