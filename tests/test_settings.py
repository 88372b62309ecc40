"""The settings class and its documentation stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from zava_mcp.infra.settings import Settings, documented_names, settings_error

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*ZAVA_([A-Z0-9_]+)=", text, re.MULTILINE))
    fields = {name.upper() for name in documented_names()}
    assert fields - documented == set()
    assert documented - fields == set()


def test_env_example_values_are_valid(tmp_path: Path) -> None:
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.auth_mode == "dev"
    assert settings.trusted_proxies == ["127.0.0.1/32", "::1/128"]
    assert settings.uses_embedded


def test_readme_configuration_table_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in documented_names() if f"ZAVA_{n.upper()}" not in readme]
    assert missing == []


def readme_default(value: object) -> str:
    """A default as the README's configuration table writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(f'"{v}"' for v in value) + "]"
    return str(value)


def test_readme_defaults_are_the_settings_defaults() -> None:
    """Every row of the README's configuration table against the settings class."""
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `ZAVA_([A-Z0-9_]+)` \| `?([^|`]*)`? \|", readme, re.MULTILINE))
    names = documented_names()
    assert set(rows) == {n.upper() for n in names}
    for name, default in names.items():
        if name == "data_dir":  # the default is relative to the working directory
            assert rows["DATA_DIR"] == "./.zava"
            continue
        expected = readme_default(default)
        assert rows[name.upper()].strip() == expected, name


def test_flat_and_nested_names_reach_the_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented flat names keep working beside the nested form, from env and .env."""
    env_file = tmp_path / ".env"
    env_file.write_text("ZAVA_MAX_ROWS=9\nZAVA_EMBEDDING_PROVIDER=openai\nZAVA_POOL_SIZE=4\n")
    monkeypatch.setenv("ZAVA_POOL_SIZE", "3")
    monkeypatch.setenv("ZAVA_POOL_MAX_OVERFLOW", "2")
    monkeypatch.setenv("ZAVA_LIMITS__LOCK_TIMEOUT_MS", "500")
    monkeypatch.setenv("ZAVA_EMBEDDING_THREADS", "2")
    settings = Settings(_env_file=env_file, statement_timeout_ms=200)  # type: ignore[call-arg]
    assert (settings.pool.pool_size, settings.pool.max_overflow) == (3, 2)  # env beats .env
    assert settings.limits.max_rows == 9
    assert (settings.limits.statement_timeout_ms, settings.limits.lock_timeout_ms) == (200, 500)
    assert (settings.embedding.provider, settings.embedding.threads) == ("openai", 2)


def test_a_bad_flat_value_is_named_by_its_flat_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZAVA_POOL_MAX_OVERFLOW", "-1")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings_error(caught.value).startswith("ZAVA_POOL_MAX_OVERFLOW: ")
