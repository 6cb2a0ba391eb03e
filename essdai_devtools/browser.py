"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright (no browser
download), with the flags a root user in a container needs and nothing that phones home."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def headless_chromium(sync_api: Any) -> Iterator[Any]:
    """`with headless_chromium(playwright.sync_api) as browser:` (the caller imports playwright, or skips)."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
