"""The screen's SQLite store: a mirror of the exported resources, grouped by patient on disk, and the rows.

Why SQLite: it is in the standard library (the embedded engine needs nothing beyond the base install), it
spills to disk by itself (page cache bounded by `cache_size`), an index on the patient column gives each
patient's resources in one ordered scan, and the same file keeps what incremental re-screening needs (every
resource by type/id, so a `_since` export updates a patient without re-exporting the rest; the rows of the
last run; the export's transactionTime). Sorted runs on disk would do the grouping but not the updates.

With `--engine spark` the rows live in the Parquet results store instead (`screening/parquet_results.py`), and
this file stays what incremental runs need whatever the engine: a `_since` export carries only the resources
that changed, so re-scoring a touched patient needs the rest of that patient's chart, which only this mirror
keeps (the Parquet store keeps rows, not resources), and it keeps the transactionTime `--since last` starts from.

    resources(type, id, patient, body)   every exported resource of a patient (Medication excluded)
    medications(ref, body)               "Medication/<id>" -> resource, joined by reference
    rows(patient, body)                  the embedded engine: the last screen row of each patient (row_json)
    meta(key, value)                     transaction_time; results ("sqlite" or "parquet": where the rows are)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from screening.grouping import patient_of

BATCH = 2_000  # rows per executemany: big enough to amortise, small enough to keep memory flat
CACHE_KIB = 32_768  # SQLite page cache per connection (negative cache_size = KiB): bounded memory

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (type TEXT NOT NULL, id TEXT NOT NULL, patient TEXT NOT NULL,
                                      body BLOB NOT NULL, PRIMARY KEY (type, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resources_by_patient ON resources (patient);
CREATE TABLE IF NOT EXISTS medications (ref TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rows (patient TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


class LoadCounts:
    """What one load did: resources kept, skipped (no patient, unreadable line), patients touched."""

    def __init__(self) -> None:
        self.resources = 0
        self.medications = 0
        self.skipped = 0
        self.deleted = 0
        self.touched: set[str] = set()
        self.medication_refs: set[str] = set()  # "Medication/<id>" the resources point at (formulary-sized)


class ScreenStore:
    """One SQLite file; `with ScreenStore(path) as store:`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._fresh = False  # after clear_resources: no resource can have moved, skip the per-row lookup

    def __enter__(self) -> ScreenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # --- meta -------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- resources --------------------------------------------------------------------------------------
    def clear_resources(self) -> None:
        """A full export replaces the mirror (and the rows: patients gone from the export leave the list)."""
        self.db.execute("BEGIN")
        for table in ("resources", "medications", "rows"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        self.db.execute("COMMIT")
        self._fresh = True

    def load_lines(self, lines: Iterable[bytes], counts: LoadCounts) -> None:
        """Upsert NDJSON lines (any resource types mixed); each patient touched is recorded in `counts`."""
        batch: list[tuple[str, str, str, bytes]] = []
        meds: list[tuple[str, bytes]] = []
        self.db.execute("BEGIN")
        try:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    res = orjson.loads(line)
                except orjson.JSONDecodeError:
                    counts.skipped += 1
                    continue
                if not isinstance(res, dict) or not isinstance(res.get("id"), str):
                    counts.skipped += 1
                    continue
                try:  # stored compact; orjson reads 1,024 levels but writes 255: no FHIR resource nests that deep
                    body = orjson.dumps(res)
                except orjson.JSONEncodeError:
                    counts.skipped += 1
                    continue
                rtype = res.get("resourceType")
                if rtype == "Medication":
                    meds.append((f"Medication/{res['id']}", body))
                    counts.medications += 1
                else:
                    pid = patient_of(res)
                    if pid is None or not isinstance(rtype, str):
                        counts.skipped += 1
                        continue
                    batch.append((rtype, res["id"], pid, body))
                    ref = res.get("medicationReference")
                    target = ref.get("reference") if isinstance(ref, dict) else None
                    if isinstance(target, str) and target.startswith("Medication/"):
                        counts.medication_refs.add(target.split("/_history/")[0])
                    counts.resources += 1
                if len(batch) >= BATCH:
                    self._upsert(batch, counts)
                    batch.clear()
                if len(meds) >= BATCH:
                    self.db.executemany("INSERT OR REPLACE INTO medications VALUES (?, ?)", meds)
                    meds.clear()
            self._upsert(batch, counts)
            self.db.executemany("INSERT OR REPLACE INTO medications VALUES (?, ?)", meds)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _upsert(self, batch: list[tuple[str, str, str, bytes]], counts: LoadCounts) -> None:
        if not batch:
            return
        # a resource that moved to another patient touches the old one too
        for rtype, rid, pid, _ in batch:
            counts.touched.add(pid)
            if self._fresh:
                continue
            old = self.db.execute("SELECT patient FROM resources WHERE type=? AND id=?", (rtype, rid)).fetchone()
            if old and old[0] != pid:
                counts.touched.add(old[0])
        self.db.executemany("INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?)", batch)

    def delete(self, references: Iterable[tuple[str, str]], counts: LoadCounts) -> None:
        """Remove deleted resources (a Bulk Data `deleted` file); their patients are touched."""
        self.db.execute("BEGIN")
        for rtype, rid in references:
            row = self.db.execute("SELECT patient FROM resources WHERE type=? AND id=?", (rtype, rid)).fetchone()
            if row:
                counts.touched.add(row[0])
                self.db.execute("DELETE FROM resources WHERE type=? AND id=?", (rtype, rid))
                counts.deleted += 1
            if rtype == "Medication":
                self.db.execute("DELETE FROM medications WHERE ref=?", (f"Medication/{rid}",))
        self.db.execute("COMMIT")

    def missing_medications(self, refs: Iterable[str]) -> list[str]:
        return sorted(r for r in set(refs) if self.db.execute("SELECT 1 FROM medications WHERE ref=?", (r,)).fetchone()
                      is None)

    def drop_patients(self, patients: Iterable[str]) -> int:
        """Forget patients entirely (they left the Group): resources and rows."""
        self.db.execute("BEGIN")
        n = 0
        for pid in patients:
            self.db.execute("DELETE FROM resources WHERE patient=?", (pid,))
            n += self.db.execute("DELETE FROM rows WHERE patient=?", (pid,)).rowcount
        self.db.execute("COMMIT")
        return n

    def write_ndjson(self, patients: set[str] | None, dest: Path) -> list[Path]:
        """The store's resources of `patients` (all when None) and every Medication as NDJSON files in `dest`
        (what the Spark engine reads)."""
        dest.mkdir(parents=True, exist_ok=True)
        path, meds = dest / "resources.ndjson", dest / "Medication.ndjson"
        with path.open("wb") as fh:
            for pid, resources in self.by_patient(patients):
                for res in resources:
                    fh.write(orjson.dumps(res) + b"\n")
        with meds.open("wb") as fh:
            for (body,) in self.db.execute("SELECT body FROM medications"):
                fh.write(body + b"\n")
        return [path, meds]

    def patients(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT patient FROM resources ORDER BY patient")]

    def patient_count(self) -> int:
        return self.db.execute("SELECT COUNT(DISTINCT patient) FROM resources").fetchone()[0]

    def by_patient(self, only: set[str] | None = None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(patient id, resources) in patient order, one patient in memory at a time."""
        if only is not None:  # a few touched patients: one index lookup each, not a scan of everyone
            for pid in sorted(only):
                pool = [orjson.loads(body) for (body,) in self.db.execute(
                    "SELECT body FROM resources WHERE patient=? ORDER BY type, id", (pid,))]
                if pool:
                    yield pid, pool
            return
        reader = sqlite3.connect(self.path)  # its own connection: rows may be written while it reads
        reader.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor = reader.execute("SELECT patient, body FROM resources ORDER BY patient, type, id")
        current: str | None = None
        pool: list[dict[str, Any]] = []
        for pid, body in cursor:
            if pid != current:
                if current is not None:
                    yield current, pool
                current, pool = pid, []
            pool.append(orjson.loads(body))
        if current is not None:
            yield current, pool
        reader.close()

    def medications(self) -> Mapping[str, dict[str, Any]]:
        return _Medications(self.db)

    # --- rows -------------------------------------------------------------------------------------------
    def put_rows(self, rows: Iterable[tuple[str, str]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?)", rows)
        self.db.execute("COMMIT")

    def drop_rows(self, patients: Iterable[str]) -> int:
        self.db.execute("BEGIN")
        n = 0
        for pid in patients:
            n += self.db.execute("DELETE FROM rows WHERE patient=?", (pid,)).rowcount
        self.db.execute("COMMIT")
        return n

    def row_texts(self) -> Iterator[str]:
        """Each row's row_json as stored, in patient order."""
        for (body,) in self.db.execute("SELECT body FROM rows ORDER BY patient"):
            yield body

    def rows(self) -> Iterator[dict[str, Any]]:
        return (orjson.loads(body) for body in self.row_texts())

    def row_patients(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT patient FROM rows")}


class _Medications(Mapping[str, dict[str, Any]]):
    """Medication resources by "Medication/<id>", read from the store on demand (never all in memory)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __getitem__(self, key: str) -> dict[str, Any]:
        row = self._db.execute("SELECT body FROM medications WHERE ref=?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return orjson.loads(row[0])

    def __contains__(self, key: object) -> bool:
        return self._db.execute("SELECT 1 FROM medications WHERE ref=?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._db.execute("SELECT ref FROM medications"))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM medications").fetchone()[0]
