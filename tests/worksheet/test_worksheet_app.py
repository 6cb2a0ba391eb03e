"""The worksheet through the Flask test client against the suite's real (open) FHIR server: the page,
live recompute, save, and every way a request is refused. Demo access (`/worksheet/open`) stands in
for a launch here; the SMART launch has its own tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
import responses
from worksheet_helpers import chart_facts, fhir_observations, form_of, open_worksheet, text_of

import scoring
from configuration.worksheet_link import card_link
from worksheet.controls import CONTROL_BY_CODE, Entry, with_entries
from worksheet.routes import EXTENSION_KEY
from worksheet.session import SESSION_COOKIE, WorksheetSession
from essdai_devtools.card_reading import essdai_cards, extension
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS

pytestmark = pytest.mark.integration  # a real FHIR server (sekmet-fhir) answers every read

class LabelAudit(HTMLParser):
    """Every form control has an accessible name: <label for>, or a fieldset legend for radio/checkbox groups."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.grouped = 0
        self.fieldsets_without_legend = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "fieldset":
            self._stack.append(False)
        elif tag == "legend" and self._stack:
            self._stack[-1] = True
        elif tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        elif tag == "select" or (tag == "input" and a.get("type") not in ("hidden", "radio", "checkbox")):
            self.ids.append(str(a.get("id")))
        elif tag == "input" and a.get("type") in ("radio", "checkbox"):
            self.grouped += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._stack and not self._stack.pop():
            self.fieldsets_without_legend += 1


@pytest.fixture
def app(make_ws_app: Callable[..., Any]) -> Any:
    return make_ws_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# --- the page ----------------------------------------------------------------------------------------------

