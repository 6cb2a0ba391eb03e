"""Threshold tables as data: the rows read like the published ESSDAI table, bounds included.

A table maps one value (in its canonical unit) to a candidate activity level. Attribution (is the
abnormality due to Sjögren's?) is decided elsewhere, by the item that reads the table.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable


class Mark(StrEnum):
    """Confidence marks, as used in the rule documents (essdai-rules.md, jak-safety-rules.md)."""

    V = "V"  # verified in a primary source (or a near-verbatim copy)
    S = "S"  # secondary source; probably correct
    R = "R"  # recollection; must be verified
    P = "P"  # one public source only
    G = "G"  # best guess
    UNVERIFIED = "UNVERIFIED"


OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Limit:
    """One cut-off value with its source (eligibility, category, MCII, PASS, classification items)."""

    value: float
    unit: str
    source: str
    mark: Mark
    note: str = ""


@dataclass(frozen=True)
class ThresholdTable:
    unit: str  # canonical UCUM unit of the limits
    rows: tuple[tuple[str, float, int], ...]  # (op, limit, level), first match wins
    otherwise: int
    source: str  # a citation a reviewer can open
    mark: Mark
    note: str = ""  # boundary rule or caveat
    floor: float = 0.0  # lowest possible value, for "<" comparators ("<0.5" = somewhere in [floor, 0.5))

    def level(self, value: float) -> int:
        return next((lvl for op, lim, lvl in self.rows if OPS[op](value, lim)), self.otherwise)

    def deciding(self, value: float, comparator: str | None = None) -> str | None:
        """The cut-off that decided `value`'s level, as shown beside the value: the first matching row
        ("> 20"), or, when none matches, the last row negated ("< 16"). None for a value given with a
        comparator ("<0.5"): its level may rest on more than one row."""
        if comparator not in (None, "", "=") or not self.rows:
            return None
        for op, lim, _ in self.rows:
            if OPS[op](value, lim):
                return f"{op} {lim:g}"
        op, lim, _ = self.rows[-1]
        return f"{NEGATED[op]} {lim:g}"

    @property
    def max_level(self) -> int:
        return max([self.otherwise, *(lvl for _, _, lvl in self.rows)])

    def levels_for(self, value: float, comparator: str | None = None) -> tuple[int, int]:
        """(lowest, highest) level over every value the result could be.

        "<0.5" means the true value is below 0.5: only if every such value gives the same level is the
        level decided (lowest == highest). An unknown comparator is treated as an open interval both ways.
        """
        if comparator in (None, "", "="):
            lvl = self.level(value)
            return lvl, lvl
        if comparator in ("<", "<="):
            low, high, low_open, high_open = self.floor, value, False, comparator == "<"
            if high <= low:
                lvl = self.level(value)
                return lvl, lvl
        elif comparator in (">", ">="):
            low, high, low_open, high_open = value, math.inf, comparator == ">", True
        else:
            low, high, low_open, high_open = -math.inf, math.inf, True, True
        probes = [p for p in (low, high) if math.isfinite(p)]
        for _, lim, _ in self.rows:
            probes += [lim, _below(lim), _above(lim)]
        if math.isfinite(low) and low_open:
            probes.append(_above(low))
        if math.isfinite(high) and high_open:
            probes.append(_below(high))
        if not math.isfinite(high):
            probes.append(1e15)
        inside = [
            p
            for p in probes
            if (p > low or (p == low and not low_open)) and (p < high or (p == high and not high_open))
        ]
        levels = {self.level(p) for p in inside} or {self.level(value)}
        return min(levels), max(levels)


def _eps(x: float) -> float:
    return 1e-9 * max(1.0, abs(x))


def _below(x: float) -> float:
    return x - _eps(x)


def _above(x: float) -> float:
    return x + _eps(x)
