"""Real server processes for the HTTP tests: zava-mcp under uvicorn, and nginx in front."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from zava_mcp.infra.embedded import EmbeddedPostgres, free_port

ROOT = Path(__file__).resolve().parents[1]


def database_env(pg: EmbeddedPostgres) -> dict[str, str]:
    def plain(url: object) -> str:
        return url.set(drivername="postgresql").render_as_string(hide_password=False)  # type: ignore[attr-defined]

    return {
        "ZAVA_DATABASE_URL": plain(pg.app_url()),
        "ZAVA_ADMIN_DATABASE_URL": plain(pg.admin_url()),
    }


def wait_http(
    url: str, *, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextmanager
def mcp_server(env: dict[str, str], *, log: Path) -> Iterator[str]:
    """Start ``zava-mcp serve`` on a free port; yields its base URL."""
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
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


@contextmanager
def nginx(
    upstream_ports: list[int], workdir: Path, *, proxy_bind: str = "127.0.0.2"
) -> Iterator[str]:
    """nginx with the repo's config rendered for ``upstream_ports``; yields its base URL."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (scripts/test installs it)")
    port = free_port()
    rendered = subprocess.run(
        [
            str(ROOT / "scripts" / "render-nginx"),
            f"127.0.0.1:{port}",
            proxy_bind,
            *map(str, upstream_ports),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "zava-mcp.conf").write_text(rendered)
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$request_uri status=$status upstream=$upstream_addr';
    access_log {workdir}/access.log upstreams;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/zava-mcp.conf;
}}
"""
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "stderr.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc=proc)
        yield base
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
