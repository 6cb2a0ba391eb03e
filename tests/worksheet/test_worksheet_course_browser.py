"""The course in a real browser: headless Chromium against the service under gunicorn, the real FHIR
server and the EHR stand-in. The ESSDAI card of a patient who stopped and restarted baricitinib links to
the worksheet's course; the EHR launches it with the link's appContext; the page opens at the course, the
charts are drawn, the numbers are in the table, the summary says the ESSPRI change, and the print view keeps
them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from worksheet_helpers import LiveWorksheet

from cards.text import date_words
from essdai_devtools.card_reading import essdai_cards
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrClient

pytestmark = pytest.mark.integration
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "worksheet-course.png"
LAPTOP = {"width": 1280, "height": 900}


def test_the_card_link_opens_the_course(browser: Any, live_worksheet: LiveWorksheet, ws_fhir: str, ws_today: date,
                                        load_case: Callable[[str], str], tmp_path: Path) -> None:
    live = live_worksheet
    patient = load_case("course-stop-restart")
    ehr = EhrClient(live.base_url, ws_fhir, DEFAULT_ISSUER, live.ehr_key, today=ws_today)
    [card] = essdai_cards(ehr.patient_view(patient))
    assert card["summary"] == "ESSDAI is 6 at week 12 of baricitinib vs baseline 11; response (fall ≥ 3) is met."
    [link] = card["links"]
    assert link["type"] == "smart" and json.loads(link["appContext"]) == {"patient": patient, "section": "course"}

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live.ehr.base_url}/ehr/launch?app={quote(link['url'])}&patient={patient}"
                  f"&appContext={quote(link['appContext'])}")
        page.click("#allow")
        page.wait_for_url(f"{live.base_url}/worksheet/#course")
        section = page.locator("#course")
        expect_top = section.bounding_box()["y"]
        assert -2 <= expect_top < 50  # scrolled to the course (sub-pixel)
        assert section.locator("h2").inner_text().startswith("Course on baricitinib since")
        assert section.locator("svg.essdai").is_visible() and section.locator("svg.esspri").is_visible()
        assert section.locator("svg.essdai circle.essdai-point").count() == 4
        assert section.locator("svg.essdai line.treatment-start").count() == 2
        assert section.locator("svg.essdai line.treatment-stop").count() == 1
        assert page.locator("script[src]").count() == 1  # the page's one script; the chart needs none
        rows = section.locator("table.course-table tbody tr")
        assert rows.count() == 4
        assert "MCII met (fall 5)" in rows.nth(3).inner_text()
        box = section.locator("svg.essdai").bounding_box()
        assert box["width"] > 500 and box["height"] > 200  # drawn at a readable size on a laptop
        update_docs = os.environ.get("ESSDAI_UPDATE_SCREENSHOTS") == "1"
        section.screenshot(path=str(DOCS_SCREENSHOT if update_docs else tmp_path / "worksheet-course.png"))
        change = page.locator('#summary [data-out="esspri-change"]')  # issue 12's change, worded as on the card
        week_12 = date_words((ws_today - timedelta(days=84)).isoformat())
        assert change.inner_text() == "6.33 → 5 (−1.33, −21 %); MCII reached (fall ≥ 1 point or ≥ 15 %)"
        assert page.locator("#summary dt", has_text="ESSPRI change").text_content() == f"ESSPRI change since {week_12}"
        page.emulate_media(media="print")
        assert section.locator("svg.essdai").is_visible() and rows.nth(0).is_visible()
        assert change.is_visible()  # the print view keeps it
        page.emulate_media(media="screen")
    finally:
        context.close()
