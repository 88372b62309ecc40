"""The zava-mcp command: doctor, bootstrap-sql, audit verify, call, and refusal to serve."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from fastmcp import Client

from tests.servers import database_env
from zava_mcp.db.session import Database
from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import Settings
from zava_mcp.server import build_server, enforce_posture

pytestmark = pytest.mark.usefixtures("seeded")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "zava_mcp", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_passes_for_the_application_role(pg: EmbeddedPostgres) -> None:
    result = run_cli("doctor", env=database_env(pg))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "posture: ok" in result.stdout
    assert "FAIL" not in result.stdout


def test_doctor_fails_for_a_role_that_could_escape(pg: EmbeddedPostgres) -> None:
    env = database_env(pg)
    env["ZAVA_DATABASE_URL"] = env["ZAVA_ADMIN_DATABASE_URL"]  # the owner: BYPASSRLS, owns all
    result = run_cli("doctor", env=env)
    assert result.returncode == 1
    assert "[FAIL] cannot bypass RLS" in result.stdout
    assert "[FAIL] owns no table" in result.stdout
    assert "fix:" in result.stdout
    assert pg.credentials().owner not in result.stdout + result.stderr


async def test_server_refuses_to_start_with_an_unsafe_role(pg: EmbeddedPostgres) -> None:
    owner_db = Database.from_url(pg.admin_url())
    try:
        with pytest.raises(ConfigurationError, match="refusing to serve"):
            await enforce_posture(owner_db)
        mcp = build_server(
            Settings(auth_mode="dev", _env_file=None),  # type: ignore[call-arg]
            database=owner_db,
        )
        with pytest.raises(Exception, match=r"refusing to serve|posture"):
            async with Client(mcp) as client:
                await client.list_tools()
    finally:
        await owner_db.dispose()


def test_bootstrap_sql_and_audit_verify(pg: EmbeddedPostgres) -> None:
    sql = run_cli("bootstrap-sql", env={})
    assert sql.returncode == 0
    assert "REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC" in sql.stdout
    assert "BYPASSRLS" in sql.stdout
    verify = run_cli("audit", "verify", env=database_env(pg))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "audit chain intact" in verify.stdout


def test_call_command_against_a_running_server(pg: EmbeddedPostgres, tmp_path: Any) -> None:
    from tests.servers import mcp_server

    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.1/32"]',
    }
    with mcp_server(env, log=tmp_path / "server.log") as base:
        ok = run_cli(
            "call",
            "get_current_user_info",
            "--manager",
            "sm-leeds",
            "--url",
            f"{base}/mcp",
            "--json",
            env={},
        )
        assert ok.returncode == 0, ok.stderr
        assert '"access_level": "store"' in ok.stdout
        bad = run_cli(
            "call",
            "get_store_performance",
            "store_id=exeter",
            "--manager",
            "sm-leeds",
            "--url",
            f"{base}/mcp",
            env={},
        )
        assert bad.returncode == 1
        assert "[FORBIDDEN]" in bad.stderr and "Traceback" not in bad.stderr
