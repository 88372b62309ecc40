"""The settings class and its documentation stay in step."""

from __future__ import annotations

import re
from pathlib import Path

from zava_mcp.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*ZAVA_([A-Z0-9_]+)=", text, re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set()
    assert documented - fields == set()


def test_env_example_values_are_valid(tmp_path: Path) -> None:
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.auth_mode == "dev"
    assert settings.trusted_proxies == ["127.0.0.1/32", "::1/128"]
    assert settings.uses_embedded


def test_readme_configuration_table_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"ZAVA_{n.upper()}" not in readme]
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
    assert set(rows) == {n.upper() for n in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        if name == "data_dir":  # the default is relative to the working directory
            assert rows["DATA_DIR"] == "./.zava"
            continue
        expected = readme_default(field.get_default(call_default_factory=True))
        assert rows[name.upper()].strip() == expected, name
