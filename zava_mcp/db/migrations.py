"""Run the Alembic revisions programmatically (the same ones `alembic upgrade head` runs).

The revisions live in the top-level ``migrations/`` folder and ship inside the wheel as the
``zava_mcp._migrations`` package, so an installed zava-mcp migrates without a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

MIGRATIONS_PACKAGE = "zava_mcp._migrations"


def script_location() -> Path:
    """The folder holding env.py and versions/, from the installed package."""
    folder = files(MIGRATIONS_PACKAGE)
    # Alembic loads env.py and the revisions from real files; pip always installs them as files
    # (a zipped install would need extracting the whole tree, which nothing here does)
    if not isinstance(folder, Path):
        raise RuntimeError(f"{MIGRATIONS_PACKAGE} is not installed as files: {folder}")
    return folder


def alembic_config(url: URL | None = None) -> Config:
    # No alembic.ini: its options only matter to the alembic CLI run in a checkout
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.set_main_option("path_separator", "os")
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
