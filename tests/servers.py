"""Real server processes for the HTTP tests: zava-mcp under uvicorn, and nginx in front."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.processes import nginx as bench_nginx
from benchmarks.processes import nginx_binary, wait_http

from zava_mcp.infra.embedded import EmbeddedPostgres, free_port
from zava_mcp.infra.settings import asyncpg_dsn

__all__ = [
    "database_env",
    "mcp_server",
    "mcp_server_process",
    "nginx",
    "nginx_binary",
    "wait_http",
]

ROOT = Path(__file__).resolve().parents[1]


def database_env(pg: EmbeddedPostgres) -> dict[str, str]:
    return {
        "ZAVA_DATABASE_URL": asyncpg_dsn(pg.app_url()),
        "ZAVA_ADMIN_DATABASE_URL": asyncpg_dsn(pg.admin_url()),
    }


@contextmanager
def mcp_server(env: dict[str, str], *, log: Path) -> Iterator[str]:
    """Start ``zava-mcp serve`` on a free port; yields its base URL."""
    with mcp_server_process(env, log=log) as (base, _):
        yield base


@contextmanager
def mcp_server_process(
    env: dict[str, str], *, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`mcp_server`, yielding the process too (for its memory)."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full_env.update(env)
    full_env.update({"ZAVA_PORT": str(port), "ZAVA_HOST": "127.0.0.1"})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zava_mcp", "serve"],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc=proc)
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def nginx(upstream_ports: list[int], workdir: Path) -> Iterator[str]:
    """nginx with the repo's config exactly as shipped (it drops any caller-sent identity
    header), from 127.0.0.2, logging which upstream served each request."""
    with bench_nginx(
        upstream_ports, workdir, proxy_bind="127.0.0.2", forward_identity=False, access_log=True
    ) as base:
        yield base
