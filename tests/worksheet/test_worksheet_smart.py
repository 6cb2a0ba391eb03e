"""SMART App Launch of the worksheet against the authlib EHR stand-in (smart_ehr.py), over real HTTP:
EHR launch and standalone launch, PKCE S256, the token's patient, the FHIR gateway checking the token,
and every launch failure ending on a clear page."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from smart_ehr import CLIENT_ID, EhrStandIn, Token
from worksheet_helpers import fhir_observations, form_of, text_of

from configuration.worksheet_link import card_link
from worksheet.routes import EXTENSION_KEY
from configuration.worksheet import DEFAULT_SCOPES

pytestmark = pytest.mark.integration  # a real FHIR server (sekmet-fhir) answers every read

REDIRECT = "http://localhost/worksheet/callback"


@pytest.fixture
def ehr(ws_fhir: str) -> Iterator[EhrStandIn]:
    with EhrStandIn(ws_fhir, redirect_uris=[REDIRECT]) as stand_in:
        yield stand_in


def smart_app(make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn, **extra: Any) -> Any:
    return make_ws_app(FHIR_ALLOWLIST=[ws_fhir, ehr.fhir_base], WORKSHEET_OPEN_ACCESS=False,
                       WORKSHEET_CLIENT_ID=CLIENT_ID, WORKSHEET_REDIRECT_URI=REDIRECT, **extra)


def start(client: Any, ehr: EhrStandIn, patient: str | None, app_context: str | None = None) -> str:
    """The EHR launches the worksheet (standalone when `patient` is None); returns the authorize URL."""
    query = f"iss={quote(ehr.fhir_base)}" + (f"&launch={ehr.new_launch(patient, app_context)}" if patient else "")
    resp = client.get(f"/worksheet/launch?{query}")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return resp.headers["Location"]


def consent(authorize_url: str, decision: str, **form: str) -> str:
    """The user answers the EHR's consent page; returns where the EHR sends the browser back to."""
    with requests.Session() as browser:
        page = browser.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text
        resp = browser.post(authorize_url, data={"decision": decision, **form}, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def back(client: Any, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    return client.get(f"{parts.path}?{parts.query}")


def test_ehr_launch_reads_and_writes_the_chart_with_the_users_token(
        make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    authorize = start(client, ehr, patient)

    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert authorize.startswith(f"{ehr.base_url}/auth/authorize?")
    assert (params["response_type"], params["client_id"], params["redirect_uri"]) == ("code", CLIENT_ID, REDIRECT)
    assert params["scope"] == f"launch {DEFAULT_SCOPES}"
    assert (params["aud"], params["launch"]) == (ehr.fhir_base, list(ehr.launches)[-1])
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 30

    done = back(client, consent(authorize, "allow"))
    assert (done.status_code, done.headers["Location"]) == (303, "/worksheet/")
    [token_request] = ehr.token_requests
    verifier = token_request["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == params["code_challenge"]  # the verifier kept server-side matches the S256 challenge
    assert "client_secret" not in token_request  # a public client: PKCE only

    page = client.get("/worksheet/").get_data(as_text=True)
    assert f"Patient/{patient}" in text_of(page) and "SMART launch" in text_of(page)
    assert ehr.fhir_requests and {p for _, _, p in ehr.fhir_requests} == {patient}  # every read used the token

    saved = client.post("/worksheet/save", data=form_of(page, **{"biological": "0"}))
    assert saved.status_code == 303
    assert ehr.fhir_requests[-1][:2] == ("POST", "")
    assert "Saved 1 Observation to the chart." in text_of(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert [o["valueInteger"] for o in fhir_observations(ws_fhir, patient)
            if o["code"]["coding"][0]["code"] == "biological"] == [0]


def test_standalone_launch_lets_the_user_pick_the_patient(
        make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-2-4")
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    authorize = start(client, ehr, None)
    params = parse_qs(urlsplit(authorize).query)
    assert params["scope"] == [f"launch/patient {DEFAULT_SCOPES}"] and "launch" not in params
    done = back(client, consent(authorize, "allow", patient=patient))
    assert done.status_code == 303
    assert f"Patient/{patient}" in text_of(client.get("/worksheet/").get_data(as_text=True))


def test_revoked_token_ends_on_a_page_and_a_save_keeps_the_entries(
        make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn, load_case: Callable[[str], str]) -> None:
    patient = load_case("sjd-range-3-9")
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    back(client, consent(start(client, ehr, patient), "allow"))
    page = client.get("/worksheet/").get_data(as_text=True)
    ehr.db.query(Token).delete()  # the EHR revokes every token
    ehr.db.commit()
    resp = client.post("/worksheet/save", data=form_of(page, **{"synovitis-count": "4"}))
    assert resp.status_code == 502
    again = resp.get_data(as_text=True)
    assert ("Nothing was saved: the FHIR server refused the authorisation (401): it may have expired or may not "
            "allow writing Observations.") in text_of(again)
    assert 'name="synovitis-count" value="4"' in again
    reload = client.get("/worksheet/")
    assert reload.status_code == 401 and "Your worksheet session has expired" in reload.get_data(as_text=True)


# --- launch failures -------------------------------------------------------------------------------------------

def test_denied_consent(make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn) -> None:
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    resp = back(client, consent(start(client, ehr, "p-denied"), "deny"))
    assert resp.status_code == 403
    page = resp.get_data(as_text=True)
    assert "<h1>Access was not granted</h1>" in page and "Nothing was read from or written to the chart." in page
    assert ehr.token_requests == [] and ehr.fhir_requests == []


def test_launch_for_another_patient_than_the_cards(make_ws_app: Callable[..., Any], ws_fhir: str,
                                                   ehr: EhrStandIn, load_case: Callable[[str], str]) -> None:
    card_patient, launched = load_case("sjd-range-3-9"), load_case("sjd-range-2-4")
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    link = card_link({"WORKSHEET_URL": "http://localhost/worksheet/launch"}, fhir_server=ehr.fhir_base,
                     patient_id=card_patient, environ={})
    assert link is not None and link["type"] == "smart"
    resp = back(client, consent(start(client, ehr, launched, link["appContext"]), "allow"))
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "<h1>This worksheet belongs to another patient</h1>" in page
    assert client.get("/worksheet/").status_code == 401  # no session was opened
    assert ehr.fhir_requests == []
    same = back(client, consent(start(client, ehr, card_patient, link["appContext"]), "allow"))
    assert same.status_code == 303


def test_expired_launch(make_ws_app: Callable[..., Any], ws_fhir: str, ehr: EhrStandIn) -> None:
    app = smart_app(make_ws_app, ws_fhir, ehr, WORKSHEET_LAUNCH_TTL_S=600)
    client = app.test_client()
    callback = consent(start(client, ehr, "p-late"), "allow")
    app.extensions[EXTENSION_KEY].sealer.clock = lambda: time.time() + 601  # the user came back 10 minutes later
    resp = back(client, callback)
    assert resp.status_code == 400 and "<h1>The launch has expired</h1>" in resp.get_data(as_text=True)
    assert ehr.token_requests == []


def test_callback_state_must_match_and_is_used_once(make_ws_app: Callable[..., Any], ws_fhir: str,
                                                    ehr: EhrStandIn, load_case: Callable[[str], str]) -> None:
    client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
    callback = consent(start(client, ehr, load_case("sjd-range-2-4")), "allow")
    forged = back(client, callback.replace("state=", "state=x"))
    assert forged.status_code == 400 and "does not match this launch" in forged.get_data(as_text=True)
    assert back(client, callback).status_code == 303
    replay = back(client, callback)  # e.g. the page reloaded after the sign-in finished
    assert replay.status_code == 400 and "<h1>The launch has expired</h1>" in replay.get_data(as_text=True)
    assert len(ehr.token_requests) == 1


@pytest.mark.parametrize(("stand_in", "title", "status"), [
    ({"issue_patient": False}, "No patient was selected", 400),
    ({"advertise_pkce": False}, "The EHR&#39;s authorisation server does not support PKCE (S256)", 502),
])
def test_unusable_authorisation_server(make_ws_app: Callable[..., Any], ws_fhir: str, stand_in: dict[str, bool],
                                       title: str, status: int) -> None:
    with EhrStandIn(ws_fhir, redirect_uris=[REDIRECT], **stand_in) as ehr:
        client = smart_app(make_ws_app, ws_fhir, ehr).test_client()
        query = f"iss={quote(ehr.fhir_base)}&launch={ehr.new_launch('p1')}"
        resp = client.get(f"/worksheet/launch?{query}")
        if resp.status_code == 302:
            resp = back(client, consent(resp.headers["Location"], "allow"))
    assert resp.status_code == status and f"<h1>{title}</h1>" in resp.get_data(as_text=True)


def test_launch_from_a_server_outside_the_allowlist(make_ws_app: Callable[..., Any], ws_fhir: str,
                                                    ehr: EhrStandIn) -> None:
    client = make_ws_app(WORKSHEET_CLIENT_ID=CLIENT_ID).test_client()  # the EHR's FHIR base is not allowlisted
    resp = client.get(f"/worksheet/launch?iss={quote(ehr.fhir_base)}&launch=abc")
    assert resp.status_code == 403 and "<h1>This FHIR server is not allowed</h1>" in resp.get_data(as_text=True)
    assert ehr.fhir_requests == []


def test_the_worksheet_reads_only_what_its_default_scopes_allow() -> None:
    """An EHR that enforces scopes answers 403 to any other read, and a refused read ends the page ("session
    expired"): the safety-only searches (AllergyIntolerance, Immunization) are not the worksheet's."""
    from configuration import defaults
    from worksheet.chart import _spec

    read = {s.removeprefix("patient/").removesuffix(".read") for s in DEFAULT_SCOPES.split() if s.endswith(".read")}
    searched = {template.split("?")[0].split("/")[0] for template in _spec().templates(defaults()).values()}
    assert searched == {"Patient", "Condition", "Observation", "MedicationRequest", "MedicationStatement"}
    assert searched <= read
