"""data version for cache invalidation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

One row whose ``version`` the seed and every migration run bump. Servers poll it and clear
their result caches when it moves, so no cached answer outlives the data it was computed from.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        """
        CREATE TABLE retail.data_version (
            id integer NOT NULL DEFAULT 1,
            version bigint NOT NULL DEFAULT 1,
            changed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_data_version PRIMARY KEY (id),
            CONSTRAINT ck_data_version_single_row CHECK (id = 1)
        )
        """
    )
    op.execute("INSERT INTO retail.data_version (id, version) VALUES (1, 1)")
    op.execute(f"GRANT SELECT ON retail.data_version TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("DROP TABLE retail.data_version")
