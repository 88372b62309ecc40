"""The ``zava-mcp`` command: the embedded database, migrations, seed, server and checks."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import click

from zava_mcp.cli_errors import ZavaGroup, run_command
from zava_mcp.infra.settings import Settings
from zava_mcp.seed.__main__ import seed_command


@click.group(cls=ZavaGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The zava-mcp command: the embedded database, migrations, seed, server and checks."""


def settings_for(ctx: click.Context) -> Settings:
    """The settings, read once per command line, with logging configured from them."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
        setup_logging(root.obj)
    return root.obj


@cli.command()
@click.argument("action", type=click.Choice(("start", "stop", "status", "urls")))
@click.option("--show-passwords", is_flag=True)
@click.pass_context
def db(ctx: click.Context, action: str, show_passwords: bool) -> int:
    """Manage the embedded PostgreSQL."""
    from zava_mcp.db.urls import embedded_from_settings

    settings = settings_for(ctx)
    if not settings.uses_embedded:
        click.echo("a database URL is configured; the embedded PostgreSQL is not in use")
        return 0 if action in ("status", "urls") else 2
    embedded = embedded_from_settings(settings)
    if action == "start":
        embedded.start()
        click.echo(
            f"embedded PostgreSQL running on 127.0.0.1:{embedded.port} (data: {embedded.pgdata})"
        )
    elif action == "stop":
        click.echo("stopped" if embedded.stop() else "not running")
    elif action == "status":
        status = embedded.status()
        state = "running" if status.running else ("stopped" if status.initialised else "absent")
        click.echo(
            f"{state}: port {status.port}, data {status.pgdata}"
            + (f", pid {status.pid}" if status.pid else "")
        )
        return 0 if status.running else 3
    elif action == "urls":
        for name, url in (("admin", embedded.admin_url()), ("app", embedded.app_url())):
            text = url.set(drivername="postgresql").render_as_string(
                hide_password=not show_passwords
            )
            click.echo(f"ZAVA_{'ADMIN_' if name == 'admin' else ''}DATABASE_URL={text}")
        if not show_passwords:
            click.echo("# passwords hidden; add --show-passwords to print them", err=True)
    return 0


@cli.command()
@click.argument("revision", default="head")
@click.pass_context
def migrate(ctx: click.Context, revision: str) -> int:
    """Alembic upgrade (default: head)."""
    from zava_mcp.db.migrations import upgrade

    settings_for(ctx)
    upgrade(revision)
    click.echo(f"migrated to {revision}")
    return 0


cli.add_command(seed_command, name="seed")


#: seconds an idle HTTP connection stays open (longer than nginx's upstream keepalive_timeout)
HTTP_KEEP_ALIVE_S = 75


@cli.command()
@click.option("--transport", type=click.Choice(("http", "stdio")), default="http")
@click.option("--host")
@click.option("--port", type=int)
@click.pass_context
def serve(ctx: click.Context, transport: str, host: str | None, port: int | None) -> int:
    """Serve MCP over streamable HTTP (default) or stdio."""
    settings = settings_for(ctx)
    from zava_mcp.server import build_http_app, build_server

    # again, now that FastMCP is imported: it installs a handler of its own at import time
    setup_logging(settings, stdio=transport == "stdio")

    if transport == "stdio":
        build_server(settings).run(transport="stdio", show_banner=False)
        return 0
    import uvicorn

    if host or port:
        settings = settings.model_copy(
            update={"host": host or settings.host, "port": port or settings.port}
        )
    app = build_http_app(build_server(settings), settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=False,  # TrustedProxyMiddleware decides whose forwarded headers count
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
        # an idle connection is kept longer than a reverse proxy keeps its own (nginx's upstream
        # keepalive_timeout is 60 s): with uvicorn's 5 s, the proxy (or a busy client) could send
        # its next request on a connection uvicorn was closing, and get a reset, not an answer
        timeout_keep_alive=HTTP_KEEP_ALIVE_S,
        access_log=False,
        log_config=None,  # uvicorn's records go through loguru (configured in settings_for)
    )
    return 0


@cli.command()
@click.pass_context
def clients(ctx: click.Context) -> int:
    """Print VS Code and Claude Desktop configurations."""
    from zava_mcp.client_configs import render

    click.echo(render(settings_for(ctx)))
    return 0


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> int:
    """Check the application role's security posture."""
    import asyncio

    from zava_mcp.db.posture import check_posture, failures, render
    from zava_mcp.db.urls import resolve_urls, start_embedded
    from zava_mcp.infra.settings import asyncpg_dsn
    from zava_mcp.seed.loader import connect

    settings = settings_for(ctx)

    async def run() -> int:
        await asyncio.to_thread(start_embedded, settings)
        urls = resolve_urls(settings)
        conn = await connect(asyncpg_dsn(urls.app))
        try:
            findings = await check_posture(conn)
        finally:
            await conn.close()
        click.echo(render(findings))
        bad = failures(findings)
        click.echo("posture: " + ("FAILED" if bad else "ok"))
        return 1 if bad else 0

    return asyncio.run(run())


