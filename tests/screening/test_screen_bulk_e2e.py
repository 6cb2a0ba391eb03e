"""End to end against sekmet-fhir with SMART Backend Services: Bulk export of the synthetic cohort -> embedded
engine -> the candidate list the generator expects, for every patient; each row equals `essdai-cds score` for
that patient; `--since` after an update re-scores only the changed patient; a patient who leaves the Group
leaves the list."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from configuration import load_config
from essdai_cds.cli import main as cli_main
from screening.run import ScreenOptions, run_screen
from screening.store import ScreenStore

pytestmark = pytest.mark.integration

try:  # the Spark engine runs where the [spark] extra is installed
    import pyspark  # noqa: F401

    ENGINES = ("embedded", "spark")
except ImportError:
    ENGINES = ("embedded",)


def _config(base_url: str) -> dict[str, Any]:
    return load_config({"AUTH_ENABLED": False, "FHIR_ALLOWLIST": [base_url], "ALLOW_INSECURE_FHIR": True})


def _options(bulk: Any, out: Path, as_of: date, **kw: Any) -> ScreenOptions:
    return ScreenOptions(out=out, as_of=as_of, config=_config(bulk.base_url), fhir=bulk.base_url,
                         client_id=bulk.client_id, private_key=bulk.key_path, quiet=True, **kw)


def _expected_status(p: dict[str, Any]) -> str | None:
    if p["quiet"]:
        return None
    met = p["eligibility"]["met"]
    return "eligible" if met is True else "possible" if met is None else None


@pytest.fixture(scope="module")
def system_screen(bulk_server: Any, tmp_path_factory: pytest.TempPathFactory,
                  assessment_date: date) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("screen-system")
    # sekmet 0.1.1 splits _typeFilter values on commas and ANDs filters of one type: it cannot take the
    # code-list filters (see test_screen_bulk_faults for the request a conformant server gets)
    summary = run_screen(_options(bulk_server, out, assessment_date, identified=True, requested_by="e2e-test",
                                  type_filter=False))
    return out, summary


def test_candidate_list_equals_the_generator_expectations_for_every_patient(system_screen, bulk_server) -> None:
    out, summary = system_screen
    expected = bulk_server.expected["patients"]
    rows = {r["patient_id"]: r for r in ScreenStore(out / "screen.sqlite").rows()}
    assert sorted(rows) == sorted(expected)
    for pid, p in expected.items():
        row = rows[pid]
        assert (pid, row["in_scope"]) == (pid, not p["quiet"])
        if p["quiet"]:
            continue
        assert (pid, row["essdai_score"], row["essdai_max"], row["category"], row["eligible"]) == \
               (pid, p["essdai"]["score"], p["essdai"]["max"], p["category"], p["eligibility"]["met"])
    listed = list(csv.DictReader(io.StringIO((out / "candidates.csv").read_text())))
    want = {pid: _expected_status(p) for pid, p in expected.items() if _expected_status(p)}
    assert {e["patient_id"]: e["status"] for e in listed} == want
    statuses = [e["status"] for e in listed]
    assert statuses == sorted(statuses, key=lambda s: s != "eligible")  # every certain one before any possible
    assert summary.candidates == len(want) and summary.patients == len(expected)
    audit = [json.loads(x) for x in (out / "audit.log").read_text().splitlines()]
    assert [(a["who"], a["group"], a["rows"]) for a in audit] == [("e2e-test", "all patients", len(want))]
    group = json.loads((out / "candidates-group.json").read_text())
    assert sorted(m["entity"]["reference"] for m in group["member"]) == sorted(f"Patient/{p}" for p in want)


def test_each_screening_row_equals_essdai_cds_score_for_that_patient(system_screen, bulk_server, tmp_path,
                                                                     assessment_date) -> None:
    out, _summary = system_screen
    store = ScreenStore(out / "screen.sqlite")
    rows = {r["patient_id"]: r for r in store.rows()}
    compared = 0
    for pid, resources in store.by_patient():
        path = tmp_path / f"{pid}.ndjson"
        path.write_text("".join(json.dumps(r) + "\n" for r in resources))
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            assert cli_main(["score", str(path), "--at", assessment_date.isoformat(), "--patient", pid]) == 0
        assert (pid, json.loads(buffer.getvalue())) == (pid, rows[pid]["assessment"])
        compared += 1
    assert compared == len(rows) == len(bulk_server.expected["patients"])


def _put_rating(base_url: str, token: str, pid: str, level: int, as_of: date) -> None:
    """Change one patient's clinician rating of the articular domain (an update the next export carries)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    search = requests.get(f"{base_url}/Observation", params={"patient": pid, "code": "articular"},
                          headers=headers, timeout=30).json()
    found = [e["resource"] for e in search.get("entry", []) if e["resource"].get("valueInteger") is not None]
    assert found, f"{pid} has no articular rating"
    obs = found[0]
    obs["valueInteger"] = level
    obs["effectiveDateTime"] = as_of.isoformat()
    response = requests.put(f"{base_url}/Observation/{obs['id']}", json=obs,
                            headers={**headers, "Content-Type": "application/fhir+json"}, timeout=30)
    assert response.status_code in (200, 201), response.text