def test_page_shows_every_domain_in_eular_order_with_evidence_definitions_and_labelled_controls(
        client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-lab-neutropenia-igg")
    page = open_worksheet(client, ws_fhir, patient)
    assert re.findall(r'<section class="domain" id="d-([a-z]+)"', page) == list(DOMAINS)
    text = text_of(page)
    # derived evidence: value, unit, date and source resource (neutrophils 0.8 10*9/L = 800/uL -> level 2)
    haem = text[text.index("11. Haematological"):text.index("12. Biological")]
    assert "Level 2 — Moderate · 4 points · derived from the record and findings" in haem
    assert re.search(r"Neutrophils \[#/volume\] in Blood.*? 800 /uL \d{4}-\d\d-\d\d Observation/[\w-]+", haem)
    assert "500 ≤ neutrophils ≤ 1000/mm³" in haem  # the EULAR definition, with its source
    assert "[C1 (ESSDAI form transcription; S1 rows after the pulmonary header not verified) · P]" in haem
    assert "ESSDAI 7 Disease activity moderate activity ESSDAI eligibility threshold Met: ESSDAI ≥ 5" in text
    audit = LabelAudit()
    audit.feed(page)
    assert len(audit.ids) == sum(1 for c in CONTROL_BY_CODE.values() if c.kind not in ("boolean", "multi"))
    assert set(audit.ids) <= audit.label_for
    assert audit.fieldsets_without_legend == 0 and audit.grouped > 0


def test_page_headers_keep_phi_out_of_caches_and_scripts_same_origin(client: Any, ws_fhir: str,
                                                                     load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    resp = client.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient={patient}")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/worksheet" in cookie
    page = client.get("/worksheet/")
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Server-Timing"].startswith("app;dur=")
    assert "<script>" not in page.get_data(as_text=True)  # no inline script: the CSP would block it


# --- live recompute ----------------------------------------------------------------------------------------

def test_recompute_is_the_scoring_core_on_chart_plus_entries_and_writes_nothing(
        client: Any, ws_fhir: str, ws_today: date, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")  # cutaneous 1 rated; glandular and biological have no data: [3, 9]
    page = open_worksheet(client, ws_fhir, patient)
    assert "at least 3 (up to 9)" in text_of(page)
    before = len(fhir_observations(ws_fhir, patient))

    resp = client.post("/worksheet/api/recompute", data=form_of(
        page, **{"parotid-size-cm": "2", "submandibular-lacrimal-swelling": "none", "biological": "0",
                 "synovitis-count": "30"}))
    assert resp.status_code == 200
    body = resp.get_json()
    entries = [Entry("parotid-size-cm", 2.0, "cm"), Entry("submandibular-lacrimal-swelling", "none"),
               Entry("biological", 0)]
    expected = scoring.assess(with_entries(chart_facts(ws_fhir, patient, ws_today), entries)).to_json()
    assert body["assessment"] == expected
    assert (expected["essdai"]["score"], expected["essdai"]["max"]) == (5, 5)
    assert body["summary"]["essdai"] == "5"
    assert body["summary"]["eligibility"] == "Met: ESSDAI ≥ 5"
    assert body["summary"]["category"] == "moderate activity"
    assert body["errors"] == {"synovitis-count": "must be at most 28"}  # reported, not used
    assert "Level 1 — Low" in body["domains"]["glandular"]
    assert "entered on this worksheet (not saved yet)" in body["domains"]["glandular"]
    assert len(fhir_observations(ws_fhir, patient)) == before


def test_recompute_refuses_a_form_it_did_not_issue(client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    page = open_worksheet(client, ws_fhir, patient)
    stale = client.post("/worksheet/api/recompute", data=form_of(page, chart="forged"))
    assert (stale.status_code, stale.get_json()["error"]) == (409, "stale")
    wrong = client.post("/worksheet/api/recompute", data=form_of(page, patient="someone-else"))
    assert (wrong.status_code, wrong.get_json()["error"]) == (409, "wrong-patient")
    no_csrf = client.post("/worksheet/api/recompute", data=form_of(page, csrf="x"))
    assert (no_csrf.status_code, no_csrf.get_json()["error"]) == (400, "bad-request")


# --- save ---------------------------------------------------------------------------------------------------

def test_save_writes_one_transaction_and_patient_view_then_agrees(
        client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    page = open_worksheet(client, ws_fhir, patient)
    before = fhir_observations(ws_fhir, patient)
    resp = client.post("/worksheet/save", data=form_of(
        page, **{"parotid-size-cm": "2", "submandibular-lacrimal-swelling": "none", "biological": "0"}))
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/worksheet/?saved=")  # a sealed receipt, not a count

    written = [o for o in fhir_observations(ws_fhir, patient) if o["id"] not in {b["id"] for b in before}]
    by_code = {o["code"]["coding"][0]["code"]: o for o in written}
    assert sorted(by_code) == ["biological", "essdai-total", "parotid-size-cm", "submandibular-lacrimal-swelling"]
    assert by_code["parotid-size-cm"]["valueQuantity"] == {"value": 2.0, "unit": "cm",
                                                           "system": "http://unitsofmeasure.org", "code": "cm"}
    assert by_code["submandibular-lacrimal-swelling"]["valueString"] == "none"
    assert by_code["biological"]["valueInteger"] == 0
    total = by_code["essdai-total"]
    assert total["valueInteger"] == 5
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in total["component"]] == [
        (d, {"cutaneous": 1, "glandular": 1}.get(d, 0)) for d in DOMAINS]
    assert {f"Observation/{by_code[c]['id']}" for c in ("parotid-size-cm", "biological")} <= {
        r["reference"] for r in total["derivedFrom"]}

    after = client.get(resp.headers["Location"])
    text = text_of(after.get_data(as_text=True))
    assert "Saved 4 Observations to the chart, including the ESSDAI total 5." in text
    assert "All 12 domains are determined." in text

    hook = client.post("/cds-services/essdai-activity", json={
        "hook": "patient-view", "hookInstance": "0f5e2a3c-6a7b-4c1d-9e2f-3a4b5c6d7e8f", "fhirServer": ws_fhir,
        "context": {"patientId": patient, "userId": "Practitioner/p"}})
    assert hook.status_code == 200
    [card] = essdai_cards(hook.get_json())
    ext = extension(card)
    assert (ext["essdai"]["score"], ext["essdai"]["max"], ext["eligibility"]["met"]) == (5, 5, True)


def test_failed_save_keeps_what_was_entered_and_says_why(client: Any, ws_fhir: str,
                                                         load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    page = open_worksheet(client, ws_fhir, patient)
    before = len(fhir_observations(ws_fhir, patient))
    outcome = {"resourceType": "OperationOutcome",
               "issue": [{"severity": "error", "code": "exception", "diagnostics": "database is locked"}]}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add_passthru(ws_fhir)
        mock.add(responses.POST, f"{ws_fhir}/", json=outcome, status=503, content_type="application/fhir+json")
        resp = client.post("/worksheet/save", data=form_of(
            page, **{"parotid-size-cm": "2.5", "submandibular-lacrimal-swelling": "limited", "splenomegaly": "false",
                     "pns-feature": ["trigeminal-neuralgia", "cidp-mild"]}))
    assert resp.status_code == 502
    again = resp.get_data(as_text=True)
    assert "Nothing was saved: the FHIR server answered 503: database is locked." in text_of(again)
    assert 'name="parotid-size-cm" value="2.5"' in again
    assert '<option value="limited" selected>' in again
    assert 'name="splenomegaly" value="false" checked' in again
    assert 'value="trigeminal-neuralgia" checked' in again and 'value="cidp-mild" checked' in again
    assert "at least 5 (up to 7)" in text_of(again)  # the totals still show the entries
    assert len(fhir_observations(ws_fhir, patient)) == before


@pytest.mark.parametrize(("fields", "message", "marked"), [
    ({"synovitis-count": "31", "parotid-size-cm": "2"}, "Nothing was saved: correct the fields marked below.",
     "synovitis-count"),
    ({}, "Nothing was saved: no value was entered.", None),
])
def test_save_with_nothing_valid_writes_nothing(client: Any, ws_fhir: str, load_case: Callable[[str], str],
                                                fields: dict[str, str], message: str, marked: str | None) -> None:
    patient = load_case("sjd-range-3-9")
    page = open_worksheet(client, ws_fhir, patient)
    before = len(fhir_observations(ws_fhir, patient))
    resp = client.post("/worksheet/save", data=form_of(page, **fields))
    assert resp.status_code == 422
    again = resp.get_data(as_text=True)
    assert message in text_of(again)
    if marked:
        assert re.search(rf'id="f-{marked}"[^>]*aria-invalid="true"', again)
        assert f'<p class="error" id="e-{marked}" data-error="{marked}">must be at most 28</p>' in again
    assert len(fhir_observations(ws_fhir, patient)) == before


# --- refusals end on a page, not a stack trace ---------------------------------------------------------------

def test_save_for_another_patient_is_refused(client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    first, second = load_case("sjd-range-3-9"), load_case("sjd-range-2-4")
    page_first = open_worksheet(client, ws_fhir, first)
    open_worksheet(client, ws_fhir, second)  # another tab: this browser's session is now the second patient
    resp = client.post("/worksheet/save", data=form_of(page_first, **{"biological": "0"}))
    assert resp.status_code == 409
    assert "This worksheet belongs to another patient" in text_of(resp.get_data(as_text=True))
    assert [o for o in fhir_observations(ws_fhir, first) if o["code"]["coding"][0]["code"] == "biological"] == []


@pytest.mark.parametrize(("path", "status", "title"), [
    ("/worksheet/", 401, "No worksheet is open"),
    ("/worksheet/open?iss=https%3A%2F%2Fevil.example.org%2Ffhir&patient=p1", 403, "This FHIR server is not allowed"),
    ("/worksheet/open?iss=&patient=p1", 400, "The launch request is incomplete"),
    ("/worksheet/launch?iss=http%3A%2F%2F127.0.0.1%3A9%2Ffhir&launch=x", 503,
     "The worksheet is not set up for SMART launch"),
    ("/worksheet/callback?code=c&state=s", 400, "The launch has expired"),
])
def test_refusals_are_pages(client: Any, path: str, status: int, title: str) -> None:
    resp = client.get(path)
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page and "Traceback" not in page


def test_bad_patient_id_and_disabled_demo_access(make_ws_app: Callable[..., Any], ws_fhir: str) -> None:
    client = make_ws_app().test_client()
    assert client.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient=../x").status_code == 400
    closed = make_ws_app(WORKSHEET_OPEN_ACCESS=False).test_client()
    resp = closed.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient=p1")
    assert resp.status_code == 403 and "Opening without sign-in is disabled" in resp.get_data(as_text=True)


def test_expired_session_and_post_without_form(app: Any, client: Any, ws_fhir: str) -> None:
    sealer = app.extensions[EXTENSION_KEY].sealer
    old = WorksheetSession("open", ws_fhir, "p1", expires_at=1.0, csrf="c")
    client.set_cookie(SESSION_COOKIE, sealer.seal(asdict(old)), path="/worksheet")
    resp = client.get("/worksheet/")
    assert resp.status_code == 401 and "Your worksheet session has expired" in resp.get_data(as_text=True)
    assert client.post("/worksheet/save", data={}).status_code == 401


def test_internal_error_is_a_page_without_details(client: Any, ws_fhir: str, load_case: Callable[[str], str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    patient = load_case("sjd-range-3-9")
    client.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient={patient}")

    def broken(_facts: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(scoring, "assess", broken)
    resp = client.get("/worksheet/")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "<h1>Something went wrong</h1>" in page and "secret detail" not in page


# --- the card's link -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("config", "expected"), [
    ({}, None),
    ({"WORKSHEET_URL": "https://cds.example.org/worksheet/launch"},
     {"label": "Open the ESSDAI worksheet", "url": "https://cds.example.org/worksheet/launch", "type": "smart",
      "appContext": '{"patient": "sjd-1"}'}),
    ({"WORKSHEET_URL": "http://127.0.0.1:8080/worksheet/launch", "WORKSHEET_OPEN_ACCESS": True},
     {"label": "Open the ESSDAI worksheet", "type": "absolute",
      "url": "http://127.0.0.1:8080/worksheet/open?iss=http%3A%2F%2F127.0.0.1%3A18090%2Ffhir&patient=sjd-1"}),
])
def test_card_link_is_smart_or_in_the_demo_absolute_without_secrets(config: dict[str, Any],
                                                                      expected: dict[str, str] | None) -> None:
    link = card_link(config, fhir_server="http://127.0.0.1:18090/fhir", patient_id="sjd-1", environ={})
    assert link == expected
