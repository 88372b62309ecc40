"""Server processes for the load benchmarks: ``python -m zava_mcp serve`` and nginx.

Servers run in header mode and trust every loopback address, so the benchmark's clients (on
127.0.0.1) choose their identity with ``x-rls-user-id``: local benchmarking only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from sqlalchemy.engine import URL

from benchmarks.cluster import only_this_database_open, plain_url
from benchmarks.config import ROOT, SCRIPTS
from zava_mcp.infra.embedded import free_port
from zava_mcp.infra.settings import Settings

LOOPBACK = '["127.0.0.0/8", "::1/128"]'
#: nginx drops any x-rls-user-id a caller sends (a real deployment sets it from its own
#: authentication); the benchmark stands in for that authentication and passes the header on.
NGINX_DROP_IDENTITY = 'proxy_set_header x-rls-user-id "";'
NGINX_FORWARD_IDENTITY = "proxy_set_header x-rls-user-id $http_x_rls_user_id;"


def has_result_cache() -> bool:
    """Whether this version of the server has the per-identity result cache setting."""
    return "cache_ttl_s" in Settings.model_fields


def server_env(
    app: URL, admin: URL, port: int, *, cache: bool = False, searches: bool = True
) -> dict[str, str]:
    """The server's environment. The result cache is off unless ``cache``: a load benchmark
    repeats the same questions, and it measures answering them, not remembering answers. A
    server that is never asked to search (``searches=False``) loads no embedding model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    env.update(
        {
            "ZAVA_DATABASE_URL": plain_url(app),
            "ZAVA_ADMIN_DATABASE_URL": plain_url(admin),
            "ZAVA_AUTH_MODE": "header",
            "ZAVA_TRUSTED_PROXIES": LOOPBACK,
            "ZAVA_HOST": "127.0.0.1",
            "ZAVA_PORT": str(port),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            # the load levels drive up to 128 clients through the catalogue's 16 managers: the
            # per-caller limits (a protection, measured by the isolation tests) would turn the
            # load benchmark into a rate-limit benchmark
            "ZAVA_CALLER_MAX_IN_FLIGHT": "0",
            "ZAVA_CALLER_MAX_CALLS_PER_MINUTE": "0",
        }
    )
    if not cache and has_result_cache():
        env["ZAVA_CACHE_TTL_S"] = "0"
    if not searches:
        env["ZAVA_EMBEDDING_WARM_UP"] = "false"
    return env


def wait_http(
    url: str, *, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s (last: {last})")


def wait_warm(base: str, *, timeout: float = 180.0) -> None:
    """Until the server's background warm-up (model load, ONNX export) is over, as ``/readyz``
    reports it: a benchmark timed beside it measures the export, not the calls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            checks = httpx.get(f"{base}/readyz", timeout=2.0).json().get("checks", {})
        except (httpx.HTTPError, ValueError):
            # no answer says nothing of the warm-up: a server busy loading the model misses
            # the timeout, and taking that for "warm" let the ONNX export run into the timings
            time.sleep(0.2)
            continue
        if checks.get("embedder", {}).get("warm", True):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{base} was still warming up after {timeout:.0f}s")


def _stop(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Server:
    base: str
    pid: int
    log: Path
    #: whether it will be asked to search; a server that will not loads no embedding model
    #: (``ZAVA_EMBEDDING_WARM_UP=false``), and its warm-up skips the search
    searches: bool = True

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


@contextmanager
def mcp_server(
    app: URL,
    admin: URL,
    log: Path,
    *,
    cache: bool = False,
    searches: bool = True,
    ready_timeout: float = 60.0,
) -> Iterator[Server]:
    """One ``python -m zava_mcp serve`` on a free loopback port, ready (``/readyz``) on entry;
    ``searches=False``: never asked to search, so it loads no embedding model."""
    with only_this_database_open(admin):
        proc, base = _spawn_server(
            app, admin, log, cache=cache, searches=searches, ready_timeout=ready_timeout
        )
    try:
        yield Server(base, proc.pid, log, searches)
    finally:
        _stop(proc, signal.SIGTERM, 15)


def _spawn_server(
    app: URL, admin: URL, log: Path, *, cache: bool, searches: bool, ready_timeout: float
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zava_mcp", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(app, admin, port, cache=cache, searches=searches),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,  # not the repo: a developer's .env must not change the benchmark
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/readyz", timeout=ready_timeout, proc=proc)
    except BaseException:
        _stop(proc, signal.SIGTERM, 15)
        raise
    return proc, base


@contextmanager
def floor_server(log: Path) -> Iterator[Server]:
    """The bare FastMCP server of :mod:`benchmarks.floor` on a free loopback port."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.floor", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            # benchmarks is not an installed package: the child finds it the way scripts/bench does
            env={**os.environ, "PYTHONPATH": os.pathsep.join(_python_path())},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=60, proc=proc)
        yield Server(base, proc.pid, log)
    finally:
        _stop(proc, signal.SIGTERM, 15)


