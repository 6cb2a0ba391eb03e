"""The HTML screening report: attrition funnel, ESSDAI range distribution, candidates by deciding domain,
as inline SVG (no script, no external asset: it opens from a file), and, only in identified mode, the list.

Every plot is made of counts; the identified table appears only when the run was asked for identities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from screening.candidates import POSSIBLE, classification_counts, status_of

ESSDAI_MAX = 123  # the index's maximum (scoring.domains weights; essdai-rules.md §0)
THRESHOLD = 5  # drawn on the plot only; eligibility itself comes from scoring (row["eligible"])
BAR_H, GAP, LABEL_W, PLOT_W = 18, 6, 330, 420


def _bars(items: Sequence[tuple[str, int]], *, title: str, colour: str = "#2b6cb0") -> Markup:
    """Horizontal bars with a label and the count at the end of each."""
    top = max((n for _, n in items), default=0) or 1
    height = len(items) * (BAR_H + GAP) + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="{LABEL_W + PLOT_W + 60}" height="{height}">']
    for i, (label, n) in enumerate(items):
        y = GAP + i * (BAR_H + GAP)
        w = round(PLOT_W * n / top)
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 13}" text-anchor="end" font-size="12">{escape(label)}</text>'
                     f'<rect x="{LABEL_W}" y="{y}" width="{max(w, 1)}" height="{BAR_H}" fill="{colour}"/>'
                     f'<text x="{LABEL_W + w + 6}" y="{y + 13}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _ranges(rows: Iterable[Mapping[str, Any]]) -> Markup:
    """One bar per distinct ESSDAI range [score, max] (patients in scope), from score to max on 0-123, with the
    number of patients; a dashed line at the threshold."""
    counts = Counter((r["essdai_score"], r["essdai_max"]) for r in rows
                     if r.get("in_scope") and r.get("essdai_score") is not None)
    items = sorted(counts.items())
    height = len(items) * (BAR_H + GAP) + GAP + 20
    scale = PLOT_W / ESSDAI_MAX
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="ESSDAI range distribution" '
             f'width="{LABEL_W + PLOT_W + 60}" height="{height}">']
    for i, ((lo, hi), n) in enumerate(items):
        y = GAP + i * (BAR_H + GAP)
        x, w = LABEL_W + lo * scale, max((hi - lo) * scale, 3)
        colour = "#2f855a" if lo >= THRESHOLD else "#d69e2e" if hi >= THRESHOLD else "#a0aec0"
        label = f"ESSDAI {lo}" if lo == hi else f"ESSDAI {lo}-{hi}"
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 13}" text-anchor="end" font-size="12">{label}</text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>'
                     f'<text x="{x + w + 6:.1f}" y="{y + 13}" font-size="12">{n} patient{"s" if n != 1 else ""}'
                     f'</text>')
    tx = LABEL_W + THRESHOLD * scale
    bottom = height - 20
    parts.append(f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{bottom}" stroke="#c53030" stroke-dasharray="4 3"/>'
                 f'<text x="{tx:.1f}" y="{bottom + 14}" font-size="11" fill="#c53030">{THRESHOLD}</text>'
                 f'<text x="{LABEL_W + PLOT_W:.1f}" y="{bottom + 14}" font-size="11" text-anchor="end">'
                 f'{ESSDAI_MAX}</text></svg>')
    return Markup("".join(parts))


def _by_domain(entries: Iterable[Mapping[str, Any]]) -> Markup:
    counts: Counter[str] = Counter()
    for e in entries:
        if e["status"] == POSSIBLE:
            counts.update(e.get("deciding") or ())
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return _bars(items or [("(no possible candidates)", 0)], title="Possible candidates by deciding domain",
                 colour="#d69e2e")


def render(*, rows: list[Mapping[str, Any]], entries: list[Mapping[str, Any]], funnel: list[Mapping[str, Any]],
           meta: Mapping[str, Any], identified: bool) -> str:
    env = Environment(loader=PackageLoader("screening", "templates"), autoescape=select_autoescape(["html", "j2"]))
    statuses = Counter(status_of(r) for r in rows)
    return env.get_template("report.html.j2").render(
        meta=meta, funnel=funnel, identified=identified, entries=entries if identified else [],
        certain=statuses.get("eligible", 0), possible=statuses.get("possible", 0),
        classification=classification_counts(rows),
        funnel_svg=_bars([(s["step"], s["patients"]) for s in funnel], title="Attrition funnel"),
        ranges_svg=_ranges(rows), domains_svg=_by_domain(entries),
    )
