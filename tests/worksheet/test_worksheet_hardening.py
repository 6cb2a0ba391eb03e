"""The worksheet's small hardening points: no "saved" banner without a real save, frame-ancestors from
configuration, the OAuth redirect_uri from configuration only (never the Host header)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import responses
from worksheet_helpers import form_of, open_worksheet, text_of

from configuration import ConfigError
from worksheet.routes import EXTENSION_KEY

pytestmark = pytest.mark.integration  # a real FHIR server (sekmet-fhir) answers every read
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'")


@pytest.fixture
def client(make_ws_app: Callable[..., Any]) -> Any:
    return make_ws_app().test_client()


def test_a_forged_saved_query_shows_no_banner(client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    open_worksheet(client, ws_fhir, load_case("sjd-range-3-9"))
    for query in ("saved=5&total=42", "saved=5", "saved=not-a-receipt"):
        text = text_of(client.get(f"/worksheet/?{query}").get_data(as_text=True))
        assert "Saved 5 Observation" not in text and "to the chart" not in text


def test_a_receipt_is_bound_to_its_patient(make_ws_app: Callable[..., Any], ws_fhir: str,
                                            load_case: Callable[[str], str]) -> None:
    app = make_ws_app()
    client = app.test_client()
    first, other = load_case("sjd-range-3-9"), load_case("sjd-range-2-4")
    receipt = app.extensions[EXTENSION_KEY].sealer.seal({"patient": first, "saved": 3, "total": 7})
    open_worksheet(client, ws_fhir, first)
    assert "Saved 3 Observations to the chart, including the ESSDAI total 7." in text_of(
        client.get(f"/worksheet/?saved={receipt}").get_data(as_text=True))
    open_worksheet(client, ws_fhir, other)
    assert "to the chart" not in text_of(client.get(f"/worksheet/?saved={receipt}").get_data(as_text=True))


def test_a_real_save_shows_its_banner(client: Any, ws_fhir: str, load_case: Callable[[str], str]) -> None:
    page = open_worksheet(client, ws_fhir, load_case("sjd-range-3-9"))
    saved = client.post("/worksheet/save", data=form_of(page, **{"biological": "0"}))
    assert saved.status_code == 303
    text = text_of(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Saved 1 Observation to the chart." in text


@pytest.mark.parametrize(("ancestors", "directive"), [
    pytest.param(None, "frame-ancestors 'none'", id="default-no-framing"),
    pytest.param(["https://ehr.example.org", "https://portal.example.org:8443"],
                 "frame-ancestors https://ehr.example.org https://portal.example.org:8443", id="configured-origins"),
])
def test_frame_ancestors_from_configuration(make_ws_app: Callable[..., Any], ws_fhir: str,
                                            load_case: Callable[[str], str], ancestors: Any, directive: str) -> None:
    app = make_ws_app(**({"WORKSHEET_FRAME_ANCESTORS": ancestors} if ancestors else {}))
    client = app.test_client()
    open_worksheet(client, ws_fhir, load_case("sjd-range-3-9"))
    assert client.get("/worksheet/").headers["Content-Security-Policy"] == f"{BASE_CSP}; {directive}"


@pytest.mark.parametrize("value", ["https://ehr.example.org/app", "https://ehr.example.org/../x", "javascript:x"])
def test_frame_ancestors_must_be_origins(make_ws_app: Callable[..., Any], value: str) -> None:
    with pytest.raises(ConfigError):
        make_ws_app(WORKSHEET_FRAME_ANCESTORS=[value])


@pytest.mark.parametrize("iss", ["http://127.0.0.1:99999/fhir", "http://127.0.0.1:20600x/fhir", "http://[::1/fhir",
                                 "http://127.0.0.1:8080/fh\nir", "http://127.0.0.1:8080/fhir\t",
                                 "http://127.0.0.1:8080/fhir/../admin", "http://u:p@127.0.0.1:8080/fhir"])
@pytest.mark.parametrize("route", ["/worksheet/open?patient=p1&iss=", "/worksheet/launch?launch=abc&iss="])
def test_an_unusable_iss_is_a_bad_launch(make_ws_app: Callable[..., Any], route: str, iss: str) -> None:
    client = make_ws_app(WORKSHEET_CLIENT_ID="ws-client", PUBLIC_BASE_URL="https://cds.example.org").test_client()
    resp = client.get(route + quote(iss, safe=""))
    assert (resp.status_code, "The launch request is incomplete" in text_of(resp.get_data(as_text=True))) == (400, True)


def _redirect_uri_sent(make_ws_app: Callable[..., Any], ws_fhir: str, host: str, **config: Any) -> Any:
    app = make_ws_app(WORKSHEET_CLIENT_ID="ws-client", WORKSHEET_OPEN_ACCESS=False, **config)
    smart_conf = {"authorization_endpoint": "https://auth.example.org/authorize",
                  "token_endpoint": "https://auth.example.org/token", "code_challenge_methods_supported": ["S256"]}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(ws_fhir)
        rsps.add(responses.GET, f"{ws_fhir}/.well-known/smart-configuration", json=smart_conf)
        resp = app.test_client().get(f"/worksheet/launch?iss={quote(ws_fhir)}&launch=abc",
                                     headers={"Host": host})
    if resp.status_code != 302:
        return resp.status_code
    return parse_qs(urlsplit(resp.headers["Location"]).query)["redirect_uri"][0]


def test_redirect_uri_comes_from_configuration_not_the_host_header(make_ws_app: Callable[..., Any],
                                                                   ws_fhir: str) -> None:
    assert _redirect_uri_sent(make_ws_app, ws_fhir, "attacker.example", PUBLIC_BASE_URL="https://cds.example.org") \
        == "https://cds.example.org/worksheet/callback"
    assert _redirect_uri_sent(make_ws_app, ws_fhir, "attacker.example", PUBLIC_BASE_URL="https://cds.example.org",
                              WORKSHEET_REDIRECT_URI="https://ws.example.org/cb") == "https://ws.example.org/cb"
    assert _redirect_uri_sent(make_ws_app, ws_fhir, "attacker.example") == 503  # neither set: not-configured


def test_the_database_down_is_a_503_page_and_the_key_is_read_once_it_is_back(
        make_ws_app: Callable[..., Any], ws_fhir: str, tmp_path: Any) -> None:
    # no WORKSHEET_SECRET_KEY: the sealing key lives in the service database, read on first use
    folder = tmp_path / "db-not-yet"
    client = make_ws_app(DATABASE_URL=f"sqlite:///{folder / 'ws.db'}", WORKSHEET_SECRET_KEY=None).test_client()
    down = client.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient=p1")
    assert (down.status_code, down.headers["Retry-After"]) == (503, "5")
    assert "The service&#39;s database is not available" in down.get_data(as_text=True)
    folder.mkdir()
    assert client.get(f"/worksheet/open?iss={quote(ws_fhir)}&patient=p1").status_code == 303


def test_a_deleted_database_file_is_not_recreated_by_the_worksheet_key(
        make_ws_app: Callable[..., Any], ws_fhir: str, tmp_path: Any) -> None:
    database = tmp_path / "ws-key.db"
    app = make_ws_app(DATABASE_URL=f"sqlite:///{database}", WORKSHEET_SECRET_KEY=None)
    app.extensions["essdai_cds.storage"].open()  # the store is open (a hook call opened it), the key not read yet
    database.unlink()
    resp = app.test_client().get(f"/worksheet/open?iss={quote(ws_fhir)}&patient=p1")
    assert (resp.status_code, database.exists()) == (503, False)
