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
