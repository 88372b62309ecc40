"""Run the Alembic revisions programmatically (the same ones `alembic upgrade head` runs)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: URL | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    if url is not None:
        config.attributes["url"] = url
    return config


def upgrade(revision: str = "head", url: URL | None = None) -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str, url: URL | None = None) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(sync_connection: object) -> str | None:
    context = MigrationContext.configure(sync_connection)  # type: ignore[arg-type]
    return context.get_current_revision()
