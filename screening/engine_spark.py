"""The Apache Spark screening engine: NDJSON files -> one screening row per patient, on a cluster.

`--engine spark --master local[*] | spark://host:7077`. PySpark is an optional extra
(`pip install -e '.[spark]'`, needs a Java 17 runtime); nothing here is imported by the base install.

How it runs (RDD API; the rows are plain Python, no DataFrame schema to keep in step):
1. Medication resources are a small side table (patients reference them): a substring pre-filter finds
   their lines, the driver collects them and broadcasts one dict to every executor.
2. Every other line is keyed by `(patient, type, id, input partition, line number)`; the shuffle
   partitions by the patient only (crc32: the same on every executor, no PYTHONHASHSEED needed) and sorts
   within each partition by the whole key, spilling to disk as it must (`repartitionAndSortWithinPartitions`).
3. Each partition is then one stream of patients, each patient's resources in (type, id) order; a plain
   Python loop groups them and calls `screen_row` once per patient. Never one Python/pandas UDF call per patient
   (`applyInPandas` costs 10–17 ms a patient: docs/screening-and-scale.md, section 2).
4. The rows are computed in parallel (persisted, counted), then streamed to the driver a partition at a
   time: driver memory holds one partition's rows, never the population.
A patient's resources reach `screen_row` as the embedded engine's store hands them over (same files, same
order, same last-copy-wins), so the rows equal the embedded engine's byte for byte. Known gap: a resource
id exported under two different patients stays with both here (the store keeps the last one only).

Executors run the driver's own copy of the project: its packages are zipped and shipped with the job
(`SparkContext.addPyFile`), so a worker needs Python and the dependencies, not a checkout of this repo.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

if TYPE_CHECKING:
    from pyspark import SparkContext

log = logging.getLogger(__name__)

APP_NAME = "essdai-cds screen"
# the project's packages that screen_row needs on an executor (tests/screening/test_spark_engine.py
# checks that this covers every project package the row code imports)
SHIPPED_PACKAGES = ("fhir_mappings", "scoring", "safety", "pipeline", "screening")
MEDICATION_MARK = '"Medication"'  # in every Medication line; also in a few others (parsed and dropped)


def input_files(input_dir: Path) -> list[Path]:
    """The export's NDJSON files, exactly those the embedded engine reads, in its order."""
    from screening.engine_embedded import ndjson_files

    return ndjson_files(input_dir)


def _is_loopback(master: str) -> bool:
    if master.startswith("local"):
        return True
    host = urlsplit(master).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


