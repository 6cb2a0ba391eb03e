"""The course chart as inline SVG, drawn on the server from the result's `course` member (no script,
prints as vector). Two charts on one time axis:

- ESSDAI: activity bands (low < 5, moderate 5-13, high >= 14; scoring.thresholds), each visit a point,
  or a bar from its lower to its upper bound when domains are open; the treatment start (solid) and stop
  (dashed) lines; the MCII line (baseline - 3) over each course; the response at each visit on treatment;
- ESSPRI: each visit a point, the PASS line (< 5) and the MCII line (baseline - min(1, 15 %)).

Each SVG has a <title> and a <desc>; the numbers are in the table beside it (worksheet.course_view).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

from scoring.thresholds import ESSPRI_PASS, HIGH_ACTIVITY, MODERATE_ACTIVITY

W, LEFT, RIGHT = 760, 46, 118
ESSDAI_H, ESSPRI_H, TOP, AXIS = 230, 120, 22, 38
MAX_LABELS = 10  # visit labels above points; more visits (a long history) are read from the table
COLOURS = {"low": "#e3f1e6", "moderate": "#fdf1d3", "high": "#fbdedc", "point": "#0b5cab", "treat": "#6a3d9a",
           "mcii": "#1a6b2f", "pass": "#8a5a00", "met": "#1a6b2f", "not-met": "#a4161a", "undetermined": "#8a5a00"}
STATE_TEXT = {"met": "MCII met", "not-met": "not met", "undetermined": "undecided"}


@dataclass(frozen=True)
class Axis:
    start: date
    end: date

    def x(self, d: date) -> float:
        span = max((self.end - self.start).days, 1)
        return round(LEFT + (W - LEFT - RIGHT) * (d - self.start).days / span, 1)


def _d(iso: str) -> date:
    return date.fromisoformat(iso)


def axis_for(course: dict[str, Any]) -> Axis:
    days = [_d(v["date"]) for v in course["visits"]]
    days += [_d(e["start"]) for e in course["treatment"]["episodes"]]
    first, last = min(days), max(days)
    pad = timedelta(days=max(7, (last - first).days // 30))
    return Axis(first - pad, last + pad)


def _ticks(ax: Axis) -> list[tuple[date, str]]:
    """Month starts for up to 18 months, else 1 January of each year."""
    out: list[tuple[date, str]] = []
    yearly = (ax.end - ax.start).days > 548
    d = date(ax.start.year, 1 if yearly else ax.start.month, 1)
    while d <= ax.end:
        if d >= ax.start:
            out.append((d, str(d.year) if yearly else (f"{d:%b %Y}" if d.month == 1 or not out else f"{d:%b}")))
        d = date(d.year + 1, 1, 1) if yearly else date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _y(value: float, top: float, height: float, vmax: float) -> float:
    return round(top + height * (1 - value / vmax), 1)


def _axis_svg(ax: Axis, top: float, height: float) -> list[str]:
    bottom = top + height
    parts = [f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{W - RIGHT}" y2="{bottom}" stroke="#555"/>']
    for d, label in _ticks(ax):
        x = ax.x(d)
        parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="#555"/>'
                     f'<text x="{x}" y="{bottom + 16}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    return parts


def _treatment_svg(ax: Axis, course: dict[str, Any], top: float, height: float, labels: bool) -> list[str]:
    parts = []
    for e in course["treatment"]["episodes"]:
        x = ax.x(_d(e["start"]))
        parts.append(f'<line class="treatment-start" data-date="{e["start"]}" x1="{x}" y1="{top}" x2="{x}" '
                     f'y2="{top + height}" stroke="{COLOURS["treat"]}" stroke-width="2"/>')
        if labels:
            parts.append(f'<text x="{x + 3}" y="{top + 10}" font-size="11" fill="{COLOURS["treat"]}">'
                         f'{escape(e["drug"])} start</text>')
        if e.get("stop"):
            xs = ax.x(_d(e["stop"]))
            parts.append(f'<line class="treatment-stop" data-date="{e["stop"]}" x1="{xs}" y1="{top}" x2="{xs}" '
                         f'y2="{top + height}" stroke="{COLOURS["treat"]}" stroke-width="2" stroke-dasharray="5 4"/>')
            if labels:
                parts.append(f'<text x="{xs + 3}" y="{top + 22}" font-size="11" fill="{COLOURS["treat"]}">stop</text>')
    return parts


def _episode_end(e: dict[str, Any], ax: Axis) -> date:
    return _d(e["stop"]) if e.get("stop") else ax.end


def _svg(kind: str, title: str, desc: str, height: float, body: Sequence[str]) -> Markup:
    total = TOP + height + AXIS
    name = {"essdai": "ESSDAI", "esspri": "ESSPRI (0–10)"}[kind]
    body = [f'<text x="{LEFT}" y="{TOP - 8}" font-size="12" font-weight="600">{name}</text>', *body]
    return Markup(
        f'<svg class="course-chart {kind}" role="img" aria-labelledby="{kind}-title {kind}-desc" '
        f'viewBox="0 0 {W} {total}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, Arial, sans-serif">'
        f'<title id="{kind}-title">{escape(title)}</title><desc id="{kind}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def essdai_svg(course: dict[str, Any], title: str, desc: str) -> Markup:
    ax = axis_for(course)
    visits = course["visits"]
    highest = max((v["essdai"]["max"] for v in visits if v.get("essdai")), default=0)
    vmax = max(20, -(-(highest + 2) // 5) * 5)
    top, h = TOP, ESSDAI_H
    y = lambda v: _y(v, top, h, vmax)  # noqa: E731
    x0, x1 = LEFT, W - RIGHT
    moderate, high = MODERATE_ACTIVITY.value, HIGH_ACTIVITY.value
    parts = [
        f'<rect class="band low" x="{x0}" y="{y(moderate)}" width="{x1 - x0}" height="{round(y(0) - y(moderate), 1)}" '
        f'fill="{COLOURS["low"]}"/>',
        f'<rect class="band moderate" x="{x0}" y="{y(high)}" width="{x1 - x0}" height="{round(y(moderate) - y(high), 1)}" '
        f'fill="{COLOURS["moderate"]}"/>',
        f'<rect class="band high" x="{x0}" y="{top}" width="{x1 - x0}" height="{round(y(high) - top, 1)}" '
        f'fill="{COLOURS["high"]}"/>',
        f'<text x="{x1 + 6}" y="{round((y(0) + y(moderate)) / 2 + 4, 1)}" font-size="11">low (&lt; {moderate:g})</text>',
        f'<text x="{x1 + 6}" y="{round((y(moderate) + y(high)) / 2 + 4, 1)}" font-size="11">moderate ({moderate:g}–{high - 1:g})</text>',
        f'<text x="{x1 + 6}" y="{round((y(high) + top) / 2 + 4, 1)}" font-size="11">high (≥ {high:g})</text>',
    ]
    for tick in range(0, vmax + 1, 5 if vmax <= 40 else 10):
        parts.append(f'<text x="{x0 - 6}" y="{y(tick) + 4}" font-size="11" text-anchor="end">{tick}</text>')
    parts += _axis_svg(ax, top, h)
    on_treatment = [v for v in visits if v.get("response")]
    labels = len(on_treatment) <= MAX_LABELS
    parts += _treatment_svg(ax, course, top, h, labels)
    need = course["criteria"]["essdaiFall"]
    for e in course["treatment"]["episodes"]:
        base = (e.get("baseline") or {}).get("essdai")
        if not base or base.get("mciiAt") is None or base["mciiAt"] < 0:
            continue
        level = base["mciiAt"]
        xa, xb = ax.x(_d(e["start"])), ax.x(_episode_end(e, ax))
        parts.append(f'<line class="mcii" data-value="{level}" x1="{xa}" y1="{y(level)}" x2="{xb}" y2="{y(level)}" '
                     f'stroke="{COLOURS["mcii"]}" stroke-width="1.5" stroke-dasharray="6 3"/>')
        if labels:
            parts.append(f'<text x="{xa + 3}" y="{y(level) + 13}" font-size="11" fill="{COLOURS["mcii"]}">'
                         f'MCII: {base["score"]} − {need} = {level}</text>')
    points = []
    for v in visits:
        if not v.get("essdai"):
            continue
        x, lo, hi = ax.x(_d(v["date"])), v["essdai"]["score"], v["essdai"]["max"]
        if lo == hi:
            points.append((x, y(lo)))
            parts.append(f'<circle class="essdai-point" data-date="{v["date"]}" data-value="{lo}" cx="{x}" cy="{y(lo)}" '
                         f'r="4.5" fill="{COLOURS["point"]}"/>')
        else:
            parts.append(f'<g class="essdai-range" data-date="{v["date"]}" data-value="{lo}-{hi}" '
                         f'stroke="{COLOURS["point"]}" stroke-width="2.5">'
                         f'<line x1="{x}" y1="{y(lo)}" x2="{x}" y2="{y(hi)}"/>'
                         f'<line x1="{x - 6}" y1="{y(lo)}" x2="{x + 6}" y2="{y(lo)}"/>'
                         f'<line x1="{x - 6}" y1="{y(hi)}" x2="{x + 6}" y2="{y(hi)}"/></g>')
        state = ((v.get("response") or {}).get("essdai") or {}).get("mcii")
        if state:
            parts.append(f'<text class="response {state}" data-date="{v["date"]}" x="{x}" y="{y(hi) - 9}" '
                         f'font-size="11" font-weight="600" text-anchor="middle" fill="{COLOURS[state]}">'
                         f'{STATE_TEXT[state] if labels else "•"}</text>')
    if len(points) > 1:
        path = " ".join(f"{px},{py}" for px, py in points)
        parts.insert(6, f'<polyline points="{path}" fill="none" stroke="{COLOURS["point"]}" stroke-width="1" '
                        f'stroke-opacity=".5"/>')
    return _svg("essdai", title, desc, h, parts)


def esspri_svg(course: dict[str, Any], title: str, desc: str) -> Markup:
    ax = axis_for(course)
    top, h, vmax = TOP, ESSPRI_H, 10
    y = lambda v: _y(v, top, h, vmax)  # noqa: E731
    x0, x1 = LEFT, W - RIGHT
    passed = ESSPRI_PASS.value
    parts = [f'<rect x="{x0}" y="{top}" width="{x1 - x0}" height="{h}" fill="#f6f8fa"/>',
             f'<line class="pass" x1="{x0}" y1="{y(passed)}" x2="{x1}" y2="{y(passed)}" stroke="{COLOURS["pass"]}" '
             f'stroke-dasharray="2 3"/>',
             f'<text x="{x1 + 6}" y="{y(passed) + 4}" font-size="11" fill="{COLOURS["pass"]}">PASS (&lt; {passed:g})</text>']
    for tick in (0, 5, 10):
        parts.append(f'<text x="{x0 - 6}" y="{y(tick) + 4}" font-size="11" text-anchor="end">{tick}</text>')
    parts += _axis_svg(ax, top, h)
    parts += _treatment_svg(ax, course, top, h, False)
    for e in course["treatment"]["episodes"]:
        base = (e.get("baseline") or {}).get("esspri")
        if not base:
            continue
        level = base["mciiAt"]
        xa, xb = ax.x(_d(e["start"])), ax.x(_episode_end(e, ax))
        parts.append(f'<line class="mcii" data-value="{level:g}" x1="{xa}" y1="{y(level)}" x2="{xb}" y2="{y(level)}" '
                     f'stroke="{COLOURS["mcii"]}" stroke-width="1.5" stroke-dasharray="6 3"/>'
                     f'<text x="{xa + 3}" y="{y(level) + 13}" font-size="11" fill="{COLOURS["mcii"]}">'
                     f'MCII: {base["score"]:g} → {level:g}</text>')
    pts = [(ax.x(_d(v["date"])), y(v["esspri"]), v) for v in course["visits"] if v.get("esspri") is not None]
    if len(pts) > 1:
        parts.append(f'<polyline points="{" ".join(f"{px},{py}" for px, py, _ in pts)}" fill="none" '
                     f'stroke="{COLOURS["point"]}" stroke-width="1" stroke-opacity=".5"/>')
    for px, py, v in pts:
        parts.append(f'<circle class="esspri-point" data-date="{v["date"]}" data-value="{v["esspri"]:g}" cx="{px}" '
                     f'cy="{py}" r="4" fill="#fff" stroke="{COLOURS["point"]}" stroke-width="2"/>')
    return _svg("esspri", title, desc, h, parts)
