"""audit: a "started" row per call, written beside the call

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

The pipeline no longer writes a call's audit row after the tool body, on the answer's critical
path. A call's ``started`` row is appended as the call begins, concurrently with the tool body,
and the call answers only once it is committed (fail closed); the outcome row (``ok`` or
``error``, rows returned, duration) follows after the answer. Both go through the unchanged
``audit.record_tool_call``, so both are in the hash chain; they share the call's
``request_id``, which gets an index for joining them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        "ALTER TABLE audit.tool_calls DROP CONSTRAINT ck_tool_calls_outcome, "
        "ADD CONSTRAINT ck_tool_calls_outcome CHECK (outcome IN ('started', 'ok', 'error'))"
    )
    op.execute("CREATE INDEX ix_audit_tool_calls_request_id ON audit.tool_calls (request_id)")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("DROP INDEX audit.ix_audit_tool_calls_request_id")
    # rows already appended stay (the trail is append-only): the old rule holds for new rows
    op.execute(
        "ALTER TABLE audit.tool_calls DROP CONSTRAINT ck_tool_calls_outcome, "
        "ADD CONSTRAINT ck_tool_calls_outcome CHECK (outcome IN ('ok', 'error')) NOT VALID"
    )
