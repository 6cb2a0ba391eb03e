"""The embedded engine (the default; base install only): NDJSON files -> the SQLite store grouped by patient
-> `screen_row` per patient, one patient in memory at a time.

Peak memory is one patient's resources plus SQLite's bounded page cache, whatever the population: lines are
streamed from the files into the store in batches, and patients are read back in one ordered index scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from fhir_mappings.facts import Windows
from screening.rows import row_json, screen_row
from screening.store import LoadCounts, ScreenStore

Tick = Callable[[int], None]


def ndjson_files(folder: Path) -> list[Path]:
    """The NDJSON files of an export folder (`*.ndjson`, `*.ndjson.gz` not supported), sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix == ".ndjson")


def load_files(store: ScreenStore, paths: Iterable[Path], counts: LoadCounts, tick: Tick | None = None) -> None:
    """Stream each file line by line into the store."""
    for path in paths:
        with Path(path).open("rb") as fh:
            store.load_lines(_counted(fh, tick), counts)


def _counted(lines: Iterable[bytes], tick: Tick | None) -> Iterator[bytes]:
    for line in lines:
        yield line
        if tick is not None:
            tick(1)


def score_patients(store: ScreenStore, *, as_of: date, windows: Windows, codesystem: str, jurisdiction: str,
                   only: set[str] | None = None, tick: Tick | None = None) -> int:
    """Score the patients in the store (all, or `only`), keep their rows in the store; the count scored.
    With `only`, those of its patients that have no resources left lose their row."""
    medications = store.medications()
    pending: list[tuple[str, str]] = []
    n = 0
    scored: set[str] = set()
    for pid, resources in store.by_patient(only):
        row = screen_row(pid, resources, medications, as_of, windows=windows, codesystem=codesystem,
                         jurisdiction=jurisdiction)
        pending.append((pid, row_json(row)))
        scored.add(pid)
        n += 1
        if tick is not None:
            tick(1)
        if len(pending) >= 500:
            store.put_rows(pending)
            pending.clear()
    store.put_rows(pending)
    if only is not None:  # a touched patient whose resources were all deleted has no row left (as with Spark)
        store.drop_rows(only - scored)
    return n


def run_embedded(paths: Iterable[Path], store_path: Path, *, as_of: date, windows: Windows | None = None,
                 codesystem: str, jurisdiction: str = "FDA") -> list[dict[str, Any]]:
    """A whole screen of `paths` in a fresh store; the rows, sorted by patient (for tests and the benchmark)."""
    with ScreenStore(store_path) as store:
        store.clear_resources()
        counts = LoadCounts()
        load_files(store, paths, counts)
        score_patients(store, as_of=as_of, windows=windows or Windows(), codesystem=codesystem,
                       jurisdiction=jurisdiction)
        return list(store.rows())
