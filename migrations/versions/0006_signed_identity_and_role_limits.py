"""signed identity binding and application-role limits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

The identity a transaction is bound to can no longer be forged from SQL, even by a session that
could run ``SET``: the server binds ``zava.manager_id`` to ``<uuid>.<mac>``, where the MAC is
``sha256(key || sha256(key || uuid))`` over a key in ``zava_private.identity_key`` that only the
owner can read. ``retail.current_manager_id()`` (now SECURITY DEFINER, so it can read the key)
returns the manager id only when the MAC matches; any other value binds nobody and RLS shows no
tenant rows.

The application role's defaults are tightened: ``search_path`` is ``retail`` alone (unqualified
names never resolve through ``public``), and each session's memory is bounded (``work_mem``,
``hash_mem_multiplier``, parallel workers). ``temp_file_limit`` needs a superuser: the bootstrap
SQL sets it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
ROLE_SETTINGS = {
    "search_path": "retail",
    "work_mem": "'16MB'",
    "hash_mem_multiplier": "1",
    "max_parallel_workers_per_gather": "2",
}
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

SIGNED_CURRENT_MANAGER_ID = rf"""
CREATE OR REPLACE FUNCTION retail.current_manager_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN s.v ~ '^{UUID_PATTERN}\.[0-9a-f]{{64}}$'
     AND pg_catalog.substr(s.v, 38) = pg_catalog.encode(pg_catalog.sha256(
           k.key || pg_catalog.sha256(
             k.key || pg_catalog.convert_to(pg_catalog.substr(s.v, 1, 36), 'UTF8'))), 'hex')
    THEN pg_catalog.substr(s.v, 1, 36)::uuid
  END
  FROM (SELECT pg_catalog.current_setting('zava.manager_id', true) AS v) AS s
  CROSS JOIN zava_private.identity_key AS k
$$
"""
UNSIGNED_CURRENT_MANAGER_ID = f"""
CREATE OR REPLACE FUNCTION retail.current_manager_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY INVOKER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN v ~ '^{UUID_PATTERN}$' THEN v::uuid END
  FROM (SELECT pg_catalog.current_setting('zava.manager_id', true) AS v) AS s
$$
"""


def _role_settings(statements: str) -> None:
    # Role settings need ADMIN on the role; a DBA-made role without it gets a warning and the
    # `zava-mcp doctor` check names what is missing.
    op.execute(
        f"""
        DO $$
        BEGIN
          {statements}
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE WARNING 'cannot change defaults of role {APP_ROLE}; ask the DBA to run ALTER ROLE';
        END
        $$
        """
    )


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("CREATE SCHEMA zava_private")
    op.execute("REVOKE ALL ON SCHEMA zava_private FROM PUBLIC")
    op.execute(
        """
        CREATE TABLE zava_private.identity_key (
            id integer NOT NULL DEFAULT 1,
            key bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_identity_key PRIMARY KEY (id),
            CONSTRAINT ck_identity_key_single_row CHECK (id = 1)
        )
        """
    )
    op.execute("REVOKE ALL ON zava_private.identity_key FROM PUBLIC")
    # 244 random bits (two v4 UUIDs from the server's strong random source) hashed to 32 bytes
    op.execute(
        "INSERT INTO zava_private.identity_key (key) VALUES (sha256(convert_to("
        "gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))"
    )
    op.execute(SIGNED_CURRENT_MANAGER_ID)
    _role_settings(
        "\n".join(
            f"ALTER ROLE {APP_ROLE} SET {name} = {value};" for name, value in ROLE_SETTINGS.items()
        )
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    _role_settings(
        "\n".join(
            f"ALTER ROLE {APP_ROLE} RESET {name};"
            for name in ROLE_SETTINGS
            if name != "search_path"
        )
        + f"\nALTER ROLE {APP_ROLE} SET search_path = retail, public;"
    )
    op.execute(UNSIGNED_CURRENT_MANAGER_ID)
    op.execute("DROP SCHEMA zava_private CASCADE")