def _zip_packages(out: Path, names: Iterable[str] = SHIPPED_PACKAGES) -> Path:
    """The project's packages, as the driver imports them, in one zip for the executors' sys.path."""
    import importlib

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            pkg_dir = Path(importlib.import_module(name).__file__).parent  # type: ignore[arg-type]
            for path in sorted(pkg_dir.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    zf.write(path, Path(name) / path.relative_to(pkg_dir))
    return out


def spark_conf(master: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SparkConf settings the engine runs with; `extra` (the caller's, e.g. spark.executor.memory) wins."""
    conf = {
        "spark.master": master,
        "spark.app.name": APP_NAME,
        "spark.ui.enabled": "false",  # a batch job; nothing should listen beyond what it needs
        "spark.ui.showConsoleProgress": "false",  # the screen command draws its own progress
        "spark.python.worker.reuse": "true",  # import the project once per Python worker, not per task
    }
    if _is_loopback(master):  # keep the driver's ports on loopback too
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    conf.update(extra or {})
    return conf


@contextlib.contextmanager
def spark_context(master: str, conf: Mapping[str, str] | None = None) -> Iterator[SparkContext]:
    """A SparkContext for `master` with the project's code shipped to it; stopped at the end."""
    from pyspark import SparkConf, SparkContext

    # executors start the driver's interpreter (same version, same installed dependencies) unless told
    # otherwise; PySpark reads only this variable for the executors' Python (core/context.py)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if _is_loopback(master):  # else the JVM picks the first interface's address for its own services
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = SparkContext(conf=SparkConf().setAll(list(spark_conf(master, conf).items())))
    try:
        spark.setLogLevel("WARN")
        with tempfile.TemporaryDirectory(prefix="essdai-spark-code-") as tmp:
            spark.addPyFile(str(_zip_packages(Path(tmp) / "essdai_project.zip")))
            yield spark
    finally:
        spark.stop()


def _parse(line: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _medications(part: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for line in part:
        if MEDICATION_MARK in line:  # a substring test first: only the few candidate lines are parsed
            res = _parse(line)
            if isinstance(res, dict) and res.get("resourceType") == "Medication" and isinstance(res.get("id"), str):
                yield f"Medication/{res['id']}", res


def _medication_table(lines: Any) -> dict[str, dict[str, Any]]:
    """'Medication/<id>' -> resource, for every Medication in the input (collected to the driver: small).

    A pass of its own over the lines (a substring test each, ~1 % of the screening's CPU); a DataFrame
    filter in the JVM would skip Python but costs Spark SQL's start-up, 10–40 s on a loaded machine.
    """
    return dict(lines.mapPartitions(_medications).collect())


Key = tuple[str, str, str, int, int]  # (patient, type, id, input partition, line number)


def _keyed_lines(index: int, part: Iterable[str], skipped: Any) -> Iterator[tuple[Key, str]]:
    """(key, line) for each resource that belongs to a patient; the rest is counted (never logged: PHI)."""
    from screening.grouping import patient_of

    for number, line in enumerate(part):
        if not line.strip():
            continue
        res = _parse(line)
        if not isinstance(res, dict) or not isinstance(res.get("id"), str):
            skipped.add(1)
            continue
        rtype = res.get("resourceType")
        if rtype == "Medication":
            continue  # the side table
        pid = patient_of(res)
        if pid is None or not isinstance(rtype, str):
            skipped.add(1)
            continue
        yield (pid, rtype, res["id"], index, number), line


def _partition_of(key: Key) -> int:
    return zlib.crc32(key[0].encode("utf-8"))


def _screen_partition(pairs: Iterable[tuple[Key, str]], medications: Any, as_of: date,
                      options: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One sorted partition -> one row per patient. A patient's resources arrive together, ordered by
    (type, id) and, for a resource exported twice, by input position: the last copy wins, as in the store
    of the embedded engine (`INSERT OR REPLACE`, read back `ORDER BY patient, type, id`)."""
    from screening.rows import screen_row

    table = medications.value
    for pid, group in itertools.groupby(pairs, key=lambda pair: pair[0][0]):
        latest: dict[tuple[str, str], str] = {}
        for key, line in group:
            latest[key[1], key[2]] = line  # sorted by (type, id, position): dict order is (type, id)
        yield screen_row(pid, [orjson.loads(line) for line in latest.values()], table, as_of, **options)


def screen_rdd(spark: SparkContext, files: list[Path], *, as_of: date, partitions: int | None = None,
               row_options: Mapping[str, Any] | None = None) -> Any:
    """The RDD of screening rows for `files` (lazy); `partitions` defaults to 3 per core."""
    parallelism = spark.defaultParallelism
    partitions = partitions or max(2, 3 * parallelism)
    lines = spark.union([spark.textFile(str(path), minPartitions=parallelism) for path in files])
    medications = spark.broadcast(_medication_table(lines))
    skipped = spark.accumulator(0)
    keyed = lines.mapPartitionsWithIndex(lambda index, part: _keyed_lines(index, part, skipped))
    grouped = keyed.repartitionAndSortWithinPartitions(partitions, _partition_of)
    options = dict(row_options or {})
    rows = grouped.mapPartitions(lambda part: _screen_partition(part, medications, as_of, options))
    rows.skipped = skipped  # read after an action has run
    return rows


def run_spark(input_dir: Path, *, master: str, as_of: date, partitions: int | None = None,
              conf: Mapping[str, str] | None = None, spark: SparkContext | None = None,
              **row_options: Any) -> Iterator[dict[str, Any]]:
    """Screening rows for every patient in the NDJSON files of `input_dir` (order: by partition).

    `row_options` go to `screen_row` on the executors (windows, codesystem, jurisdiction). `spark`: an
    existing context to run in (the benchmark's warm runs); otherwise one is started for `master` and
    stopped when the iterator is exhausted or closed.
    """
    files = input_files(input_dir)
    if not files:
        return
    with contextlib.ExitStack() as stack:
        if spark is None:
            spark = stack.enter_context(spark_context(master, conf))
        from pyspark import StorageLevel

        rows = screen_rdd(spark, files, as_of=as_of, partitions=partitions, row_options=row_options)
        rows.persist(StorageLevel.MEMORY_AND_DISK)  # computed once, in parallel, then streamed
        try:
            count = rows.count()
            if rows.skipped.value:
                log.warning("spark engine: %d input line(s) skipped (not a JSON object with an id, or no patient)",
                            rows.skipped.value)
            log.info("spark engine: %d patient rows", count)
            yield from rows.toLocalIterator()
        finally:
            rows.unpersist()
