"""audit trail of tool calls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

``audit.tool_calls`` is append-only: the application role may only call
``audit.record_tool_call`` (SECURITY DEFINER), which appends one row whose ``row_hash`` chains
over the previous row's hash, so an edited or deleted row is visible to ``zava-mcp audit
verify``. The application role cannot read, update or delete rows. Each record is written in
its own read-write transaction, so it survives the tool call's own rollback.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
RECORD_SIGNATURE = (
    "audit.record_tool_call(uuid, text, jsonb, text, integer, numeric, text, text, text)"
)


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("CREATE SCHEMA audit")
    op.execute("REVOKE ALL ON SCHEMA audit FROM PUBLIC")
    op.execute(
        """
        CREATE TABLE audit.tool_calls (
            id bigint GENERATED ALWAYS AS IDENTITY,
            called_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            manager_id uuid,
            tool text NOT NULL,
            arguments jsonb NOT NULL,
            arguments_hash text NOT NULL,
            rows_returned integer,
            duration_ms numeric(12, 3) NOT NULL,
            outcome text NOT NULL,
            error_code text,
            request_id text,
            prev_hash text NOT NULL,
            row_hash text NOT NULL,
            CONSTRAINT pk_tool_calls PRIMARY KEY (id),
            CONSTRAINT ck_tool_calls_outcome CHECK (outcome IN ('ok', 'error'))
        )
        """
    )
    op.execute("CREATE INDEX ix_audit_tool_calls_called_at ON audit.tool_calls (called_at)")
    op.execute("CREATE INDEX ix_audit_tool_calls_manager_id ON audit.tool_calls (manager_id)")
    op.execute(
        """
        CREATE FUNCTION audit.row_digest(
            prev_hash text, called_at timestamptz, manager_id uuid, tool text, arguments_hash text,
            rows_returned integer, duration_ms numeric, outcome text, error_code text,
            request_id text
        ) RETURNS text
        LANGUAGE sql IMMUTABLE
        SET search_path = pg_catalog, pg_temp
        AS $$
          SELECT encode(sha256(convert_to(concat_ws('|',
            prev_hash, to_char(called_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            coalesce(manager_id::text, '-'), tool, arguments_hash,
            coalesce(rows_returned::text, '-'), duration_ms::text, outcome,
            coalesce(error_code, '-'), coalesce(request_id, '-')), 'UTF8')), 'hex')
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION audit.record_tool_call(
            p_manager_id uuid, p_tool text, p_arguments jsonb, p_arguments_hash text,
            p_rows_returned integer, p_duration_ms numeric, p_outcome text, p_error_code text,
            p_request_id text
        ) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $$
        DECLARE
          v_prev text;
          v_at timestamptz := clock_timestamp();
          v_id bigint;
          v_duration numeric(12, 3) := round(p_duration_ms, 3);
        BEGIN
          -- one writer at a time keeps the chain linear
          PERFORM pg_catalog.pg_advisory_xact_lock(7420611, 1);
          SELECT t.row_hash INTO v_prev FROM audit.tool_calls AS t ORDER BY t.id DESC LIMIT 1;
          v_prev := coalesce(v_prev, 'genesis');
          INSERT INTO audit.tool_calls (called_at, manager_id, tool, arguments, arguments_hash,
                                        rows_returned, duration_ms, outcome, error_code,
                                        request_id, prev_hash, row_hash)
          VALUES (v_at, p_manager_id, left(p_tool, 100), p_arguments, p_arguments_hash,
                  p_rows_returned, v_duration, p_outcome, left(p_error_code, 64),
                  left(p_request_id, 64), v_prev,
                  audit.row_digest(v_prev, v_at, p_manager_id, left(p_tool, 100),
                                   p_arguments_hash, p_rows_returned, v_duration, p_outcome,
                                   left(p_error_code, 64), left(p_request_id, 64)))
          RETURNING id INTO v_id;
          RETURN v_id;
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {RECORD_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA audit TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION {RECORD_SIGNATURE} TO {APP_ROLE}")
    op.execute("REVOKE ALL ON audit.tool_calls FROM PUBLIC")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(f"REVOKE USAGE ON SCHEMA audit FROM {APP_ROLE}")
    op.execute("DROP SCHEMA audit CASCADE")
