"""Progress for the seed and the embedding step: a bar on a terminal, lines otherwise.

A bar redraws itself with carriage returns, which a log file or CI output shows as nothing at
all for the ~100 s a full seed takes; without a terminal, one line goes to stderr when a step
starts, every few seconds while it runs, and when it ends.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from tqdm import tqdm


class Progress(Protocol):
    def set_description(self, desc: str) -> None: ...

    def update(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class ProgressLines:
    """Plain progress lines for output that is not a terminal."""

    def __init__(
        self,
        desc: str,
        *,
        unit: str,
        total: int | None = None,
        every_s: float = 5.0,
        out: TextIO | None = None,
    ) -> None:
        self.desc, self.unit, self.total, self.every_s = desc, unit, total, every_s
        self.out = out or sys.stderr
        self.done = 0
        self.started = self.last = time.monotonic()
        self._line(f"{desc}...")

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _count(self) -> str:
        of = f"/{self.total:,}" if self.total is not None else ""
        return f"{self.done:,}{of}{self.unit}"

    def set_description(self, desc: str) -> None:
        if desc != self.desc:
            self.desc = desc
            self._line(f"{desc}... ({self._count()} so far)")

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            self._line(f"{self.desc}: {self._count()}, {now - self.started:.0f} s")

    def close(self) -> None:
        self._line(f"{self.desc}: done, {self._count()} in {time.monotonic() - self.started:.1f} s")


def progress(desc: str, *, unit: str, total: int | None = None, enabled: bool = True) -> Progress:
    """A bar on a terminal, lines otherwise, nothing when not ``enabled``."""
    if enabled and not sys.stderr.isatty():
        return ProgressLines(desc, unit=unit, total=total)
    return tqdm(total=total, unit=unit, desc=desc, disable=not enabled, leave=False)