def _row_texts(out: Path, spark: Any) -> dict[str, str]:
    """patient -> row_json as the engine's results store keeps it (SQLite, or Parquet with Spark)."""
    if spark is None:
        with ScreenStore(out / "screen.sqlite") as store:
            texts = list(store.row_texts())
    else:
        from screening.parquet_results import ParquetResults

        texts = list(ParquetResults(out / "results.parquet", spark).row_texts())
    return {orjson.loads(t)["patient_id"]: t for t in texts}


def test_since_rescoring_touches_only_the_changed_patient(bulk_server, tmp_path, assessment_date) -> None:
    everyone = len(bulk_server.expected["patients"])
    with contextlib.ExitStack() as stack:
        spark = None
        if "spark" in ENGINES:
            from screening.engine_spark import spark_context

            spark = stack.enter_context(spark_context("local[1]"))
        contexts = {"embedded": None, "spark": spark}

        def screen(engine: str, **kw: Any) -> Any:
            return run_screen(_options(bulk_server, tmp_path / engine, assessment_date, type_filter=False,
                                       engine=engine, spark=contexts[engine], **kw))

        first = {engine: screen(engine) for engine in ENGINES}
        before = {engine: _row_texts(tmp_path / engine, contexts[engine]) for engine in ENGINES}
        for engine in ENGINES:
            assert (engine, first[engine].scored, bool(first[engine].transaction_time)) == (engine, everyone, True)
            assert before[engine] == before["embedded"]  # byte for byte, SQLite and Parquet
        rated = orjson.loads(before["embedded"]["sjd-rated-4"])
        assert rated["essdai_score"] == 4 and rated["eligible"] is False
        _put_rating(bulk_server.base_url, bulk_server.load_token, "sjd-rated-4", 3, assessment_date)
        second = {engine: screen(engine, since="last") for engine in ENGINES}
        after = {engine: _row_texts(tmp_path / engine, contexts[engine]) for engine in ENGINES}
    for engine in ENGINES:
        assert (engine, second[engine].scored_patients, second[engine].scored) == (engine, {"sjd-rated-4"}, 1)
        assert sorted(after[engine]) == sorted(before[engine])
        assert {p for p in after[engine] if after[engine][p] != before[engine][p]} == {"sjd-rated-4"}
        assert after[engine] == after["embedded"]
        assert second[engine].to_json()["attrition"][0] == {"step": "patients screened", "patients": everyone}
    rescored = orjson.loads(after["embedded"]["sjd-rated-4"])
    assert (rescored["eligible"], rescored["essdai_score"]) == (True, 6)  # articular 3 x weight 2


