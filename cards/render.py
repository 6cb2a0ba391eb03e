"""The jinja2 environment for card `detail` markdown (templates in cards/templates/*.md.j2).

StrictUndefined makes a missing field fail a test rather than show a blank to a clinician;
autoescape is off because the output is markdown, not HTML: FHIR-sourced text goes through `|md`.
"""

from __future__ import annotations

from typing import Any

import jinja2

from cards.text import escape_markdown, format_value

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("cards", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # templates ship with the package: no stat() of each file on every render
)
ENV.filters["md"] = escape_markdown
ENV.filters["value"] = format_value


def render(template: str, **values: Any) -> str:
    """Render a detail template; collapses runs of blank lines so the markdown stays tidy."""
    text = ENV.get_template(template).render(**values)
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and (not lines or lines[-1] == ""):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip()