def _python_path() -> list[str]:
    inherited = os.environ.get("PYTHONPATH", "")
    return [str(SCRIPTS), *(p for p in inherited.split(os.pathsep) if p)]


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def render_nginx(
    listen_port: int, proxy_bind: str, upstream_ports: list[int], *, forward_identity: bool = True
) -> str:
    """The repo's nginx config, rendered by ``scripts/render-nginx``; with ``forward_identity``
    the caller's x-rls-user-id passes on (the benchmark stands in for authentication)."""
    rendered = subprocess.run(
        [
            str(ROOT / "scripts" / "render-nginx"),
            f"127.0.0.1:{listen_port}",
            proxy_bind,
            *map(str, upstream_ports),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if NGINX_DROP_IDENTITY not in rendered:
        raise RuntimeError(
            "scripts/nginx.conf no longer has the identity-dropping line the benchmark "
            f"replaces ({NGINX_DROP_IDENTITY})"
        )
    if not forward_identity:
        return rendered
    return rendered.replace(NGINX_DROP_IDENTITY, NGINX_FORWARD_IDENTITY)


@contextmanager
def nginx(
    upstream_ports: list[int],
    workdir: Path,
    *,
    proxy_bind: str = "127.0.0.2",
    forward_identity: bool = True,
    access_log: bool = False,
) -> Iterator[str]:
    """nginx (one worker) in front of ``upstream_ports``; yields its URL. ``access_log`` writes
    ``access.log`` with the upstream that served each request."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (expected at /usr/sbin/nginx)")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "zava-mcp.conf").write_text(
        render_nginx(port, proxy_bind, upstream_ports, forward_identity=forward_identity)
    )
    log = (
        "log_format upstreams '$request_uri status=$status upstream=$upstream_addr';\n"
        f"    access_log {workdir}/access.log upstreams;"
        if access_log
        else "access_log off;"
    )
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {log}
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/zava-mcp.conf;
}}
"""
    )
    with (workdir / "stderr.log").open("wb") as err:
        proc = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=30, proc=proc)
        yield base
    finally:
        _stop(proc, signal.SIGQUIT, 10)


@dataclass
class ResourceSampler:
    """Samples RSS and CPU time of some processes every ``interval_s``, in a thread.

    With ``postmaster_pid``, it also follows every PostgreSQL process (backends come and go with
    connection pools), so their CPU time is counted up to their last sample.
    """

    pids: list[int]
    postmaster_pid: int | None = None
    interval_s: float = 0.1
    rss_mb: dict[int, list[float]] = field(default_factory=dict)
    cpu_s: dict[int, float] = field(default_factory=dict)
    postgres_cpu_s: float = 0.0
    #: CPU seconds the whole machine was busy (all processes, all cores) while sampling
    machine_busy_s: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _cpu_start: dict[int, float] = field(default_factory=dict)
    _pg_start: dict[int, float] = field(default_factory=dict)
    _pg_last: dict[int, float] = field(default_factory=dict)
    _machine_start: float = 0.0

    @staticmethod
    def _busy() -> float:
        times = psutil.cpu_times()
        fields = ("user", "nice", "system", "irq", "softirq")
        return float(sum(getattr(times, name, 0.0) for name in fields))

    def _procs(self) -> list[psutil.Process]:
        out = []
        for pid in self.pids:
            try:
                out.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                continue
        return out

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        times = proc.cpu_times()
        return float(times.user + times.system)

    def _postgres(self) -> dict[int, float]:
        if self.postmaster_pid is None:
            return {}
        try:
            root = psutil.Process(self.postmaster_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return {}
        out: dict[int, float] = {}
        for proc in procs:
            try:
                out[proc.pid] = self._cpu(proc)
            except psutil.Error:
                continue
        return out

    def _sample(self) -> None:
        for proc in self._procs():
            try:
                rss = proc.memory_info().rss / (1024 * 1024)
            except psutil.Error:
                continue
            self.rss_mb.setdefault(proc.pid, []).append(rss)
        self._pg_last.update(self._postgres())

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> ResourceSampler:
        for proc in self._procs():
            self._cpu_start[proc.pid] = self._cpu(proc)
        self._pg_start = self._postgres()
        self._machine_start = self._busy()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._sample()
        self.machine_busy_s = self._busy() - self._machine_start
        for proc in self._procs():
            try:
                self.cpu_s[proc.pid] = self._cpu(proc) - self._cpu_start.get(proc.pid, 0.0)
            except psutil.Error:
                continue
        self.postgres_cpu_s = sum(
            max(0.0, t - self._pg_start.get(pid, 0.0)) for pid, t in self._pg_last.items()
        )

    def max_rss_mb(self, pid: int) -> float | None:
        values = self.rss_mb.get(pid)
        return max(values) if values else None