def _put_group(bulk: Any, members: list[str]) -> None:
    group = {"resourceType": "Group", "id": "screen-cohort", "type": "person", "actual": True,
             "member": [{"entity": {"reference": f"Patient/{pid}"}} for pid in members]}
    response = requests.put(f"{bulk.base_url}/Group/screen-cohort", json=group, timeout=30,
                            headers={"Authorization": f"Bearer {bulk.load_token}",
                                     "Content-Type": "application/fhir+json"})
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_group_export_and_a_patient_who_leaves_the_group_leaves_the_list(
        engine, bulk_server, tmp_path, assessment_date, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ESSDAI_CDS_FHIR_ALLOWLIST", bulk_server.base_url)
    monkeypatch.setenv("ESSDAI_CDS_ALLOW_INSECURE_FHIR", "true")
    everyone = sorted(bulk_server.expected["patients"])
    _put_group(bulk_server, everyone)
    out = tmp_path / "group-screen"
    argv = ["screen", "--fhir", bulk_server.base_url, "--group", "screen-cohort", "--client-id",
            bulk_server.client_id, "--private-key", str(bulk_server.key_path), "--no-type-filter", "--out", str(out),
            "--at", assessment_date.isoformat(), "--identified", "--requested-by", "recruiter-1", "--quiet",
            "--engine", engine, "--master", "local[1]"]
    assert cli_main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    listed = [e["patient_id"] for e in csv.DictReader(io.StringIO((out / "candidates.csv").read_text()))]
    assert "sjd-rated-14" in listed and first["patients"] == len(everyone)

    _put_group(bulk_server, [p for p in everyone if p != "sjd-rated-14"])
    assert cli_main([*argv, "--since", "last"]) == 0
    second = json.loads(capsys.readouterr().out)
    after = [e["patient_id"] for e in csv.DictReader(io.StringIO((out / "candidates.csv").read_text()))]
    assert after == [p for p in listed if p != "sjd-rated-14"]
    assert (second["patients"], second["removed"], second["scored"]) == (len(everyone) - 1, 1, 0)
    audit = [json.loads(x) for x in (out / "audit.log").read_text().splitlines()]
    assert [(a["who"], a["group"], a["rows"]) for a in audit] == [
        ("recruiter-1", "Group/screen-cohort", len(listed)), ("recruiter-1", "Group/screen-cohort", len(listed) - 1)]


def test_counts_only_by_default_writes_no_identities(bulk_server, tmp_path, assessment_date) -> None:
    out = tmp_path / "counts"
    summary = run_screen(_options(bulk_server, out, assessment_date, type_filter=False))
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["attrition.json", "report.html", "screen.sqlite"]
    text = (out / "report.html").read_text() + (out / "attrition.json").read_text()
    assert not [pid for pid in bulk_server.expected["patients"] if pid in text]
    assert summary.outputs == ["attrition.json", "report.html"]


def test_post_group_puts_the_candidates_on_the_server_and_logs_no_patient(
        bulk_server, tmp_path, assessment_date, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ESSDAI_CDS_FHIR_ALLOWLIST", bulk_server.base_url)
    monkeypatch.setenv("ESSDAI_CDS_ALLOW_INSECURE_FHIR", "true")
    out = tmp_path / "post"
    assert cli_main(["screen", "--fhir", bulk_server.base_url, "--client-id", bulk_server.client_id,
                     "--private-key", str(bulk_server.key_path), "--no-type-filter", "--out", str(out),
                     "--at", assessment_date.isoformat(), "--identified", "--post-group"]) == 0
    captured = capsys.readouterr()
    assert not [pid for pid in bulk_server.expected["patients"] if pid in captured.err + captured.out]
    assert [line.split()[0] for line in captured.err.splitlines()] == ["export", "download", "load", "score"]
    written = json.loads((out / "candidates-group.json").read_text())
    found = requests.get(f"{bulk_server.base_url}/Group",
                         params={"identifier": f"urn:essdai-cds/screen|{written['identifier'][0]['value']}"},
                         headers={"Authorization": f"Bearer {bulk_server.load_token}"}, timeout=30).json()
    posted = [e["resource"] for e in found.get("entry", [])]
    assert [sorted(m["entity"]["reference"] for m in g["member"]) for g in posted] == [
        sorted(m["entity"]["reference"] for m in written["member"])]


def test_a_client_the_server_does_not_know_gets_a_clear_refusal(bulk_server, tmp_path, assessment_date,
                                                               monkeypatch, capsys) -> None:
    monkeypatch.setenv("ESSDAI_CDS_FHIR_ALLOWLIST", bulk_server.base_url)
    monkeypatch.setenv("ESSDAI_CDS_ALLOW_INSECURE_FHIR", "true")
    assert cli_main(["screen", "--fhir", bulk_server.base_url, "--client-id", "stranger", "--private-key",
                     str(bulk_server.key_path), "--out", str(tmp_path), "--quiet"]) == 2
    assert capsys.readouterr().err == \
        "essdai-cds screen: token endpoint refused the client: HTTP 401 invalid_client\n"


def test_the_spark_engine_gives_the_embedded_rows_through_run_screen(system_screen, tmp_path,
                                                                      assessment_date) -> None:
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    from screening.engine_spark import spark_context

    out, _summary = system_screen
    [export_dir] = sorted(out.glob("export-*"))
    spark_out = tmp_path / "spark"
    with spark_context("local[1]") as spark:
        run_screen(ScreenOptions(out=spark_out, as_of=assessment_date, config=_config("https://unused.example"),
                                 input_dir=export_dir, engine="spark", spark=spark, quiet=True))
        assert _row_texts(spark_out, spark) == _row_texts(out, None)  # Parquet rows, byte for byte


def test_cli_screen_of_an_exported_folder_gives_the_same_rows(system_screen, bulk_server, tmp_path,
                                                               assessment_date, capsys) -> None:
    from screening.rows import row_json

    out, _summary = system_screen
    [export_dir] = sorted(out.glob("export-*"))
    folder_out = tmp_path / "folder"
    assert cli_main(["screen", "--input", str(export_dir), "--out", str(folder_out), "--at",
                     assessment_date.isoformat(), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["patients"] == len(bulk_server.expected["patients"])
    assert sorted(row_json(r) for r in ScreenStore(folder_out / "screen.sqlite").rows()) == \
        sorted(row_json(r) for r in ScreenStore(out / "screen.sqlite").rows())
