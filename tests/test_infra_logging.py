"""Logging: JSON lines with context, redaction in every sink, stdlib routing, idempotence, files."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import fastmcp  # configures its own "fastmcp" logger at import: ours must take it over
import pytest
from loguru import logger

from zava_mcp.infra import logging as zlog
from zava_mcp.infra.logging import STDLIB_LOGGERS, configure_logging, redact, register_secret

MANAGER = "2b9f6a52-4c1e-4d3b-9a57-0c1d2e3f4a5b"
DB_PASSWORD = "Pg-pa55word-7731"
DB_URL = f"postgresql+asyncpg://zava_app:{DB_PASSWORD}@db.internal:5432/zava"
BEARER = "tok_9f8e7d6c5b4a39281706"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwicmxzX3VzZXJfaWQiOiJ4In0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
REGISTERED = "registered-secret-4471-zeta"


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """Undo what configure_logging did to loguru and stdlib after each test."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (list(std.handlers), std.propagate, std.level)
        for name, std in ((n, logging.getLogger(n)) for n in STDLIB_LOGGERS)
    }
    yield
    for handler_id in zlog._state.handler_ids:
        logger.remove(handler_id)
    zlog._state.handler_ids.clear()
    logger.configure(patcher=lambda _record: None)
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for name, (handlers, propagate, level) in saved.items():
        std = logging.getLogger(name)
        std.handlers[:] = handlers
        std.propagate = propagate
        std.setLevel(level)


@pytest.fixture(scope="module", autouse=True)
def default_sink_back() -> Iterator[None]:
    yield
    logger.add(sys.stderr)  # configure_logging removed loguru's default sink


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_parse_and_carry_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="DEBUG")
    with logger.contextualize(request_id="req-1", identity=MANAGER):
        logger.info("hello {}", "world")
        logger.bind(tool="execute_sales_query").debug("with {braces} and <tags>")
    logger.warning("outside")

    captured = capsys.readouterr()
    assert captured.out == ""
    lines = json_lines(captured.err)
    assert [line["message"] for line in lines] == [
        "hello world",
        "with {braces} and <tags>",
        "outside",
    ]
    first, second, third = lines
    assert first["level"] == "INFO"
    assert first["logger"] == __name__
    assert first["request_id"] == "req-1"
    assert first["identity"] == MANAGER
    assert second["tool"] == "execute_sales_query"
    assert second["request_id"] == "req-1"
    assert "request_id" not in third
    stamp = datetime.fromisoformat(str(first["time"]))
    assert stamp.utcoffset() is not None and stamp.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_json_exception_is_one_short_string(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("it failed")
    (line,) = json_lines(capsys.readouterr().err)
    assert line["message"] == "it failed"
    assert line["level"] == "ERROR"
    assert line["exception"] == "ValueError: boom"


def test_text_console_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    with logger.contextualize(request_id="req-2", identity=MANAGER):
        logger.info("plain {} line", "text")
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert "| INFO     |" in line
    assert "plain text line" in line
    assert "request_id=req-2" in line
    assert f"identity={MANAGER}" in line
    assert "\x1b[" not in line  # not a terminal: no colours


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_secrets_never_reach_any_sink(
    as_json: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "zava.log"
    configure_logging(json=as_json, level="DEBUG", log_file=log_file)
    register_secret(REGISTERED)
    seen: list[str] = []
    test_sink = logger.add(seen.append, format="{message} {extra}\n{exception}", level="DEBUG")
    try:
        logger.info("connecting to {}", DB_URL)
        logger.bind(dsn=DB_URL, headers={"Authorization": f"Bearer {BEARER}"}).info("bound")
        logger.info("Authorization: Bearer {}", BEARER)
        logger.info("token {} from the client", JWT)
        logger.info("the key is {} (registered)", REGISTERED)
        logger.bind(setting=REGISTERED).info("secret in an extra")
        logging.getLogger("uvicorn.error").warning("dsn host=db password=%s", DB_PASSWORD)
        noted = ValueError("plain message")
        noted.add_note(f"while using {DB_URL}")
        logger.opt(exception=noted).error("with a note")
        try:
            try:
                raise OSError(f"could not reach {DB_URL}")
            except OSError as cause:
                raise RuntimeError(f"startup failed with {REGISTERED}") from cause
        except RuntimeError:
            logger.exception("startup failed")
    finally:
        logger.remove(test_sink)

    outputs = {
        "stderr": capsys.readouterr().err,
        "file": log_file.read_text(encoding="utf-8"),
        "test sink": "".join(seen),
    }
    for sink, text in outputs.items():
        for secret in (DB_PASSWORD, BEARER, JWT, REGISTERED):
            assert secret not in text, f"{secret!r} reached the {sink}"
        # what is not secret survives
        assert "zava_app:***@db.internal:5432/zava" in text, sink
        assert "Bearer ***" in text, sink
        assert "startup failed" in text, sink
    if as_json:
        lines = json_lines(outputs["stderr"])
        assert len(lines) == 9
        assert lines[1]["dsn"] == "postgresql+asyncpg://zava_app:***@db.internal:5432/zava"
        assert lines[-1]["exception"] == "RuntimeError: startup failed with ***"
    else:
        assert "RuntimeError: startup failed with ***" in outputs["stderr"]
        assert "OSError: could not reach" in outputs["stderr"]  # the cause, redacted


REDACTION_CASES = [
    (
        "postgresql://app:s3cret@localhost:5432/zava",
        "postgresql://app:***@localhost:5432/zava",
    ),
    ("url=redis://:hunter2@cache:6379/0", "url=redis://:***@cache:6379/0"),
    ("host=db password=hunter22 dbname=zava", "host=db password=*** dbname=zava"),
    ("pwd='a b c'; next", "pwd='***'; next"),
    ('{"db_password": "x\\"y", "max_tokens": 5}', '{"db_password": "***", "max_tokens": 5}'),
    ("api-key: abc123 api_key=def456", "api-key: *** api_key=***"),
    ("{'x-api-key': 'k-1'}", "{'x-api-key': '***'}"),
    ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
    ("authorization=Basic dXNlcjpwYXNz", "authorization=Basic ***"),
    ("sent bearer abcdef123", "sent bearer ***"),
    (f"jwt {JWT} end", "jwt *** end"),
    ("ALTER ROLE app PASSWORD 'it''s' LOGIN", "ALTER ROLE app PASSWORD '***' LOGIN"),
    (
        "https://x.test/cb?access_token=abc&state=1",
        "https://x.test/cb?access_token=***&state=1",
    ),
    ("http://127.0.0.1:8000/mcp and a@b.test", "http://127.0.0.1:8000/mcp and a@b.test"),
    ("select count(*) from retail.orders", "select count(*) from retail.orders"),
]


@pytest.mark.parametrize(("text", "expected"), REDACTION_CASES)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), REDACTION_CASES)
def test_text_without_a_trigger_is_left_as_it_is_only_when_no_pattern_would_mask_it(
    text: str, expected: str
) -> None:
    """``redact`` skips the patterns when the text holds none of the trigger substrings: every
    match of every pattern must hold one (in any case), or the shortcut would let it through."""
    from zava_mcp.infra.redaction import _PATTERNS, _TRIGGERS, mask_patterns

    for variant in (text, text.upper(), text.lower(), f"x {text} y"):
        for regex, _ in _PATTERNS:
            for match in regex.finditer(variant):
                assert _TRIGGERS.search(match.group(0)), (regex.pattern, match.group(0))
        assert redact(variant) == mask_patterns(variant)
    assert mask_patterns(text) == expected