@cli.command("bootstrap-sql")
@click.option("--database", default="zava", show_default=True)
@click.pass_context
def bootstrap_sql(ctx: click.Context, database: str) -> int:
    """Print the superuser set-up SQL for a DBA."""
    from zava_mcp.security.bootstrap import bootstrap_database_sql, bootstrap_roles_sql

    settings_for(ctx)
    click.echo("-- Run as a superuser. 1) in any database:")
    click.echo(bootstrap_roles_sql("<owner-password>", "<app-password>"))
    click.echo(f'-- 2) CREATE DATABASE "{database}" OWNER zava_owner; then in that database:')
    click.echo(bootstrap_database_sql(database))
    return 0


@cli.command()
@click.argument("action", type=click.Choice(("verify",)))
@click.pass_context
def audit(ctx: click.Context, action: str) -> int:
    """Verify the audit trail's hash chain."""
    import asyncio

    from zava_mcp.db.audit import verify_chain
    from zava_mcp.db.urls import resolve_urls, start_embedded
    from zava_mcp.infra.settings import asyncpg_dsn
    from zava_mcp.seed.loader import connect

    settings = settings_for(ctx)

    async def run() -> int:
        await asyncio.to_thread(start_embedded, settings)
        urls = resolve_urls(settings)
        conn = await connect(asyncpg_dsn(urls.admin))
        try:
            report = await verify_chain(conn)
        finally:
            await conn.close()
        if report.ok:
            click.echo(f"audit chain intact: {report.rows} rows")
            return 0
        click.echo(f"audit chain BROKEN at row id {report.first_bad_id} ({report.rows} rows)")
        return 1

    return asyncio.run(run())


@cli.command()
@click.argument("tool")
@click.argument("arguments", nargs=-1)
@click.option("--manager", help="x-rls-user-id: a manager UUID or seed code (sm-leeds)")
@click.option("--token", help="a bearer token (auth_mode=jwt)")
@click.option("--url", help="default: ZAVA_PUBLIC_BASE_URL or http://HOST:PORT + path")
@click.option("--json", "as_json", is_flag=True, help="print the structured result")
@click.pass_context
def call(
    ctx: click.Context,
    tool: str,
    arguments: tuple[str, ...],
    manager: str | None,
    token: str | None,
    url: str | None,
    as_json: bool,
) -> int:
    """Call a tool on a running server over HTTP (arguments: key=value, values may be JSON).

    As a manager (--manager, header mode) or with a bearer token (--token).
    """
    import asyncio
    import json

    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport
    from fastmcp.exceptions import ToolError

    from zava_mcp.cli_errors import RefusalRecorder, call_failure
    from zava_mcp.seed.catalogue import stable_id

    settings = settings_for(ctx)
    values: dict[str, object] = {}
    for pair in arguments:
        key, sep, value = pair.partition("=")
        if not sep:
            click.echo(f"zava-mcp: arguments are key=value, got {pair!r}", err=True)
            return 2
        try:
            values[key] = json.loads(value)
        except json.JSONDecodeError:
            values[key] = value
    headers = {}
    if manager:
        if len(manager) != 36:  # a seed code such as sm-leeds
            manager = str(stable_id("manager", manager))
        headers["x-rls-user-id"] = manager
    target = url or f"{settings.base_url}{settings.mcp_path}"
    refusals = RefusalRecorder()
    transport = StreamableHttpTransport(
        target, headers=headers, auth=token, httpx_client_factory=refusals.client_factory
    )

    async def run() -> int:
        try:
            async with Client(transport) as client:
                result = await client.call_tool(tool, values)
        except ToolError as exc:
            click.echo(str(exc), err=True)
            return 1
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"zava-mcp: {call_failure(exc, target, refusals.last)}", err=True)
            return 1
        if as_json:
            click.echo(json.dumps(result.structured_content, indent=2, default=str))
        else:
            for block in result.content:
                text = str(getattr(block, "text", block))
                with contextlib.suppress(ValueError):  # a JSON answer: indented for a person
                    text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
                click.echo(text)
        return 0

    return asyncio.run(run())


def setup_logging(settings: Settings, *, stdio: bool = False) -> None:
    """loguru once, at start; secrets from the settings registered for redaction."""
    from sqlalchemy.engine import make_url

    from zava_mcp.infra.logging import configure_logging, register_secret

    configure_logging(
        level=settings.log_level, json=settings.log_json, log_file=settings.log_file, stdio=stdio
    )
    for url in (settings.database_url, settings.admin_database_url, settings.read_replica_url):
        if url is not None:
            # a malformed URL is reported where it is used
            with contextlib.suppress(Exception):
                register_secret(make_url(url.get_secret_value()).password)
    if settings.embedding.openai_api_key is not None:
        register_secret(settings.embedding.openai_api_key.get_secret_value())
    if settings.jwt_public_key and not settings.jwt_public_key.lstrip().startswith("-----BEGIN"):
        register_secret(settings.jwt_public_key)


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(cli, argv, prog_name="zava-mcp")
