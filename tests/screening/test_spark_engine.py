"""The Spark engine on real Spark: `local[2]` and a standalone master with two workers started here.

Both must give the embedded engine's rows, byte for byte after sorting (`row_json`). The cohort is the synthetic one as a Bulk Data export delivers it (NDJSON by type),
twice over under new ids, with Medication resources that MedicationRequests reference.

Spark start-ups are the cost here (a JVM each: 6–25 s on the loaded CI machine), so the module starts one
`local[2]` context and one cluster (master + 2 workers + one application) and runs every check on them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import orjson
import pytest

from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from screening.engine_embedded import ndjson_files, run_embedded

pytest.importorskip("pyspark", reason="the Spark engine needs the [spark] extra")

from essdai_devtools import synth  # noqa: E402
from essdai_devtools.spark_cluster import SparkCluster, spark_cluster, wait_for_executors  # noqa: E402
from essdai_devtools.synth_ndjson import patient_ids, write_ndjson  # noqa: E402
from screening import engine_spark  # noqa: E402
from screening.rows import row_json  # noqa: E402

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 1)
COPIES = 2
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cohort() -> synth.Cohort:
    return synth.generate(seed=3, today=TODAY, large_size=300)


@pytest.fixture(scope="module")
def export_dir(cohort: synth.Cohort, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spark-export")
    write_ndjson(cohort.bundles, out, copies=COPIES, medication_resources=True)
    # what real exports hold too: a truncated line and blank lines (skipped, counted, nothing lost), and a
    # resource exported twice (a second file of the type): its last copy wins in both engines
    first = orjson.loads((out / "Observation.ndjson").read_bytes().split(b"\n", 1)[0])
    first["status"] = "entered-in-error"
    (out / "Observation.2.ndjson").write_bytes(
        b'\n{"resourceType": "Observation", "subject": \n\n' + orjson.dumps(first) + b"\n")
    return out


def canonical(rows: Iterator[dict]) -> list[str]:
    return sorted(row_json(row) for row in rows)


@pytest.fixture(scope="module")
def expected(export_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The embedded engine's rows: the reference both Spark runs must equal byte for byte."""
    store = tmp_path_factory.mktemp("embedded") / "screen.sqlite"
    return canonical(run_embedded(ndjson_files(export_dir), store, as_of=TODAY, codesystem=DEFAULT_SYSTEM))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    with spark_cluster(workers=2, cores_per_worker=1, root=tmp_path_factory.mktemp("spark-cluster")) as c:
        yield c


def test_reference_covers_every_patient(expected: list[str], cohort: synth.Cohort) -> None:
    rows = [orjson.loads(line) for line in expected]
    assert sorted(r["patient_id"] for r in rows) == sorted(patient_ids(cohort.bundles, COPIES))
    assert len(rows) == COPIES * len(cohort.bundles)
    # every copy is scored like its original (its resources all reached it)
    by_id = {r["patient_id"]: r for r in rows}
    for pid in cohort.bundles:
        copy = by_id[f"{pid}.1"]
        assert (copy["essdai_score"], copy["essdai_max"], copy["eligible"]) == (
            by_id[pid]["essdai_score"], by_id[pid]["essdai_max"], by_id[pid]["eligible"]), pid


SKIPPED = "1 input line(s) skipped (not a JSON object with an id, or no patient)"


