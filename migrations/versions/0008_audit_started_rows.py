"""audit: a "started" row per call, written beside the call, and rows appended in batches

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

The pipeline no longer writes a call's audit row after the tool body, on the answer's critical
path. A call's ``started`` row is appended as the call begins, concurrently with the tool body,
and the call answers only once it is committed (fail closed); the outcome row (``ok`` or
``error``, rows returned, duration) follows after the answer. Both go through the unchanged
``audit.record_tool_call``, so both are in the hash chain; they share the call's
``request_id``, which gets an index for joining them.

``audit.record_tool_calls(jsonb)`` appends a JSON array of such rows in array order, each
through ``audit.record_tool_call`` (same chain, same checks), in the caller's one transaction:
the server's writer commits every row waiting at that moment with one WAL flush (group commit)
instead of one flush per row.
"""

from collections.abc import Sequence

from alembic import op

APP_ROLE = "zava_app"
BATCH_SIGNATURE = "audit.record_tool_calls(jsonb)"

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
    op.execute(
        """
        CREATE FUNCTION audit.record_tool_calls(p_rows jsonb) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $$
        DECLARE
          r jsonb;
          n integer := 0;
        BEGIN
          IF jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'audit rows must be a JSON array' USING ERRCODE = '22023';
          END IF;
          FOR r IN SELECT e.value FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS e
                   ORDER BY e.ordinality
          LOOP
            PERFORM audit.record_tool_call(
              (r ->> 'manager_id')::uuid, r ->> 'tool', r -> 'arguments',
              r ->> 'arguments_hash', (r ->> 'rows_returned')::integer,
              (r ->> 'duration_ms')::numeric, r ->> 'outcome', r ->> 'error_code',
              r ->> 'request_id');
            n := n + 1;
          END LOOP;
          RETURN n;
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {BATCH_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {BATCH_SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(f"DROP FUNCTION {BATCH_SIGNATURE}")
    op.execute("DROP INDEX audit.ix_audit_tool_calls_request_id")
    # rows already appended stay (the trail is append-only): the old rule holds for new rows
    op.execute(
        "ALTER TABLE audit.tool_calls DROP CONSTRAINT ck_tool_calls_outcome, "
        "ADD CONSTRAINT ck_tool_calls_outcome CHECK (outcome IN ('ok', 'error')) NOT VALID"
    )
