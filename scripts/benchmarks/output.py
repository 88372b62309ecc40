"""The benchmark's console output: one line per step with the elapsed time, and the summary.

This is the bench CLI's output module, so it prints (to stdout, flushed at every line).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_started = time.monotonic()


def reset_clock() -> None:
    global _started
    _started = time.monotonic()


def elapsed() -> float:
    return time.monotonic() - _started


def _clock() -> str:
    seconds = elapsed()
    return f"[{int(seconds // 60):02d}:{seconds % 60:05.2f}]"


def say(message: str) -> None:
    """One progress line, prefixed with the time since the run started."""
    print(f"{_clock()} {message}", flush=True)


@contextmanager
def step(name: str, *, heartbeat_s: float = 20.0) -> Iterator[None]:
    """``name ...`` then ``name done in Xs``; a line every ``heartbeat_s`` while it runs.

    The heartbeat runs in a thread of its own, so a step that keeps the event loop busy (the seed
    generator, an index build waiting on the server) still shows that it is alive.
    """
    say(f"{name} ...")
    began = time.monotonic()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(heartbeat_s):
            say(f"  ... {name}: still running ({time.monotonic() - began:.0f}s)")

    thread = threading.Thread(target=beat, name="bench-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        say(f"{name} FAILED after {time.monotonic() - began:.1f}s")
        raise
    finally:
        stop.set()
        thread.join(timeout=1)
    say(f"{name} done in {time.monotonic() - began:.1f}s")


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width text table."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    for row in cells:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(out)


def emit(text: str = "") -> None:
    print(text, flush=True)


def warn(text: str) -> None:
    print(f"{_clock()} WARNING: {text}", file=sys.stderr, flush=True)
