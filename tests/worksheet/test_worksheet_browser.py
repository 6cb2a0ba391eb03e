"""The worksheet in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against the service under gunicorn, the real FHIR server and the authlib EHR stand-in.

The ESSDAI card of a cohort patient whose eligibility is undetermined carries a SMART link; the EHR
launches it, the clinician consents, sees the evidence, rates the missing domains, watches the total
change, saves; the Observations are on the FHIR server and the next patient-view is determined.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from worksheet_helpers import LiveWorksheet, fhir_observations

from essdai_devtools.card_reading import essdai_cards, extension
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrClient
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS

pytestmark = pytest.mark.integration
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

# docs/worksheet.png is rewritten only on request (ESSDAI_UPDATE_SCREENSHOTS=1), so a test run leaves the
# checkout clean; otherwise the screenshot goes to the test's tmp_path.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "worksheet.png"
LAPTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}


def ehr_client(live: LiveWorksheet, fhir: str, today: date) -> EhrClient:
    return EhrClient(live.base_url, fhir, DEFAULT_ISSUER, live.ehr_key, today=today)


def essdai_card(response: dict[str, Any]) -> dict[str, Any]:
    [card] = essdai_cards(response)
    return card


def launch(page: Any, live: LiveWorksheet, link: dict[str, str], patient: str) -> Any:
    """The EHR performs the SMART launch of the card's link; returns the consent page's response."""
    assert link["type"] == "smart"
    return page.goto(f"{live.ehr.base_url}/ehr/launch?app={quote(link['url'])}&patient={patient}")


def total(page: Any) -> str:
    return page.locator('[data-out="essdai"]').inner_text()


def test_rate_the_missing_domains_save_and_get_a_determined_score(
        browser: Any, live_worksheet: LiveWorksheet, ws_fhir: str, ws_today: date,
        load_case: Callable[[str], str], tmp_path: Path) -> None:
    live = live_worksheet
    patient = load_case("sjd-range-3-9")  # cutaneous 1 rated, glandular + biological without data: [3, 9]
    ehr = ehr_client(live, ws_fhir, ws_today)
    before = essdai_card(ehr.patient_view(patient))
    assert extension(before)["essdai"]["score"] == 3 and extension(before)["essdai"]["max"] == 9
    assert "met" not in extension(before)["eligibility"]  # undetermined (null members are omitted)
    [link] = before["links"]
    assert link == {"label": "Open the ESSDAI worksheet", "url": f"{live.base_url}/worksheet/launch", "type": "smart",
                    "appContext": json.dumps({"patient": patient})}

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        launch(page, live, link, patient)
        page.click("#allow")  # the EHR's consent page
        page.wait_for_url(f"{live.base_url}/worksheet/")
        assert page.locator("h1").inner_text() == "ESSDAI worksheet"
        assert f"Patient/{patient}" in page.locator("header").inner_text()
        assert total(page) == "at least 3 (up to 9)"
        assert page.locator('[data-out="eligibility"]').inner_text().startswith("Not decided")
        sections = [s.get_attribute("id") for s in page.locator("section.domain").all()]
        assert sections == [f"d-{d}" for d in DOMAINS] + ["d-esspri"]  # EULAR order, then ESSPRI
        cutaneous = page.locator("#status-cutaneous")
        assert "Level 1 — Low · 3 points · clinician rating" in cutaneous.inner_text()
        assert re.search(r"Observation/[\w-]+", cutaneous.locator("td.ref").first.inner_text())
        assert "Not determined: level 0 to 2" in page.locator("#status-glandular").inner_text()

        # keyboard first: the skip link, then the parotid size typed into its labelled field
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to the result"
        page.get_by_label("Parotid enlargement (cm)").fill("2")
        expect(page.locator('[data-out="essdai"]')).to_have_text("at least 5 (up to 9)")
        assert page.locator('[data-out="eligibility"]').inner_text() == "Met: ESSDAI ≥ 5"
        page.select_option("#f-submandibular-lacrimal-swelling", "none")
        expect(page.locator('[data-out="essdai"]')).to_have_text("at least 5 (up to 7)")
        page.focus("#f-biological")
        page.keyboard.press("ArrowDown")  # "— not rated —" -> "0 — No activity"
        expect(page.locator('[data-out="essdai"]')).to_have_text("5")
        assert page.locator('[data-out="category"]').inner_text() == "moderate activity"
        assert "entered on this worksheet (not saved yet)" in page.locator("#status-glandular").inner_text()

        # tablet: one column, the result above the domains
        page.set_viewport_size(TABLET)
        assert page.locator("aside.summary").bounding_box()["y"] < page.locator("#d-constitutional").bounding_box()["y"]
        page.set_viewport_size(LAPTOP)
        # print view: no buttons, only what was entered
        page.emulate_media(media="print")
        assert not page.locator("#save").is_visible()
        assert page.locator('[data-control="parotid-size-cm"]').is_visible()
        assert not page.locator('[data-control="synovitis-count"]').is_visible()
        page.emulate_media(media="screen")

        page.locator("#d-glandular").scroll_into_view_if_needed()
        update_docs = os.environ.get("ESSDAI_UPDATE_SCREENSHOTS") == "1"
        page.screenshot(path=str(DOCS_SCREENSHOT if update_docs else tmp_path / "worksheet.png"))

        count_before = len(fhir_observations(ws_fhir, patient))
        page.click("#save")
        page.wait_for_url(re.compile(r".*/worksheet/\?saved=[^&]+$"))  # a sealed receipt
        assert page.locator("#message").inner_text() == (
            "Saved 4 Observations to the chart, including the ESSDAI total 5.")
        assert total(page) == "5"
    finally:
        context.close()

    written = fhir_observations(ws_fhir, patient)
    assert len(written) == count_before + 4
    latest = {o["code"]["coding"][0]["code"]: o for o in written}
    assert latest["parotid-size-cm"]["valueQuantity"]["value"] == 2
    assert latest["submandibular-lacrimal-swelling"]["valueString"] == "none"
    assert latest["biological"]["valueInteger"] == 0
    assert latest["essdai-total"]["valueInteger"] == 5

    after = essdai_card(ehr.patient_view(patient))
    ext = extension(after)
    assert (ext["essdai"]["score"], ext["essdai"]["max"], ext["eligibility"]["met"]) == (5, 5, True)
    assert ext["essdai"]["category"] == "moderate"
    assert after["summary"] == "ESSDAI is 5 (moderate activity), which meets the ≥5 threshold."


def test_declined_consent_ends_on_a_clear_page(browser: Any, live_worksheet: LiveWorksheet,
                                               load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-2-4")
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        link = {"type": "smart", "url": f"{live_worksheet.base_url}/worksheet/launch"}
        launch(page, live_worksheet, link, patient)
        with page.expect_response(re.compile(r".*/worksheet/callback\?.*")) as answer:
            page.click("#deny")
        assert answer.value.status == 403
        assert page.locator("h1").inner_text() == "Access was not granted"
        assert "Traceback" not in page.content()
    finally:
        context.close()
