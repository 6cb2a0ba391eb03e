"""A small progress printer on stderr: one line per phase, rewritten in place on a terminal, with the count
and the rate; counts only (never an id). Quiet when asked."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Phase:
    def __init__(self, name: str, unit: str, *, total: int | None = None, stream: TextIO | None = None,
                 quiet: bool = False, every_s: float = 0.5) -> None:
        self.name, self.unit, self.total = name, unit, total
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.every_s = every_s
        self.count = 0
        self.note = ""
        self.started = time.monotonic()
        self._shown = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self._tty and now - self._shown >= self.every_s:
            self._shown = now
            self._print(end="\r")

    def status(self, note: str) -> None:
        self.note = note
        self.tick(0)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        total = f"/{self.total}" if self.total is not None else ""
        note = f" ({self.note})" if self.note else ""
        return (f"{self.name:<9} {self.count}{total} {self.unit}  {self.count / elapsed:,.0f} {self.unit}/s  "
                f"{elapsed:.1f} s{note}")

    def _print(self, end: str) -> None:
        if not self.quiet:
            print(self.line().ljust(78), end=end, file=self.stream, flush=True)

    def done(self) -> None:
        self._print(end="\n")

    def __enter__(self) -> Phase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()
