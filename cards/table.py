"""Narrow markdown tables for CDS card panels (a sidebar a few hundred pixels wide).

`narrow_table(["Domain", "Level", "Evidence"], rows)`: at most MAX_COLUMNS columns, cells on one line.
Cells are markdown already escaped by the caller (FHIR text through `escape_markdown`); a `|` left in a
cell would split it, so it is escaped here too. Also the jinja2 global `narrow_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MAX_COLUMNS = 4  # wider tables overflow the sandbox's and EHRs' card panels


def _cell(text: object) -> str:
    cell = " ".join(str(text if text is not None else "").split())
    return cell.replace("\\|", "|").replace("|", "\\|")


def narrow_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GFM table; ValueError if it has more than MAX_COLUMNS columns or a row of another width."""
    if not 1 <= len(headers) <= MAX_COLUMNS:
        raise ValueError(f"a card table has 1 to {MAX_COLUMNS} columns, not {len(headers)}")
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row of {len(row)} cells in a table of {len(headers)} columns")
        lines.append("| " + " | ".join(_cell(c) or " " for c in row) + " |")
    return "\n".join(lines)
