"""Where a server's CPU goes: py-spy's collapsed stacks sorted into the parts of a tool call.

py-spy's ``--format raw`` writes one line per distinct stack, root first and leaf last, with the
number of samples that ended in it: ``frame;frame;... count``, each frame ``function
(path/file.py:line)``. Each stack goes to one category (:func:`classify`); the share of samples
in a category is its share of the server's CPU.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    function: str
    file: str

    @classmethod
    def parse(cls, text: str) -> Frame:
        match = FRAME.match(text.strip())
        if match is None:
            return cls(text.strip(), "")
        return cls(match["function"], package_path(match["file"]))

    def under(self, *paths: str) -> bool:
        """Whether the file is in one of the folders (``json/``, ``zava_mcp/db/queries/``) or
        is one of the files (``zava_mcp/db/audit.py``), from the top of its package: stdlib
        ``asyncio/`` is not ``tenacity/asyncio/``, ``mcp/`` is not ``fastmcp/``."""
        return self.file.startswith(paths)


#: where an installed package's path starts in a full filename
_PACKAGE_ROOT = re.compile(r".*/(?:site-packages|dist-packages|lib/python3\.\d+)/")


def package_path(file: str) -> str:
    """The file from the top of its package (``asyncio/tasks.py``, ``zava_mcp/pipeline.py``),
    as py-spy shortens names found on ``sys.path``; full names (``--full-filenames``, or a
    file off ``sys.path``) are cut the same way."""
    file = file.replace("\\", "/")
    if not file.startswith("/"):
        return file
    if "/zava_mcp/" in file:
        return file[file.rindex("/zava_mcp/") + 1 :]
    return _PACKAGE_ROOT.sub("", file, count=1)


@dataclass(frozen=True)
class Rule:
    category: str
    matches: Callable[[Frame], bool]


def _named(frame: Frame, *names: str) -> bool:
    # py-spy names a method by its bare name or, for Python 3.11+ code, Class.method
    return frame.function.rsplit(".", 1)[-1] in names


AGENT = "zava_mcp/db/queries/agent.py"

#: The rules in priority order: a frame that several rules match belongs to the first.
RULES: tuple[Rule, ...] = (
    Rule("audit", lambda f: f.under("zava_mcp/db/audit.py") or "AuditTrail" in f.function),
    Rule(
        "logging",
        lambda f: (
            f.under("loguru/", "zava_mcp/infra/logging.py", "zava_mcp/infra/redaction.py")
            or f.under("logging/__init__.py")
        ),
    ),
    Rule("metrics", lambda f: f.under("prometheus_client/", "zava_mcp/infra/metrics.py")),
    Rule("guard", lambda f: f.under("zava_mcp/db/guard", "pglast/")),
    Rule("cache", lambda f: f.under("zava_mcp/infra/cache.py", "cachetools/")),
    Rule(
        "conversion",
        lambda f: (
            (f.under(AGENT) and _named(f, "_shape_row", "jsonable", "_cap_cell"))
            or (f.under("pydantic_core/") and _named(f, "to_jsonable_python"))
        ),
    ),
    Rule(
        "query+transaction",
        lambda f: f.under(
            "asyncpg/",
            "sqlalchemy/",
            "zava_mcp/db/session.py",
            "zava_mcp/db/tenant.py",
            "zava_mcp/db/queries/",
            "greenlet/",
        ),
    ),
    Rule(
        "validation",
        lambda f: (
            _named(
                f,
                "validate_python",
                "validate_json",
                "model_validate",
                "model_validate_json",
                "_validate_input",
            )
            or (f.under("pydantic/main.py") and _named(f, "__init__"))
        ),
    ),
    Rule(
        "serialization",
        lambda f: (
            f.under("json/")
            or f.function.rsplit(".", 1)[-1].startswith(("model_dump", "to_json"))
            or "serializ" in f.function
            or (f.under("mcp/") and "_serialize" in f.function)
        ),
    ),
    Rule("zava pipeline+services", lambda f: f.under("zava_mcp/")),
    Rule(
        "FastMCP/MCP",
        lambda f: f.under("fastmcp/", "mcp/", "mcp_types/", "uncalled_for/", "opentelemetry/"),
    ),
    Rule(
        "HTTP transport",
        lambda f: f.under(
            "uvicorn/", "starlette/", "httptools/", "h11/", "anyio/", "sniffio/", "sse_starlette/"
        ),
    ),
    Rule("event loop", lambda f: f.under("asyncio/", "uvloop/")),
)

#: Categories whose whole subtree is theirs: the audit append's INSERT and commit are the audit's
#: cost, loguru's JSON is logging's, pglast's parser is the guard's. One of these anywhere in a
#: stack claims it; for the rest the frame nearest the leaf decides (a cache lookup or the
#: pipeline middleware encloses the query, which is not their cost).
ENCLOSING = ("audit", "logging", "metrics", "guard", "conversion")
NATIVE = "native"
OTHER = "other"
CATEGORIES: tuple[str, ...] = (*(r.category for r in RULES), NATIVE, OTHER)


def _first_rule(frame: Frame, rules: Iterable[Rule]) -> str | None:
    return next((r.category for r in rules if r.matches(frame)), None)


def classify(frames: list[Frame]) -> str:
    """The category of one stack (root first): an enclosing category anywhere in it, in
    priority order; otherwise the first rule that a frame matches, walking from the leaf
    towards the root; ``native`` for a stack with no Python frame at all."""
    if not frames:
        return NATIVE
    for rule in RULES:
        if rule.category in ENCLOSING and any(rule.matches(f) for f in frames):
            return rule.category
    for frame in reversed(frames):
        found = _first_rule(frame, RULES)
        if found is not None:
            return found
    return OTHER


def parse_line(line: str) -> tuple[list[Frame], int] | None:
    """``frame;frame;... count`` as frames (root first) and count; ``None`` for a blank line."""
    text = line.rstrip("\n")
    if not text.strip():
        return None
    stack, _, count = text.rpartition(" ")
    frames = [Frame.parse(part) for part in stack.split(";") if part.strip()]
    return frames, int(count)


#: the process's entry (``zava-mcp serve`` down to uvicorn): on every stack of the main thread
ENTRY = ("zava_mcp/__main__.py", "zava_mcp/cli.py", "zava_mcp/cli_errors.py")


def zava_function(frame: Frame) -> str | None:
    """``zava_mcp/pipeline.py:CallPipeline._serve`` for a frame of the product package (its
    entry points aside), else ``None``."""
    if not frame.under("zava_mcp/") or frame.under(*ENTRY):
        return None
    return f"{frame.file}:{frame.function}"


@dataclass
class Breakdown:
    """Samples by category, and by zava_mcp function (inclusive: a function counts every
    sample taken while it was on the stack)."""

    samples: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    zava_inclusive: Counter[str] = field(default_factory=Counter)

    def add(self, frames: list[Frame], count: int) -> None:
        self.samples += count
        self.by_category[classify(frames)] += count
        for name in {n for n in map(zava_function, frames) if n is not None}:
            self.zava_inclusive[name] += count

    @classmethod
    def of(cls, raw: str) -> Breakdown:
        out = cls()
        for line in raw.splitlines():
            parsed = parse_line(line)
            if parsed is not None:
                out.add(*parsed)
        return out

    def to_json(self, cpu_ms_per_call: float | None, *, top: int = 15) -> dict[str, object]:
        """Per category: samples, share of all samples and that share of the CPU per call."""

        def share(n: int) -> float:
            return n / self.samples if self.samples else 0.0

        return {
            "samples": self.samples,
            "categories": {
                c: {
                    "samples": self.by_category[c],
                    "share_pct": round(100 * share(self.by_category[c]), 1),
                    "ms_per_call": (
                        round(share(self.by_category[c]) * cpu_ms_per_call, 3)
                        if cpu_ms_per_call is not None
                        else None
                    ),
                }
                for c in CATEGORIES
            },
            "top_zava_functions": [
                {"function": name, "samples": n, "inclusive_pct": round(100 * share(n), 1)}
                for name, n in self.zava_inclusive.most_common(top)
            ],
        }