def test_register_secret() -> None:
    secret = "p@ss word/with:odd-9931"
    assert register_secret(secret)
    assert redact(f"value {secret} here") == "value *** here"
    encoded = "p%40ss%20word%2Fwith%3Aodd-9931"
    assert redact(f"postgresql://u:{encoded}@h/db") == "postgresql://u:***@h/db"
    assert redact(f"?x={encoded}") == "?x=***"
    assert not register_secret("ab")  # too short to mask everywhere
    assert redact("ab cab") == "ab cab"
    assert not register_secret("")


def test_stdlib_logging_goes_through_loguru(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    frames: list[tuple[str, str]] = []
    sink = logger.add(
        lambda m: frames.append((m.record["function"], m.record["file"].name)), level="DEBUG"
    )
    try:
        logging.getLogger("uvicorn.error").warning("uvicorn says %s", "hi")
        logging.getLogger("fastmcp.server").warning("fastmcp says hi")
        logging.getLogger("sqlalchemy.engine").info("SELECT secret_rows")  # below its floor
        logging.getLogger("sqlalchemy.pool").warning("pool warning")
    finally:
        logger.remove(sink)

    lines = json_lines(capsys.readouterr().err)
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("uvicorn.error", "uvicorn says hi"),
        ("fastmcp.server", "fastmcp says hi"),
        ("sqlalchemy.pool", "pool warning"),
    ]
    assert all(line["level"] == "WARNING" for line in lines)
    # the right depth: the frame that called logging, not logging's own
    assert frames[0] == ("test_stdlib_logging_goes_through_loguru", "test_infra_logging.py")
    assert logging.getLogger("sqlalchemy").level == logging.WARNING
    assert logging.getLogger("fastmcp").propagate
    assert fastmcp.settings is not None


def test_reconfiguring_does_not_duplicate(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=False)
    configure_logging(json=True, level="DEBUG")
    configure_logging(json=True)
    logger.info("only once")
    logging.getLogger("uvicorn").info("stdlib once")
    lines = json_lines(capsys.readouterr().err)
    assert [line["message"] for line in lines] == ["only once", "stdlib once"]
    interceptors = [h for h in logging.getLogger().handlers if isinstance(h, zlog.InterceptHandler)]
    assert len(interceptors) == 1


def test_bad_level_keeps_the_working_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    with pytest.raises(ValueError):
        configure_logging(level="LOUD")
    logger.info("still here")
    assert [line["message"] for line in json_lines(capsys.readouterr().err)] == ["still here"]


def test_level_filters(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="warn")
    logger.info("dropped")
    logging.getLogger("mcp.server").info("dropped too")
    logger.warning("kept")
    assert [line["message"] for line in json_lines(capsys.readouterr().err)] == ["kept"]


def test_stdio_keeps_stdout_clean(capsys: pytest.CaptureFixture[str]) -> None:
    stray = logging.StreamHandler(sys.stdout)
    logging.getLogger().addHandler(stray)
    configure_logging(stdio=True)
    logger.info("to stderr")
    logging.getLogger("mcp").warning("stdlib to stderr")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "to stderr" in captured.err
    assert "stdlib to stderr" in captured.err
    assert stray not in logging.getLogger().handlers


def test_rotating_file_sink_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_file = tmp_path / "logs" / "zava.log"
    configure_logging(json=True, log_file=log_file, rotation="2 KB", retention=2)
    with logger.contextualize(request_id="req-file"):
        for n in range(60):
            logger.info("line {} {}", n, "x" * 40)
    capsys.readouterr()
    files = sorted((tmp_path / "logs").iterdir())
    assert 2 <= len(files) <= 3  # rotated, and old files pruned to the retention
    lines = [line for f in files for line in json_lines(f.read_text(encoding="utf-8"))]
    assert lines and all(line["request_id"] == "req-file" for line in lines)
    assert f"line 59 {'x' * 40}" in [line["message"] for line in lines]
