"""From screen rows to what recruiters get: the ranked candidate list and the attrition summary.

Ranking: certainly eligible (the lowest possible ESSDAI already >= 5) first, highest score first; then the
"possible" patients (the ESSDAI range straddles 5), fewest deciding domains first, i.e. the fewest clinician
ratings that would settle them. Patients whose range stays below 5, or with neither a Sjögren's diagnosis
nor ESSDAI data, are not candidates. The threshold itself is scoring's (`eligibility.met`), never here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

CERTAIN, POSSIBLE = "eligible", "possible"

# the candidate list's columns (CSV header, NDJSON keys), in order
COLUMNS: tuple[str, ...] = (
    "rank", "status", "patient_id", "essdai_score", "essdai_max", "category", "deciding", "classification_met",
    "classification_score", "jak_blockers", "jak_cautions", "missing_tests", "evidence_first", "evidence_last",
)


def status_of(row: Mapping[str, Any]) -> str | None:
    if not row.get("in_scope"):
        return None
    if row.get("eligible") is True:
        return CERTAIN
    if row.get("eligible") is None:
        return POSSIBLE
    return None


def _key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    if status_of(row) == CERTAIN:
        return (0, -(row.get("essdai_score") or 0), row["patient_id"])
    return (1, len(row.get("deciding") or ()), -(row.get("essdai_max") or 0), row["patient_id"])


def ranked(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The candidates, ranked, as list entries (COLUMNS)."""
    chosen = sorted((r for r in rows if status_of(r) is not None), key=_key)
    return [{"rank": i, "status": status_of(r), **{c: r.get(c) for c in COLUMNS[2:]}}
            for i, r in enumerate(chosen, start=1)]


def to_csv(entries: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([";".join(v) if isinstance(v, list) else "" if v is None else
                         str(v).lower() if isinstance(v, bool) else v for v in (e.get(c) for c in COLUMNS)])
    return buffer.getvalue()


# (label, test) in funnel order: each step counts the patients passing it and every step before
ATTRITION_STEPS: tuple[tuple[str, str], ...] = (
    ("patients screened", "all"),
    ("Sjögren's diagnosis or ESSDAI data", "in_scope"),
    ("ESSDAI >= 5 certain or possible", "candidate"),
    ("ESSDAI >= 5 certain", "certain"),
    ("2016 classification met or undetermined", "not_unclassified"),
    ("no JAK-inhibitor blocker", "unblocked"),
    ("screening tests on file (TB, HBV, HCV, counts)", "tested"),
)


def _passes(row: Mapping[str, Any], test: str) -> bool:
    return {
        "all": True,
        "in_scope": bool(row.get("in_scope")),
        "candidate": status_of(row) is not None,
        "certain": status_of(row) == CERTAIN,
        # undetermined (criteria items not on file) is not excluded: chart review decides it
        "not_unclassified": row.get("classification_met") is not False,
        "unblocked": not row.get("jak_blockers"),
        "tested": not row.get("missing_tests"),
    }[test]


def attrition(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """How many patients pass each criterion, cumulatively; also `possible` (the range straddles 5)."""
    counts = [0] * len(ATTRITION_STEPS)
    for row in rows:
        for i, (_label, test) in enumerate(ATTRITION_STEPS):
            if not _passes(row, test):
                break
            counts[i] += 1
    return [{"step": label, "patients": n} for (label, _), n in zip(ATTRITION_STEPS, counts, strict=True)]


def classification_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """2016 ACR/EULAR classification status of the candidates: met / not met / undetermined."""
    out = {"met": 0, "not met": 0, "undetermined": 0}
    for row in rows:
        if status_of(row) is not None:
            met = row.get("classification_met")
            out["met" if met is True else "not met" if met is False else "undetermined"] += 1
    return out
