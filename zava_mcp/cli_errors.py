"""One line for a command that failed: what went wrong and what to do, without a traceback.

Also the click plumbing every command line shares (:class:`ZavaGroup`, :func:`run_command`):
typed errors become one line and an exit code, ``--debug`` (before or after the command) shows
the traceback instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click
import httpx2
from pydantic import ValidationError as PydanticValidationError

from zava_mcp.errors import ZavaError

_DESCRIPTION = re.compile(r'error_description="([^"]*)"')


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts and members of exception groups."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for behind in (current.__cause__, current.__context__):
            if behind is not None:
                stack.append(behind)


def _refusal(response: Any) -> tuple[int, str] | None:
    """The status and the server's own reason of an HTTP error response (httpx or httpx2)."""
    status = getattr(response, "status_code", None)
    if not isinstance(status, int) or status < 400:
        return None
    challenge = str(getattr(response, "headers", {}).get("www-authenticate", ""))
    found = _DESCRIPTION.search(challenge)
    return status, found.group(1) if found else ""


@dataclass
class RefusalRecorder:
    """Remembers the last HTTP error response a client received. The MCP SDK reports a 401 as
    "Server returned an error response", without the status or the server's reason."""

    last: tuple[int, str] | None = None

    def client_factory(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
        **_: Any,
    ) -> httpx2.AsyncClient:
        """An ``httpx_client_factory`` for fastmcp's StreamableHttpTransport (the SDK's
        timeouts: a server may hold a response stream open) that notes error responses."""
        return httpx2.AsyncClient(
            headers=headers,
            timeout=timeout or httpx2.Timeout(30.0, read=300.0),
            auth=auth,
            event_hooks={"response": [self._record]},
        )

    async def _record(self, response: httpx2.Response) -> None:
        self.last = _refusal(response) or self.last


def _is_connect_failure(exc: BaseException) -> bool:
    names = ("ConnectError", "ConnectTimeout")
    return isinstance(exc, ConnectionError) or type(exc).__name__ in names


def call_failure(exc: BaseException, url: str, refused: tuple[int, str] | None = None) -> str:
    """Why a call to the MCP server at ``url`` failed, as ``[CODE] message``; ``refused`` is the
    last HTTP error response seen (:class:`RefusalRecorder`)."""
    from zava_mcp.call_errors import coded  # imports FastMCP: only once a call has failed

    for cause in causes(exc):
        if isinstance(cause, ZavaError):
            return str(cause)
        status = _refusal(getattr(cause, "response", None)) or refused
        if status is not None:
            code, reason = status
            why = f": {reason}" if reason else ""
            if code == 401:
                reason = reason or "the token is missing, expired or not for this server"
                return coded(
                    "UNAUTHENTICATED",
                    f"{url} refused the credentials (HTTP 401: {reason}); get a fresh token "
                    "and pass it with --token",
                )
            if code == 403:
                return coded("FORBIDDEN", f"{url} answered HTTP 403{why}")
            if code == 404:
                return coded("NOT_FOUND", f"no MCP endpoint at {url} (HTTP 404); check --url")
            return coded("UNAVAILABLE", f"{url} answered HTTP {code}{why}")
        if _is_connect_failure(cause):
            return coded(
                "UNAVAILABLE",
                f"cannot connect to {url}: is the server running? Start it with scripts/run "
                "or zava-mcp serve, or pass --url",
            )
        if type(cause).__name__.endswith("Timeout") or isinstance(cause, TimeoutError):
            return coded("UNAVAILABLE", f"{url} did not answer in time; try again")
    return describe(exc)


def describe(exc: BaseException) -> str:
    """Any failure as one line: a typed error as it is, otherwise the innermost cause."""
    from zava_mcp.call_errors import coded, one_line  # imports FastMCP: only on failure

    for cause in causes(exc):
        if isinstance(cause, ZavaError):
            return str(cause)
    for cause in causes(exc):
        # what the commands connect to is the database (the call command has its own wording)
        if isinstance(cause, ConnectionError):
            return coded(
                "DATABASE_UNAVAILABLE",
                f"cannot connect to the database ({one_line(str(cause), 120)}); check "
                "ZAVA_DATABASE_URL, or ZAVA_EMBEDDED_PORT and `zava-mcp db status`",
            )
    innermost = list(causes(exc))[-1]
    return coded("INTERNAL_ERROR", f"{type(innermost).__name__}: {one_line(str(innermost), 200)}")


def _remember_debug(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["debug"] = True  # meta is shared by the group's context and the command's


def debug_option(*, hidden: bool) -> click.Option:
    return click.Option(
        ["--debug"],
        is_flag=True,
        expose_value=False,
        hidden=hidden,
        callback=_remember_debug,
        help="show tracebacks instead of one-line errors",
    )


class ZavaGroup(click.Group):
    """A command group whose commands fail with one typed line and an exit code.

    ZavaError and invalid settings exit 2, anything else 1 (with ``--debug``: the traceback),
    Ctrl-C 130; click's own usage errors keep click's exit code 2.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(debug_option(hidden=False))

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # also accepted after the command, as in `zava-mcp call ... --debug`
        if not any(p.name == "debug" for p in cmd.params):
            cmd.params.append(debug_option(hidden=True))
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        from zava_mcp.infra.settings import settings_error

        prog = ctx.find_root().info_name
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ZavaError as exc:
            click.echo(f"{prog}: {exc}", err=True)
            return 2
        except PydanticValidationError as exc:
            click.echo(f"{prog}: invalid setting: {settings_error(exc)}", err=True)
            return 2
        except KeyboardInterrupt:
            return 130
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"{prog}: {describe(exc)} (--debug shows the traceback)", err=True)
            return 1


def run_command(command: click.Command, argv: Sequence[str] | None, *, prog_name: str) -> int:
    """Run a click command line and return its exit code (commands return theirs as ints)."""
    try:
        result = command.main(
            args=list(argv) if argv is not None else sys.argv[1:],
            prog_name=prog_name,
            standalone_mode=False,
        )
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:  # click's form of Ctrl-C
        return 130
    return result if isinstance(result, int) else 0
