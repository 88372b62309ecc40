"""Client configurations that run as printed: VS Code (HTTP) and Claude Desktop (stdio).

A stdio entry is started by the client, from the client's own working directory, with only the
environment the entry names. So the command is an absolute path, and every setting the server
needs that differs from its default (from the environment or from ``.env``) is written into the
entry; secrets are never printed, their places hold ``<...>`` placeholders instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from zava_mcp.infra.settings import Settings, documented_names, flat_values
from zava_mcp.seed.catalogue import Manager, load_catalogue

#: set per entry (each stdio entry is one fixed identity)
PER_ENTRY = frozenset({"auth_mode", "dev_manager_id"})
#: only the HTTP transport reads these; a stdio server has no listener or tokens
HTTP_ONLY = frozenset(
    {
        "host",
        "port",
        "mcp_path",
        "public_base_url",
        "http_json_response",
        "allowed_hosts",
        "allowed_origins",
        "trusted_proxies",
        "jwt_jwks_url",
        "jwt_public_key",
        "jwt_issuer",
        "jwt_audience",
        "jwt_algorithm",
        "jwt_identity_claim",
        "jwt_authorization_servers",
    }
)
#: only the embedded PostgreSQL reads these
EMBEDDED_ONLY = frozenset({"data_dir", "embedded_port", "embedded_database"})
LEVELS = (
    ("store", "store-manager"),
    ("region", "regional-manager"),
    ("head_office", "head-office"),
)


def server_command() -> list[str]:
    """The absolute command that starts this installation's ``zava-mcp``.

    The console script next to the running interpreter when there is one (a venv's bin/), else
    the interpreter itself with ``-m zava_mcp``. Not ``shutil.which``: a client does not have
    the venv on its PATH, and the interpreter path is not resolved (that would leave the venv).
    """
    python = Path(os.path.abspath(sys.executable))
    script = python.parent / ("zava-mcp.exe" if os.name == "nt" else "zava-mcp")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(python), "-m", "zava_mcp"]


def _env_value(name: str, value: Any) -> str:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if name.endswith("database_url"):
            try:
                url = make_url(secret)
            except Exception:
                return f"<your ZAVA_{name.upper()}>"
            # the URL as given, its password replaced by a placeholder naming the role
            shown = url.render_as_string(hide_password=True)
            if url.password is not None:
                shown = shown.replace(":***@", f":<password of {url.username}>@", 1)
            return shown
        return f"<your ZAVA_{name.upper()}>"
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def stdio_environment(settings: Settings) -> dict[str, str]:
    """``ZAVA_*`` variables for a stdio entry: each setting the server reads that is not at its
    default, plus the data folder (its default is relative to the working directory)."""
    env: dict[str, str] = {}
    defaults = documented_names()
    for name, value in flat_values(settings).items():
        if name in PER_ENTRY or name in HTTP_ONLY:
            continue
        if name in EMBEDDED_ONLY and not settings.uses_embedded:
            continue
        if name != "data_dir" and value == defaults[name]:
            continue
        if value is None:
            continue
        env[f"ZAVA_{name.upper()}"] = _env_value(name, value)
    return env


def sample_managers() -> dict[str, Manager]:
    """One manager of each access level, by entry name."""
    catalogue = load_catalogue()
    return {
        f"zava-{label}": next(m for m in catalogue.managers if m.access_level == level)
        for level, label in LEVELS
    }


def vscode_config(settings: Settings, managers: dict[str, Manager]) -> dict[str, Any]:
    url = f"{settings.base_url}{settings.mcp_path}"
    servers: dict[str, Any] = {}
    for name, manager in managers.items():
        if settings.auth_mode == "jwt":
            headers = {"Authorization": f"Bearer <a token for {manager.code}>"}
        else:
            headers = {"x-rls-user-id": str(manager.id)}
        servers[name] = {"type": "http", "url": url, "headers": headers}
    return {"servers": servers}


def claude_config(settings: Settings, managers: dict[str, Manager]) -> dict[str, Any]:
    command, *prefix = server_command()
    base_env = stdio_environment(settings)
    return {
        "mcpServers": {
            name: {
                "command": command,
                "args": [*prefix, "serve", "--transport", "stdio"],
                "env": {"ZAVA_AUTH_MODE": "dev", "ZAVA_DEV_MANAGER_ID": str(m.id), **base_env},
            }
            for name, m in managers.items()
        }
    }


def render(settings: Settings) -> str:
    """What ``zava-mcp clients`` prints."""
    managers = sample_managers()
    who = ", ".join(f"{name}: {m.full_name} ({m.access_level})" for name, m in managers.items())
    if settings.auth_mode == "jwt":
        http_note = "# (the server runs in jwt mode: put each manager's token in place of <...>)"
    else:
        http_note = (
            "# (the server must run in ZAVA_AUTH_MODE=header, which trusts x-rls-user-id from\n"
            "# ZAVA_TRUSTED_PROXIES only (loopback by default): for local use)"
        )
    claude = claude_config(settings, managers)
    placeholders = any(
        "<" in v for entry in claude["mcpServers"].values() for v in entry["env"].values()
    )
    lines = [
        f"# Managers: {who}",
        f"# VS Code: .vscode/mcp.json, over HTTP to {settings.base_url}{settings.mcp_path}",
        http_note,
        json.dumps(vscode_config(settings, managers), indent=2),
        "# Claude Desktop: claude_desktop_config.json (stdio, one fixed identity per entry;",
        "# the client starts the server itself with this command and environment)",
    ]
    if placeholders:
        lines.append("# Replace each <...> with the secret it names before use.")
    lines.append(json.dumps(claude, indent=2))
    return "\n".join(lines)
