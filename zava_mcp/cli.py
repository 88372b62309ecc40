"""The ``zava-mcp`` command: the embedded database, migrations, seed, server and checks."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError as PydanticValidationError

from zava_mcp.errors import ZavaError
from zava_mcp.infra.settings import Settings, settings_error


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.db.urls import embedded_from_settings

    if not settings.uses_embedded:
        print("a database URL is configured; the embedded PostgreSQL is not in use")
        return 0 if args.action in ("status", "urls") else 2
    embedded = embedded_from_settings(settings)
    if args.action == "start":
        embedded.start()
        print(f"embedded PostgreSQL running on 127.0.0.1:{embedded.port} (data: {embedded.pgdata})")
    elif args.action == "stop":
        print("stopped" if embedded.stop() else "not running")
    elif args.action == "status":
        status = embedded.status()
        state = "running" if status.running else ("stopped" if status.initialised else "absent")
        print(
            f"{state}: port {status.port}, data {status.pgdata}"
            + (f", pid {status.pid}" if status.pid else "")
        )
        return 0 if status.running else 3
    elif args.action == "urls":
        show = args.show_passwords
        for name, url in (("admin", embedded.admin_url()), ("app", embedded.app_url())):
            text = url.set(drivername="postgresql").render_as_string(hide_password=not show)
            print(f"ZAVA_{'ADMIN_' if name == 'admin' else ''}DATABASE_URL={text}")
        if not show:
            print("# passwords hidden; add --show-passwords to print them", file=sys.stderr)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.db.migrations import upgrade

    upgrade(args.revision)
    print(f"migrated to {args.revision}")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.seed.__main__ import main as seed_main

    return seed_main(args.seed_args)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.server import build_http_app, build_server

    # again, now that FastMCP is imported: it installs a handler of its own at import time
    setup_logging(settings, stdio=args.transport == "stdio")

    if args.transport == "stdio":
        build_server(settings).run(transport="stdio", show_banner=False)
        return 0
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    if args.host or args.port:
        settings = settings.model_copy(update={"host": host, "port": port})
    app = build_http_app(build_server(settings), settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=False,  # TrustedProxyMiddleware decides whose forwarded headers count
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
        access_log=False,
        log_config=None,  # uvicorn's records go through loguru (configured in main)
    )
    return 0


def _clients(args: argparse.Namespace, settings: Settings) -> int:
    """Ready-to-paste client configurations for one manager of each access level."""
    from zava_mcp.client_configs import render

    print(render(settings))
    return 0


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from zava_mcp.db.posture import check_posture, failures, render
    from zava_mcp.db.urls import resolve_urls, start_embedded
    from zava_mcp.infra.settings import asyncpg_dsn
    from zava_mcp.seed.loader import connect

    async def run() -> int:
        await asyncio.to_thread(start_embedded, settings)
        urls = resolve_urls(settings)
        conn = await connect(asyncpg_dsn(urls.app))
        try:
            findings = await check_posture(conn)
        finally:
            await conn.close()
        print(render(findings))
        bad = failures(findings)
        print("posture: " + ("FAILED" if bad else "ok"))
        return 1 if bad else 0

    return asyncio.run(run())


def _bootstrap_sql(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.security.bootstrap import bootstrap_database_sql, bootstrap_roles_sql

    print("-- Run as a superuser. 1) in any database:")
    print(bootstrap_roles_sql("<owner-password>", "<app-password>"))
    print(f'-- 2) CREATE DATABASE "{args.database}" OWNER zava_owner; then in that database:')
    print(bootstrap_database_sql(args.database))
    return 0


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from zava_mcp.db.audit import verify_chain
    from zava_mcp.db.urls import resolve_urls, start_embedded
    from zava_mcp.infra.settings import asyncpg_dsn
    from zava_mcp.seed.loader import connect

    async def run() -> int:
        await asyncio.to_thread(start_embedded, settings)
        urls = resolve_urls(settings)
        conn = await connect(asyncpg_dsn(urls.admin))
        try:
            report = await verify_chain(conn)
        finally:
            await conn.close()
        if report.ok:
            print(f"audit chain intact: {report.rows} rows")
            return 0
        print(f"audit chain BROKEN at row id {report.first_bad_id} ({report.rows} rows)")
        return 1

    return asyncio.run(run())


def _call(args: argparse.Namespace, settings: Settings) -> int:
    """Call one tool over streamable HTTP, as a manager (header mode) or with a bearer token."""
    import asyncio
    import json

    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport
    from fastmcp.exceptions import ToolError

    from zava_mcp.cli_errors import RefusalRecorder, call_failure
    from zava_mcp.seed.catalogue import stable_id

    arguments: dict[str, object] = {}
    for pair in args.arguments:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"zava-mcp: arguments are key=value, got {pair!r}", file=sys.stderr)
            return 2
        try:
            arguments[key] = json.loads(value)
        except json.JSONDecodeError:
            arguments[key] = value
    headers = {}
    if args.manager:
        manager = args.manager
        if len(manager) != 36:  # a seed code such as sm-leeds
            manager = str(stable_id("manager", manager))
        headers["x-rls-user-id"] = manager
    url = args.url or f"{settings.base_url}{settings.mcp_path}"
    refusals = RefusalRecorder()
    transport = StreamableHttpTransport(
        url, headers=headers, auth=args.token, httpx_client_factory=refusals.client_factory
    )

    async def run() -> int:
        try:
            async with Client(transport) as client:
                result = await client.call_tool(args.tool, arguments)
        except ToolError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except Exception as exc:
            if args.debug:
                raise
            print(f"zava-mcp: {call_failure(exc, url, refusals.last)}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(result.structured_content, indent=2, default=str))
        else:
            for block in result.content:
                text = str(getattr(block, "text", block))
                with contextlib.suppress(ValueError):  # a JSON answer: indented for a person
                    text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
                print(text)
        return 0

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zava-mcp", description=__doc__)
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="manage the embedded PostgreSQL")
    db.add_argument("action", choices=("start", "stop", "status", "urls"))
    db.add_argument("--show-passwords", action="store_true")
    db.set_defaults(handler=_db)
    migrate = sub.add_parser("migrate", help="alembic upgrade (default: head)")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)
    seed = sub.add_parser("seed", help="same as python -m zava_mcp.seed")
    seed.add_argument("seed_args", nargs=argparse.REMAINDER)
    seed.set_defaults(handler=_seed)
    doctor = sub.add_parser("doctor", help="check the application role's security posture")
    doctor.set_defaults(handler=_doctor)
    bsql = sub.add_parser("bootstrap-sql", help="print the superuser set-up SQL for a DBA")
    bsql.add_argument("--database", default="zava")
    bsql.set_defaults(handler=_bootstrap_sql)
    audit_cmd = sub.add_parser("audit", help="verify the audit trail's hash chain")
    audit_cmd.add_argument("action", choices=("verify",))
    audit_cmd.set_defaults(handler=_audit)
    call = sub.add_parser("call", help="call a tool on a running server over HTTP")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="*", help="key=value (values may be JSON)")
    call.add_argument("--manager", help="x-rls-user-id: a manager UUID or seed code (sm-leeds)")
    call.add_argument("--token", help="a bearer token (auth_mode=jwt)")
    call.add_argument("--url", help="default: ZAVA_PUBLIC_BASE_URL or http://HOST:PORT + path")
    call.add_argument("--json", action="store_true", help="print the structured result")
    call.set_defaults(handler=_call)
    clients = sub.add_parser("clients", help="print VS Code and Claude Desktop configurations")
    clients.set_defaults(handler=_clients)
    serve = sub.add_parser("serve", help="serve MCP over streamable HTTP (default) or stdio")
    serve.add_argument("--transport", choices=("http", "stdio"), default="http")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)
    for command in sub.choices.values():  # also accepted after the command
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


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
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        setup_logging(settings, stdio=getattr(args, "transport", None) == "stdio")
        return int(args.handler(args, settings))
    except ZavaError as exc:
        print(f"zava-mcp: {exc}", file=sys.stderr)
        return 2
    except PydanticValidationError as exc:
        print(f"zava-mcp: invalid setting: {settings_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        from zava_mcp.cli_errors import describe

        print(f"zava-mcp: {describe(exc)} (--debug shows the traceback)", file=sys.stderr)
        return 1
