"""The zava-mcp command: doctor, bootstrap-sql, audit verify, call, and refusal to serve."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from fastmcp import Client

from tests.conftest import in_memory_server, manager_identity
from tests.servers import database_env
from zava_mcp.db.posture import enforce as enforce_posture
from zava_mcp.db.session import Database
from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import Settings

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
        mcp = in_memory_server(
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


async def test_stdio_transport(pg: EmbeddedPostgres) -> None:
    from fastmcp.client.transports import StdioTransport

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    env.update(database_env(pg))
    env.update({"ZAVA_AUTH_MODE": "dev", "ZAVA_DEV_MANAGER_ID": "sm-leeds"})
    env["ZAVA_DEV_MANAGER_ID"] = str(
        __import__("tests.conftest", fromlist=["x"]).manager_identity("sm-leeds")
    )
    transport = StdioTransport(
        sys.executable, ["-m", "zava_mcp", "serve", "--transport", "stdio"], env=env
    )
    async with Client(transport) as client:
        me = await client.call_tool("get_current_user_info", {})
        assert me.structured_content["access_level"] == "store"  # type: ignore[index]


def test_graceful_shutdown_drains_calls_in_flight(pg: EmbeddedPostgres, tmp_path: Any) -> None:
    import json
    import signal
    import threading

    import httpx

    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_HTTP_JSON_RESPONSE": "true",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.1/32"]',
    }
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full.update(env)
    from zava_mcp.infra.embedded import free_port

    port = free_port()
    full.update({"ZAVA_PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "zava_mcp", "serve"],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        from tests.servers import wait_http

        wait_http(f"{base}/healthz", proc=proc)
        headers = {
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
            "x-rls-user-id": str(manager_identity("ho-1")),
        }
        slow = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {
                "name": "execute_sales_query",
                "arguments": {
                    "postgresql_query": "select count(*) from generate_series(1, 3000) a, "
                    "generate_series(1, 3000) b"
                },
            },
        }
        answer: dict[str, Any] = {}

        def call() -> None:
            response = httpx.post(f"{base}/mcp", headers=headers, json=slow, timeout=30)
            answer["status"] = response.status_code
            answer["body"] = response.text

        worker = threading.Thread(target=call)
        worker.start()
        assert _wait_for_running_query(pg, "generate_series(1, 3000) b", timeout=20)
        proc.send_signal(signal.SIGTERM)
        worker.join(timeout=30)
        # uvicorn re-raises the SIGTERM it handled once shut down: -15 is a clean exit
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
        assert answer["status"] == 200, answer
        result = json.loads(answer["body"])["result"]
        assert result.get("isError") is not True, result
        assert result["structuredContent"]["rows"] == [[9000000]]
    finally:
        if proc.poll() is None:
            proc.kill()


def _wait_for_running_query(pg: EmbeddedPostgres, fragment: str, *, timeout: float) -> bool:
    """Poll pg_stat_activity (as the superuser) until a query containing ``fragment`` runs."""
    import asyncio
    import time

    import asyncpg

    from zava_mcp.infra.embedded import SUPERUSER
    from zava_mcp.infra.settings import asyncpg_dsn

    async def poll() -> bool:
        conn = await asyncpg.connect(asyncpg_dsn(pg.url(SUPERUSER)))
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                running = await conn.fetchval(
                    "select count(*) from pg_stat_activity where state = 'active' "
                    "and query like '%' || $1 || '%' and pid <> pg_backend_pid()",
                    fragment,
                )
                if running:
                    return True
                await asyncio.sleep(0.05)
            return False
        finally:
            await conn.close()

    return asyncio.run(poll())


def test_bad_command_line_arguments_get_one_clear_line() -> None:
    seed = subprocess.run(
        [sys.executable, "-m", "zava_mcp.seed", "--scale", "0", "--no-embeddings"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert seed.returncode != 0
    assert "--scale must be between" in seed.stderr and "Traceback" not in seed.stderr
    call = run_cli("call", "get_current_utc_date", "not-a-pair", env={})
    assert call.returncode == 2
    assert "arguments are key=value" in call.stderr and "Traceback" not in call.stderr


def test_idle_http_connections_outlive_a_proxys_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    """nginx keeps an idle upstream connection 60 s (``keepalive_timeout``'s default for
    ``scripts/nginx.conf``'s ``keepalive 64``): the server must keep it longer, or nginx can send
    a request on a connection uvicorn is closing (seen in the bench at 128 clients as a reset)."""
    import uvicorn
    from click.testing import CliRunner

    from zava_mcp.cli import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **kwargs: seen.update(kwargs))
    result = CliRunner().invoke(
        cli,
        ["serve"],
        env={
            "ZAVA_DATABASE_URL": "postgresql+asyncpg://app:pw@127.0.0.1:9/zava",
            "ZAVA_AUTH_MODE": "header",
        },
    )
    assert result.exit_code == 0, result.output
    assert seen["timeout_keep_alive"] > 60
