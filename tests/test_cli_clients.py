"""The command line as a new user meets it: printed client entries, and one-line failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastmcp.server.auth.providers.jwt import RSAKeyPair

from tests.conftest import manager_identity
from tests.servers import database_env, mcp_server
from zava_mcp.infra.embedded import EmbeddedPostgres, free_port


def run_cli(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "zava_mcp", *args],
        env=full,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


def claude_entries(stdout: str) -> dict[str, dict[str, object]]:
    start = stdout.index("# Claude Desktop")
    body = "\n".join(line for line in stdout[start:].splitlines() if not line.startswith("#"))
    entries: dict[str, dict[str, object]] = json.loads(body)["mcpServers"]
    return entries


def test_printed_entries_carry_non_default_settings(tmp_path: Path) -> None:
    env = {"ZAVA_EMBEDDED_PORT": "54349", "ZAVA_SLOW_QUERY_MS": "250"}
    (tmp_path / ".env").write_text("ZAVA_MAX_ROWS=200\n")  # read from the folder it runs in
    out = run_cli("clients", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    entries = claude_entries(out.stdout)
    assert len(entries) == 3
    for entry in entries.values():
        command = Path(str(entry["command"]))
        assert command.is_absolute() and os.access(command, os.X_OK)
        assert entry["env"] == {
            "ZAVA_AUTH_MODE": "dev",
            "ZAVA_DEV_MANAGER_ID": entry["env"]["ZAVA_DEV_MANAGER_ID"],  # type: ignore[index]
            "ZAVA_DATA_DIR": str(tmp_path.resolve() / ".zava"),
            "ZAVA_EMBEDDED_PORT": "54349",
            "ZAVA_MAX_ROWS": "200",
            "ZAVA_SLOW_QUERY_MS": "250",
        }


def test_jwt_mode_entries_ask_for_a_token(tmp_path: Path) -> None:
    out = run_cli("clients", env={"ZAVA_AUTH_MODE": "jwt", "ZAVA_PORT": "8123"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    start = out.stdout.index("{")
    end = out.stdout.index("# Claude Desktop")
    vscode = json.loads(out.stdout[start:end])["servers"]
    for entry in vscode.values():
        assert entry["url"] == "http://127.0.0.1:8123/mcp"
        assert entry["headers"]["Authorization"].startswith("Bearer <a token for ")
    for entry in claude_entries(out.stdout).values():
        assert "ZAVA_PORT" not in entry["env"]  # a stdio server has no listener
        assert entry["env"]["ZAVA_AUTH_MODE"] == "dev"  # type: ignore[index]


def test_printed_entries_never_print_secrets(tmp_path: Path) -> None:
    env = {
        "ZAVA_DATABASE_URL": "postgresql://zava_app:app-s3cret@db.example.com:5432/zava",
        "ZAVA_ADMIN_DATABASE_URL": "postgresql://zava_owner:owner-s3cret@db.example.com/zava",
        "ZAVA_EMBEDDING_PROVIDER": "openai",
        "ZAVA_OPENAI_API_KEY": "sk-not-for-printing",
    }
    out = run_cli("clients", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for secret in ("app-s3cret", "owner-s3cret", "sk-not-for-printing"):
        assert secret not in out.stdout + out.stderr
    entry_env = next(iter(claude_entries(out.stdout).values()))["env"]
    assert entry_env == {
        "ZAVA_AUTH_MODE": "dev",
        "ZAVA_DEV_MANAGER_ID": entry_env["ZAVA_DEV_MANAGER_ID"],  # type: ignore[index]
        "ZAVA_DATABASE_URL": "postgresql://zava_app:<password of zava_app>@"
        "db.example.com:5432/zava",
        "ZAVA_ADMIN_DATABASE_URL": "postgresql://zava_owner:<password of zava_owner>@"
        "db.example.com/zava",
        "ZAVA_EMBEDDING_PROVIDER": "openai",
        "ZAVA_OPENAI_API_KEY": "<your ZAVA_OPENAI_API_KEY>",
    }  # no ZAVA_DATA_DIR: the embedded database is not in use
    assert "Replace each <...>" in out.stdout


def test_call_against_a_stopped_server_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    out = run_cli("call", "get_current_user_info", "--manager", "sm-leeds", "--url", url, env={})
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"zava-mcp: [UNAVAILABLE] cannot connect to {url}: is the server running? Start it "
        "with scripts/run or zava-mcp serve, or pass --url"
    ]
    debug = run_cli("call", "get_current_user_info", "--url", url, "--debug", env={})
    assert debug.returncode != 0 and "Traceback" in debug.stderr


@pytest.mark.usefixtures("seeded")
def test_call_with_an_expired_token_names_401_and_expiry(
    pg: EmbeddedPostgres, tmp_path: Path
) -> None:
    keys = RSAKeyPair.generate()
    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "jwt",
        "ZAVA_JWT_PUBLIC_KEY": keys.public_key,
        "ZAVA_JWT_ISSUER": "https://login.zava.example",
        "ZAVA_JWT_AUDIENCE": "zava-mcp",
        "ZAVA_POOL_SIZE": "2",
    }
    expired = keys.create_token(
        subject="ho-1",
        issuer="https://login.zava.example",
        audience="zava-mcp",
        expires_in_seconds=-120,
        additional_claims={"rls_user_id": str(manager_identity("ho-1"))},
    )
    with mcp_server(env, log=tmp_path / "server.log") as base:
        out = run_cli(
            "call", "get_current_utc_date", "--token", expired, "--url", f"{base}/mcp", env={}
        )
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("zava-mcp: [UNAUTHENTICATED]")
    assert "HTTP 401" in lines[0] and "expired" in lines[0]
    assert expired not in out.stderr


@pytest.mark.usefixtures("seeded")
def test_stdio_server_with_a_wrong_port_fails_in_one_line(pg: EmbeddedPostgres) -> None:
    """The issue's crash: the data folder of a running cluster, but not its port."""
    env = {"ZAVA_DATA_DIR": str(pg.data_dir), "ZAVA_EMBEDDED_PORT": str(free_port())}
    out = run_cli("serve", "--transport", "stdio", env=env)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("zava-mcp: [")]
    assert len(errors) == 1, out.stderr
    assert out.stdout == ""  # stdout carries only MCP
