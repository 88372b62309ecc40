"""The ground floor stays the ground floor, and resolving URLs starts nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from zava_mcp.db.urls import resolve_urls
from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.settings import Settings

PACKAGE = Path(__file__).resolve().parents[1] / "zava_mcp"
# infra/ may import the ground-floor modules beside it, nothing of the layers built on it
GROUND = {"zava_mcp.errors", "zava_mcp.identity"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "infra").glob("*.py")), ids=lambda p: p.name)
def test_infra_imports_nothing_above_it(path: Path) -> None:
    upward = {
        name
        for name in imported_modules(path)
        if name.startswith("zava_mcp.")
        and not name.startswith("zava_mcp.infra")
        and name not in GROUND
    }
    assert upward == set()


def test_resolving_embedded_urls_starts_nothing(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "zava")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="zava-mcp db start"):
        resolve_urls(settings)
    assert not (tmp_path / "zava").exists()  # no initdb, no credentials, no server


def test_resolving_configured_urls_needs_both(tmp_path: Path) -> None:
    app = "postgresql://zava_app:pw@db.example.com:5432/zava"
    owner = "postgresql://zava_owner:pw@db.example.com:5432/zava"
    both = Settings(_env_file=None, database_url=app, admin_database_url=owner)  # type: ignore[call-arg]
    urls = resolve_urls(both)
    assert (urls.app.username, urls.admin.username) == ("zava_app", "zava_owner")
    assert urls.app.drivername == "postgresql+asyncpg"
    with pytest.raises(ConfigurationError, match="set both"):
        resolve_urls(Settings(_env_file=None, database_url=app))  # type: ignore[call-arg]
