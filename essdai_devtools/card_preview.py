"""Cards as a CDS client's card panel shows them: markdown rendered to HTML in a panel of a fixed width,
optionally photographed by headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

`python -m essdai_devtools.card_preview tests/e2e/card_snapshots/*.md --png docs/cards.png` renders the
reviewed snapshots; `panel_overflow()` says which cards are wider than the panel (a table too wide for it).
The panel is 480 px wide, about the sandbox's card column on a laptop screen.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PANEL_PX = 480
INDICATOR_COLOURS = {"info": "#2b6cb0", "warning": "#c05621", "critical": "#c53030"}
STYLE = f"""
body {{ font: 14px/1.4 system-ui, sans-serif; background: #edf2f7; margin: 16px; }}
.card {{ width: {PANEL_PX}px; box-sizing: border-box; background: #fff; border-left: 6px solid; margin: 0 0 16px;
         padding: 8px 12px; overflow-x: auto; }}
.card h2 {{ font-size: 15px; margin: 4px 0 8px; }}
table {{ border-collapse: collapse; font-size: 13px; }} td, th {{ border: 1px solid #cbd5e0; padding: 2px 4px; }}
h3 {{ font-size: 14px; margin: 10px 0 4px; }} p, ul {{ margin: 4px 0; }}
"""
_CARD = re.compile(r"<!-- card \d+: (\w+) -->\n## (.*?)\n\n(.*?)(?=\n<!-- card |\Z)", re.S)


def cards_of_snapshot(text: str) -> list[dict[str, str]]:
    """The cards of a snapshot file (tests/e2e/card_snapshots): indicator, summary, detail."""
    return [{"indicator": m[0], "summary": m[1], "detail": m[2].strip()} for m in _CARD.findall(text)]


def panel_html(cards: list[dict[str, Any]], title: str = "cards") -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    body = "".join(
        f'<div class="card" style="border-color:{INDICATOR_COLOURS.get(c["indicator"], "#718096")}">'
        f'<h2>{html.escape(c["summary"])}</h2>{md.render(c.get("detail", ""))}</div>' for c in cards)
    return f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style>{body}"


def _page(pw: Any, page_html: str) -> tuple[Any, Any]:
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": PANEL_PX + 40, "height": 800})
    page.set_content(page_html)
    return browser, page


_OVERFLOWING = ("els => els.filter(e => e.scrollWidth > e.clientWidth + 1)"
                ".map(e => e.querySelector('h2').textContent)")


def panel_overflow(cards: list[dict[str, Any]], browser: Any = None) -> list[str]:
    """Summaries of the cards whose content is wider than the panel, as Chromium lays them out.

    `browser`: an already running Playwright Chromium (the test suite's shared one: Playwright's sync API
    allows one instance per process); without it, one is launched for this call."""
    if browser is not None:
        page = browser.new_page(viewport={"width": PANEL_PX + 40, "height": 800})
        try:
            page.set_content(panel_html(cards))
            return page.eval_on_selector_all(".card", _OVERFLOWING)
        finally:
            page.close()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        own, page = _page(pw, panel_html(cards))
        try:
            return page.eval_on_selector_all(".card", _OVERFLOWING)
        finally:
            own.close()


def screenshot(cards: list[dict[str, Any]], png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser, page = _page(pw, panel_html(cards))
        try:
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("snapshots", nargs="+", type=Path)
    p.add_argument("--png", type=Path, required=True)
    args = p.parse_args(argv)
    cards = [c for path in args.snapshots for c in cards_of_snapshot(path.read_text(encoding="utf-8"))]
    screenshot(cards, args.png)
    print(f"{len(cards)} cards -> {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
