"""What sekmet-fhir cannot be made to do, with `responses`: several files per type, a `deleted` file, 429 with
Retry-After (seconds and HTTP date), an expired file URL renewed from the status URL, a failed file retried,
POST kick-off with a Parameters body, DELETE on Ctrl-C, the _typeFilter a conformant server receives, and the
allowlist (no request, no token, to any other origin)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from screening.bulk_client import BulkClient, BulkError, retry_after
from screening.export_request import ExportRequest, rule_reads
from screening.store import LoadCounts, ScreenStore

BASE = "https://fhir.example.org/r4"
STATUS = f"{BASE}/bulk-status/job-1"


class FixedTokens:
    def __init__(self) -> None:
        self.issued = 0

    def token(self) -> str:
        self.issued += 1
        return f"token-{self.issued}"

    def invalidate(self) -> None:
        pass


def _client(waits: list[float], tokens: FixedTokens | None = None) -> BulkClient:
    return BulkClient(requests.Session(), BASE, tokens=tokens, allowed=lambda u: u.startswith(BASE + "/"),
                      sleep=waits.append)


def _ndjson(*resources: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in resources)


def _manifest(output: list[dict], deleted: list[dict] | None = None) -> dict:
    return {"transactionTime": "2026-12-01T10:00:00Z", "request": f"{BASE}/$export", "requiresAccessToken": True,
            "output": output, "deleted": deleted or [], "error": []}


@responses.activate
def test_kickoff_polls_with_retry_after_and_downloads_several_files_per_type_and_deletions(tmp_path: Path) -> None:
    responses.get(f"{BASE}/$export", status=202, headers={"Content-Location": STATUS})
    responses.get(STATUS, status=429, headers={"Retry-After": "7"})
    responses.get(STATUS, status=202, headers={"Retry-After": "3", "X-Progress": "50%"})
    responses.get(STATUS, json=_manifest(
        [{"type": "Observation", "url": f"{BASE}/files/obs-1.ndjson"},
         {"type": "Observation", "url": f"{BASE}/files/obs-2.ndjson"},
         {"type": "Patient", "url": f"{BASE}/files/pat.ndjson"}],
        [{"type": "Bundle", "url": f"{BASE}/files/del.ndjson"}]))
    responses.get(f"{BASE}/files/obs-1.ndjson", body=_ndjson(
        {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/a"}}))
    responses.get(f"{BASE}/files/obs-2.ndjson", body=_ndjson(
        {"resourceType": "Observation", "id": "o2", "subject": {"reference": f"{BASE}/Patient/b"}}))
    responses.get(f"{BASE}/files/pat.ndjson", body=_ndjson({"resourceType": "Patient", "id": "a"},
                                                           {"resourceType": "Patient", "id": "b"}))
    responses.get(f"{BASE}/files/del.ndjson", body=_ndjson(
        {"resourceType": "Bundle", "type": "transaction",
         "entry": [{"request": {"method": "DELETE", "url": "Observation/o0"}}]}))
    waits: list[float] = []
    tokens = FixedTokens()
    bulk = _client(waits, tokens)
    status = bulk.kickoff(ExportRequest(types=("Patient", "Observation"), since="2026-11-01T00:00:00Z"))
    manifest = bulk.wait(status)
    got = bulk.download(status, manifest, tmp_path / "dl")
    assert waits == [7.0, 3.0]
    assert [(t, p.name) for t, p in got.files] == [("Observation", "Observation-0.ndjson"),
                                                   ("Observation", "Observation-1.ndjson"), ("Patient", "Patient-2.ndjson")]
    assert got.deleted == [("Observation", "o0")]
    kick = responses.calls[0].request
    assert kick.headers["Prefer"] == "respond-async" and kick.headers["Accept"] == "application/fhir+json"
    assert dict(parse_qsl(urlsplit(kick.url).query)) == {
        "_outputFormat": "application/fhir+ndjson", "_type": "Patient,Observation", "_since": "2026-11-01T00:00:00Z"}
    assert all(c.request.headers["Authorization"].startswith("Bearer token-") for c in responses.calls)

    with ScreenStore(tmp_path / "s.sqlite") as store:
        counts = LoadCounts()
        for _t, path in got.files:
            store.load_lines(path.read_bytes().splitlines(), counts)
        assert sorted(counts.touched) == ["a", "b"] and store.patients() == ["a", "b"]


@responses.activate
def test_an_expired_file_url_is_renewed_from_the_status_url_and_a_failed_file_retried(tmp_path: Path) -> None:
    responses.get(STATUS, json=_manifest([{"type": "Patient", "url": f"{BASE}/files/old.ndjson"}]))
    responses.get(STATUS, json=_manifest([{"type": "Patient", "url": f"{BASE}/files/new.ndjson"}]))
    responses.get(f"{BASE}/files/old.ndjson", status=410)
    responses.get(f"{BASE}/files/new.ndjson", status=503)
    responses.get(f"{BASE}/files/new.ndjson", body=_ndjson({"resourceType": "Patient", "id": "a"}))
    waits: list[float] = []
    bulk = _client(waits)
    got = bulk.download(STATUS, bulk.wait(STATUS), tmp_path)
    assert got.files[0][1].read_text() == '{"resourceType": "Patient", "id": "a"}\n'
    assert [c.request.url for c in responses.calls] == [STATUS, f"{BASE}/files/old.ndjson", STATUS,
                                                        f"{BASE}/files/new.ndjson", f"{BASE}/files/new.ndjson"]


@responses.activate
def test_a_file_that_keeps_failing_stops_the_screen_with_a_clear_error(tmp_path: Path) -> None:
    responses.get(f"{BASE}/files/p.ndjson", status=500)
    bulk = _client([])
    with pytest.raises(BulkError, match="output file 0 could not be downloaded after 5 tries"):
        bulk.download(STATUS, _manifest([{"type": "Patient", "url": f"{BASE}/files/p.ndjson"}]), tmp_path)


@responses.activate
def test_post_kickoff_sends_parameters_and_cancel_deletes_the_job() -> None:
    responses.post(f"{BASE}/Group/g1/$export", status=202, headers={"Content-Location": STATUS})
    responses.delete(STATUS, status=202)
    bulk = _client([])
    status = bulk.kickoff(ExportRequest(level="group", group_id="g1", types=("Patient",)), method="POST")
    assert bulk.cancel(status) is True
    body = json.loads(responses.calls[0].request.body)
    assert body == {"resourceType": "Parameters", "parameter": [
        {"name": "_outputFormat", "valueString": "application/fhir+ndjson"}, {"name": "_type", "valueString": "Patient"}]}
    assert responses.calls[1].request.method == "DELETE"


@responses.activate
def test_file_urls_off_the_allowlisted_origin_are_never_fetched(tmp_path: Path) -> None:
    tokens = FixedTokens()
    bulk = _client([], tokens)
    with pytest.raises(BulkError, match="files.elsewhere.example is not an allowlisted FHIR origin"):
        bulk.download(STATUS, _manifest([{"type": "Patient", "url": "https://files.elsewhere.example/p.ndjson"}]),
                      tmp_path)
    assert len(responses.calls) == 0 and tokens.issued == 0


def test_retry_after_reads_seconds_and_http_dates_and_caps_the_wait() -> None:
    assert retry_after("5") == 5.0
    assert retry_after(None) == 1.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go now
    assert retry_after("100000") == 120.0


def test_the_export_asks_only_for_what_the_rules_read() -> None:
    from configuration import load_config
    from fhir_mappings.code_tables import loinc

    types, filters = rule_reads(load_config({"AUTH_ENABLED": False}))
    assert types == ("Patient", "Condition", "Observation", "MedicationRequest", "MedicationStatement",
                     "AllergyIntolerance", "Immunization", "Medication")
    codes = ",".join(sorted({f"http://loinc.org|{c}" for c in loinc.codes_for(*loinc.ANALYTES)}))
    assert filters == (f"Observation?code={codes}", "Observation?code=http://essdai-cds.org/fhir/CodeSystem/essdai|")
    params = ExportRequest(types=types, type_filters=filters).params()
    assert [v for k, v in params if k == "_typeFilter"] == list(filters)


@responses.activate
def test_ctrl_c_while_polling_cancels_the_export_on_the_server(tmp_path: Path) -> None:
    from configuration import load_config
    from screening.run import ScreenOptions, run_screen

    responses.get(f"{BASE}/$export", status=202, headers={"Content-Location": STATUS})
    responses.get(STATUS, status=202, headers={"Retry-After": "5"})
    responses.delete(STATUS, status=202)

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    config = load_config({"AUTH_ENABLED": False, "FHIR_ALLOWLIST": [BASE]})
    with pytest.raises(KeyboardInterrupt):
        run_screen(ScreenOptions(out=tmp_path, as_of=date(2026, 12, 1), config=config, fhir=BASE, quiet=True,
                                 sleep=interrupt))
    assert [(c.request.method, c.request.url.split("?")[0]) for c in responses.calls] == [
        ("GET", f"{BASE}/$export"), ("GET", STATUS), ("DELETE", STATUS)]
    assert not (tmp_path / "report.html").exists()


@responses.activate
def test_a_patient_level_export_reads_the_medications_its_requests_point_at(tmp_path: Path) -> None:
    from configuration import load_config
    from screening.run import ScreenOptions, run_screen

    responses.get(f"{BASE}/Patient/$export", status=202, headers={"Content-Location": STATUS})
    responses.get(STATUS, json=_manifest([{"type": "Patient", "url": f"{BASE}/files/p.ndjson"},
                                          {"type": "MedicationRequest", "url": f"{BASE}/files/mr.ndjson"}]))
    responses.get(f"{BASE}/files/p.ndjson", body=_ndjson({"resourceType": "Patient", "id": "a"}))
    responses.get(f"{BASE}/files/mr.ndjson", body=_ndjson(
        {"resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "order",
         "subject": {"reference": "Patient/a"}, "medicationReference": {"reference": "Medication/m1"}}))
    medication = {"resourceType": "Medication", "id": "m1", "code": {"text": "baricitinib 2 mg tablet"}}
    responses.get(f"{BASE}/Medication/m1", json=medication)
    config = load_config({"AUTH_ENABLED": False, "FHIR_ALLOWLIST": [BASE]})
    summary = run_screen(ScreenOptions(out=tmp_path, as_of=date(2026, 12, 1), config=config, fhir=BASE,
                                       level="patient", quiet=True, sleep=lambda s: None))
    kick = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert "Medication" not in kick["_type"].split(",")  # not in the Patient compartment: read by reference
    assert [c.request.url for c in responses.calls][-1] == f"{BASE}/Medication/m1"
    with ScreenStore(tmp_path / "screen.sqlite") as store:
        assert dict(store.medications()) == {"Medication/m1": medication}
    assert (summary.patients, summary.scored) == (1, 1)


@responses.activate
def test_backend_services_token_is_asked_with_an_es384_assertion_and_renewed_after_a_401(tmp_path: Path) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from screening.smart_backend import ASSERTION_TYPE, BackendClient, TokenSource, token_endpoint

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (tmp_path / "k.pem").write_bytes(pem)
    token_url = "https://fhir.example.org/auth/token"
    responses.get(f"{BASE}/.well-known/smart-configuration", json={"token_endpoint": token_url})
    responses.post(token_url, json={"access_token": "first", "expires_in": 300, "token_type": "bearer"})
    responses.post(token_url, json={"access_token": "second", "expires_in": 300, "token_type": "bearer"})
    responses.get(f"{BASE}/Group/g", status=401)
    responses.get(f"{BASE}/Group/g", json={"resourceType": "Group", "id": "g"})
    session = requests.Session()
    source = TokenSource(session, BackendClient.from_files("screen-1", tmp_path / "k.pem"),
                         token_endpoint(session, BASE, 5))
    bulk = BulkClient(session, BASE, tokens=source, allowed=lambda u: True, sleep=lambda s: None)
    assert bulk.request("GET", f"{BASE}/Group/g").status_code == 200
    form = dict(parse_qsl(responses.calls[1].request.body))
    assert (form["grant_type"], form["scope"], form["client_assertion_type"]) == \
           ("client_credentials", "system/*.read", ASSERTION_TYPE)
    claims = jwt.decode(form["client_assertion"], key.public_key(), algorithms=["ES384"], audience=token_url)
    assert (claims["iss"], claims["sub"], claims["exp"] - claims["iat"]) == ("screen-1", "screen-1", 300)
    assert jwt.get_unverified_header(form["client_assertion"])["alg"] == "ES384"
    assert [c.request.headers.get("Authorization") for c in responses.calls[2:] if "Group" in c.request.url] == \
           ["Bearer first", "Bearer second"]


@responses.activate
@pytest.mark.parametrize(("kept", "engine", "results_store", "message"), [
    pytest.param("parquet", "embedded", None, "--since: the previous screen kept its rows in parquet, this engine "
                 "keeps them in sqlite; run a full screen with --engine embedded first", id="spark-then-embedded"),
    pytest.param("sqlite", "spark", None, "--since: the previous screen kept its rows in sqlite, this engine keeps "
                 "them in parquet; run a full screen with --engine spark first", id="embedded-then-spark"),
    pytest.param("sqlite", "embedded", "elsewhere.parquet", "--results-store is the Spark engine's Parquet store: "
                 "it needs --engine spark", id="results-store-without-spark"),
])
def test_an_incremental_run_needs_the_rows_of_a_run_with_the_same_engine(
        tmp_path: Path, kept: str, engine: str, results_store: str | None, message: str) -> None:
    from configuration import load_config
    from screening.run import ScreenError, ScreenOptions, run_screen

    if engine == "spark":
        pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    with ScreenStore(tmp_path / "screen.sqlite") as store:
        store.set_meta("transaction_time", "2026-11-30T00:00:00Z")
        store.set_meta("results", kept)
    config = load_config({"AUTH_ENABLED": False, "FHIR_ALLOWLIST": [BASE]})
    with pytest.raises(ScreenError) as refused:
        run_screen(ScreenOptions(out=tmp_path, as_of=date(2026, 12, 1), config=config, fhir=BASE, since="last",
                                 engine=engine, quiet=True,
                                 results_store=tmp_path / results_store if results_store else None))
    assert str(refused.value) == message
    assert len(responses.calls) == 0  # refused before anything is asked of the server


def test_a_line_nested_too_deep_to_store_is_skipped_and_counted_not_a_crash(tmp_path: Path) -> None:
    # 300 levels: orjson reads it (1,024) but cannot write it back (255) for the store
    deep = '{"resourceType":"Observation","id":"o-deep","subject":{"reference":"Patient/a"},"x":' \
        + "[" * 300 + "]" * 300 + "}"
    lines = [b'{"resourceType":"Patient","id":"a"}', deep.encode(),
             b'{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/a"}}']
    with ScreenStore(tmp_path / "s.sqlite") as store:
        counts = LoadCounts()
        store.load_lines(lines, counts)
        kept = sorted(r["id"] for _pid, resources in store.by_patient(None) for r in resources)
    assert (counts.resources, counts.skipped) == (2, 1)
    assert kept == ["a", "o1"]