def test_local_gives_the_same_rows(export_dir: Path, expected: list[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="screening.engine_spark"):
        assert canonical(engine_spark.run_spark(export_dir, master="local[2]", as_of=TODAY)) == expected
    assert SKIPPED in caplog.text


def test_standalone_cluster_with_two_workers_gives_the_same_rows(
        cluster: SparkCluster, export_dir: Path, expected: list[str], caplog: pytest.LogCaptureFixture) -> None:
    status = cluster.status()
    assert [(w["host"], w["cores"], w["state"]) for w in status["workers"]] == [("127.0.0.1", 1, "ALIVE")] * 2
    with engine_spark.spark_context(cluster.master_url) as spark:
        assert wait_for_executors(spark, 2) == 2  # one on each worker
        with caplog.at_level(logging.WARNING, logger="screening.engine_spark"):
            rows = canonical(engine_spark.run_spark(export_dir, master=cluster.master_url, as_of=TODAY, spark=spark))
        assert rows == expected
        assert SKIPPED in caplog.text

        # the Medication side table: every Medication the MedicationRequests reference, by reference
        files = engine_spark.input_files(export_dir)
        table = engine_spark._medication_table(spark.union([spark.textFile(str(p)) for p in files]))
    requests = [orjson.loads(line) for line in (export_dir / "MedicationRequest.ndjson").read_bytes().splitlines()]
    assert len(requests) == 9 * COPIES  # the synth cohort's 9 MedicationRequests, in each copy
    assert sorted(table) == sorted(r["medicationReference"]["reference"] for r in requests)
    assert all(table[key]["resourceType"] == "Medication" for key in table)


def test_an_empty_folder_gives_no_rows(tmp_path: Path) -> None:
    assert list(engine_spark.run_spark(tmp_path, master="local[1]", as_of=TODAY)) == []


def test_the_shipped_zip_holds_every_project_package_the_row_code_imports() -> None:
    # a fresh interpreter: which of this repository's top-level packages does the row code pull in?
    code = ("import sys, datetime, screening.rows, screening.grouping, screening.engine_spark\n"
            "screening.rows.screen_row('p', [{'resourceType': 'Patient', 'id': 'p'}], {}, datetime.date(2026, 3, 1))\n"
            f"root = {str(REPO)!r}\n"
            "print(sorted({n.split('.')[0] for n, m in list(sys.modules.items())"
            " if (getattr(m, '__file__', None) or '').startswith(root + '/')"
            " and '/site-packages/' not in m.__file__}))")  # a venv inside the checkout (CI's .venv) is not ours
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    imported = set(eval(out.stdout))  # noqa: S307 (our own repr of a list)
    assert {"screening", "pipeline", "fhir_mappings", "scoring"} <= imported  # the check sees the lazy imports
    assert imported <= set(engine_spark.SHIPPED_PACKAGES)


# --- the Parquet results store (run_screen with --engine spark) -----------------------------------------------

def _screen(out: Path, folder: Path, engine: str, spark: object = None, **config: object) -> None:
    from configuration import load_config
    from screening.run import ScreenOptions, run_screen

    run_screen(ScreenOptions(out=out, as_of=TODAY, config=load_config({"AUTH_ENABLED": False, **config}),
                             input_dir=folder, engine=engine, spark=spark, quiet=True))


def test_the_parquet_results_store_holds_the_embedded_rows_and_replaces_only_what_it_is_told(
        export_dir: Path, expected: list[str], tmp_path: Path) -> None:
    from screening.parquet_results import ParquetResults, versions_dir
    from screening.store import ScreenStore

    out = tmp_path / "screen"
    with engine_spark.spark_context("local[2]") as spark:
        _screen(out, export_dir, "spark", spark)
        results = ParquetResults(out / "results.parquet", spark)
        texts = list(results.row_texts())
        assert texts == sorted(texts, key=lambda t: orjson.loads(t)["patient_id"])  # patient order, as SQLite
        assert sorted(texts) == expected  # byte for byte
        [first] = versions_dir(out / "results.parquet").iterdir()
        assert (out / "results.parquet").resolve() == first and (first / "_SUCCESS").is_file()
        with ScreenStore(out / "screen.sqlite") as store:  # the mirror keeps the resources, not the rows
            assert (list(store.row_texts()), store.get_meta("results")) == ([], "parquet")
        attrition = orjson.loads((out / "attrition.json").read_bytes())
        assert attrition["patients"] == len(expected)

        # an incremental write: one patient re-scored, one gone, every other row copied as it was
        rows = {orjson.loads(t)["patient_id"]: orjson.loads(t) for t in texts}
        changed = {**rows["sjd-rated-4"], "essdai_score": 99}
        assert results.write(spark.parallelize([changed], 1), replace={"sjd-rated-4", "sjd-rated-4.1"}) == 1
        want = sorted([row_json(changed)] + [row_json(row) for pid, row in rows.items()
                                             if pid not in {"sjd-rated-4", "sjd-rated-4.1"}])
        assert sorted(results.row_texts()) == want and len(want) == len(expected) - 1
        [second] = versions_dir(out / "results.parquet").iterdir()  # the previous version is deleted
        assert second != first and (out / "results.parquet").resolve() == second

        # a job that fails mid-write (a row Spark refuses: no patient id) leaves the store as it was
        broken = spark.parallelize([changed, {**changed, "patient_id": None}], 2)
        with pytest.raises(Exception, match="patient_id"):
            results.write(broken)
        assert sorted(results.row_texts()) == want
        assert list(versions_dir(out / "results.parquet").iterdir()) == [second]


# EMA labels and a 30-day look-back for the earlier weight: what changes against the defaults (FDA, 365 days),
# by patient -> {row field: (default, configured)}; the `assessment` object differs alongside
CONFIGURED = {"JURISDICTION": "EMA", "PRIOR_WEIGHT_DAYS": 30}
CONFIGURED_CHANGES = {
    "jak-age-70": {"jak_cautions": ([], ["R21"])},  # EMA Article 20: >= 65 only if no suitable alternative
    "jak-pregnant": {"jak_blockers": ([], ["R16"]), "jak_cautions": (["R16"], [])},  # EMA: contraindicated
    # the earlier weights (2025-10-02) fall outside 30 days: weight loss, hence the constitutional domain, unknown
    "sjd-weight-loss": {"essdai_score": (9, 3), "eligible": (True, None), "category": ("moderate", None),
                        "deciding": ([], ["constitutional"]), "undetermined": ([], ["constitutional"]),
                        "missing_tests": (["R05", "R11", "R12", "R13"], []),
                        "evidence_first": ("2025-10-02", "2026-02-09"), "evidence_last": ("2026-02-26", "2026-02-09")},
    "sjd-fever-uti": {"essdai_max": (4, 10), "eligible": (False, None), "category": ("low", None),
                      "deciding": ([], ["constitutional"]), "undetermined": ([], ["constitutional"]),
                      "evidence_first": ("2025-10-02", "2026-02-09")},
    "sjd-fever-covid-resolved": {"essdai_max": (4, 10), "eligible": (False, None), "category": ("low", None),
                                 "deciding": ([], ["constitutional"]), "undetermined": ([], ["constitutional"]),
                                 "evidence_first": ("2025-10-02", "2026-02-09")},
    "large-vitals": {},  # only inside the assessment (the weight evidence it cites)
}


def test_a_non_default_configuration_gives_the_same_rows_from_both_engines(
        export_dir: Path, expected: list[str], tmp_path: Path) -> None:
    from screening.parquet_results import ParquetResults
    from screening.store import ScreenStore

    _screen(tmp_path / "embedded", export_dir, "embedded", **CONFIGURED)
    with ScreenStore(tmp_path / "embedded" / "screen.sqlite") as store:
        embedded = sorted(store.row_texts())
    with engine_spark.spark_context("local[2]") as spark:
        _screen(tmp_path / "spark", export_dir, "spark", spark, **CONFIGURED)
        assert sorted(ParquetResults(tmp_path / "spark" / "results.parquet", spark).row_texts()) == embedded
    default = {orjson.loads(t)["patient_id"]: orjson.loads(t) for t in expected}
    configured = {orjson.loads(t)["patient_id"]: orjson.loads(t) for t in embedded}
    assert sorted(configured) == sorted(default)
    changes = {pid: {k: (default[pid][k], configured[pid][k]) for k in default[pid]
                     if k != "assessment" and configured[pid][k] != default[pid][k]}
               for pid in default if configured[pid] != default[pid]}
    assert changes == {**CONFIGURED_CHANGES, **{f"{pid}.1": c for pid, c in CONFIGURED_CHANGES.items()}}
