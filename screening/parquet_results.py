"""The Spark engine's results store: the screen rows as Parquet, written by Spark, one complete version at a time.

    PATH                          a symlink to the current version (relative: a shared mount resolves it alike)
    PATH.versions/<version>/      part-*.parquet and _SUCCESS; columns patient_id STRING, row_json STRING

`row_json` is `screening.rows.row_json(row)`, the same text the embedded engine keeps in SQLite, so the rows read
back are byte-identical to the embedded engine's. Any Spark job can read the store (`spark.read.parquet(PATH)`;
`get_json_object(row_json, '$.essdai_score')` for a field).

Why versions and a symlink: Spark cannot overwrite a directory it is reading from, and a job that fails half-way
leaves part files behind. So each run writes a new version directory; only once Spark has committed it is the
symlink replaced (`os.replace` of a new link: atomic on POSIX) and the previous version deleted. A failed job
leaves the current version untouched and its own partial directory is removed. A full run's version holds the
rows it scored; an incremental run's version is the current one without the replaced patients (re-scored,
left the Group) plus the new rows: a copy of the unchanged rows, never a re-scoring of them.

PATH must be a path the driver and every executor see alike (local disk for `local[*]`, a shared mount on a
cluster). One writer at a time: a second screen into the same store at once is not supported.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from pyspark import RDD, SparkContext
    from pyspark.sql import SparkSession

DEFAULT_NAME = "results.parquet"  # under --out unless --results-store says elsewhere
COLUMNS = ("patient_id", "row_json")


class ResultsStoreError(Exception):
    """The results store path holds something else than a store (one line, no PHI)."""


def versions_dir(path: Path) -> Path:
    return path.parent / f"{path.name}.versions"


def current_version(path: Path) -> Path | None:
    """The directory of the store's current version, or None for a store never written."""
    if path.is_symlink():
        target = path.resolve()
        if not (target / "_SUCCESS").is_file():
            raise ResultsStoreError(f"results store {path} points at an incomplete version")
        return target
    if path.exists():
        raise ResultsStoreError(f"{path} exists and is not a results store (a symlink to a version)")
    return None


def _record(row: dict[str, Any]) -> tuple[str, str]:
    """One Parquet record of a row (runs on the executors)."""
    from screening.rows import row_json

    return row["patient_id"], row_json(row)


class ParquetResults:
    """The rows of the screens kept at `path`, read and written through one SparkSession."""

    def __init__(self, path: Path, spark: SparkContext) -> None:
        from pyspark.sql import SparkSession

        self.path = Path(path)
        self.spark = spark
        self.session: SparkSession = SparkSession(spark)  # classic session on the engine's own context
        current_version(self.path)  # refuse a path that is not a store before any work is done

    def _schema(self) -> Any:
        from pyspark.sql.types import StringType, StructField, StructType

        return StructType([StructField(name, StringType(), nullable=False) for name in COLUMNS])

    def _current(self) -> Any:
        """The current version as a DataFrame, or None."""
        version = current_version(self.path)
        return None if version is None else self.session.read.schema(self._schema()).parquet(str(version))

    def row_patients(self) -> set[str]:
        current = self._current()
        return set() if current is None else {r[0] for r in current.select("patient_id").toLocalIterator()}

    def row_texts(self) -> Iterator[str]:
        """Each row's row_json, in patient order (as the SQLite store gives them)."""
        current = self._current()
        if current is None:
            return
        for record in current.orderBy("patient_id").select("row_json").toLocalIterator():
            yield record[0]

    def rows(self) -> Iterator[dict[str, Any]]:
        return (orjson.loads(text) for text in self.row_texts())

    def write(self, rows: RDD[dict[str, Any]], replace: Iterable[str] | None = None) -> int:
        """Store `rows` as the new version and return how many there were.

        `replace` None: a full run, the new version is `rows` only. Otherwise an incremental run: the current
        version's rows, without those of the `replace` patients, plus `rows` (whose patients are among them)."""
        from pyspark import StorageLevel
        from pyspark.sql import functions

        records = rows.map(_record)
        records.persist(StorageLevel.MEMORY_AND_DISK)  # scored once (the count), written from the cache
        try:
            count = records.count()
            frame = self.session.createDataFrame(records, self._schema())
            current = self._current() if replace is not None else None
            if replace is not None:
                gone = sorted(set(replace))
                if current is not None and count == 0 and not gone:
                    return 0  # nothing changed: the current version stays
                if current is not None:
                    drop = self.session.createDataFrame([(pid,) for pid in gone], "patient_id STRING")
                    kept = current.join(functions.broadcast(drop), "patient_id", "left_anti")
                    frame = kept.select(*COLUMNS).unionByName(frame)
            self._commit(frame)
        finally:
            records.unpersist()
        return count

    def _commit(self, frame: Any) -> None:
        """Write `frame` as a new version, then point the store at it and delete the older versions."""
        versions = versions_dir(self.path)
        versions.mkdir(parents=True, exist_ok=True)
        version = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}"
        target = versions / version
        try:
            frame.sortWithinPartitions("patient_id").write.parquet(str(target), mode="errorifexists")
            if not (target / "_SUCCESS").is_file():  # Spark's committer writes it last
                raise ResultsStoreError("Spark did not commit the results (no _SUCCESS)")
            link = self.path.parent / f".{self.path.name}.{version}.link"
            os.symlink(os.path.relpath(target, self.path.parent), link)
            os.replace(link, self.path)  # the swap: readers see the old version or the new, never a mix
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        for old in versions.iterdir():  # the previous version, and any left by a run that died mid-way
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
