"""`essdai-cds synth`: a deterministic synthetic Sjögren's cohort with its expected answers.

Writes one FHIR R4 transaction Bundle per patient (DIR/<patient-id>.json; the Patient is PUT with a
stable id, everything else POSTed with urn:uuid fullUrls) and DIR/expected.json. The same seed and
`--today` give byte-identical files. The cases are described in `synth_cases`; the expected scores
come from the generator's own arithmetic (`synth_expect`), never from `scoring/` or `safety/`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from essdai_devtools.fhir_builders import Record
from essdai_devtools.synth_cases import Case, core_cases, filler_case
from essdai_devtools.synth_expect import expectation
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM

FAMILY = ("Moreau", "Lindqvist", "Okafor", "Tanaka", "García", "Novak", "Rossi", "Haddad", "Kowalski", "Byrne")
GIVEN = ("Anna", "Marie", "Sofia", "Léa", "Ingrid", "Amara", "Yuki", "Elena", "Nadia", "Claire", "Paul", "Omar")


@dataclass
class Cohort:
    today: date
    seed: int
    bundles: dict[str, dict[str, Any]]  # patient id -> transaction Bundle
    expected: dict[str, Any]  # the expected.json document


def select_cases(patients: int | None, large_size: int) -> list[Case]:
    cases = core_cases(large_size)
    if patients is None:
        return cases
    if patients <= len(cases):
        return cases[:patients]
    return cases + [filler_case(i + 1) for i in range(patients - len(cases))]


def generate(seed: int = 1, patients: int | None = None, today: date | None = None,
             large_size: int = 10_000) -> Cohort:
    """Build the cohort in memory. `patients`: None = every designed case (the default)."""
    today = today or date.today()
    bundles: dict[str, dict[str, Any]] = {}
    expected_patients: dict[str, Any] = {}
    for index, case in enumerate(select_cases(patients, large_size)):
        rng = random.Random(f"{seed}:{case.pid}")  # per patient: adding a case never shifts the others
        record = Record(case.pid, today, rng)
        record.set_patient(gender=case.gender, age=case.age, family=FAMILY[index % len(FAMILY)],
                           given=GIVEN[index % len(GIVEN)])
        outcome = case.build(record)
        bundles[case.pid] = record.bundle()
        entry: dict[str, Any] = {"title": case.title, "quiet": outcome.quiet, "age": case.age,
                                 "observations": sum(1 for r in record.resources if r["resourceType"] == "Observation"),
                                 "large": case.large}
        if outcome.quiet:
            entry.update(essdai=None, category=None, eligibility=None, clinessdai=None, domains=None)
        else:
            entry.update(expectation(outcome.levels))
        entry["safety"] = outcome.safety
        entry["monitoring"] = outcome.monitoring
        entry["notes"] = outcome.notes
        entry["course"] = getattr(outcome, "course", None)  # synth_course.CourseOutcome
        expected_patients[case.pid] = entry
    expected = {
        "generator": "essdai-cds synth",
        "seed": seed,
        "today": today.isoformat(),
        "assessment_date": today.isoformat(),
        "codesystem": DEFAULT_SYSTEM,
        "conventions": {
            "essdai": "score = lower bound, max = upper bound of the total; equal when every domain is known",
            "category": "low < 5, moderate 5-13, high >= 14; null when the range spans two states",
            "eligibility.met": "true if score >= 5, false if max < 5, else null",
            "quiet": "patient-view must answer {\"cards\": []}",
            "safety": "baricitinib 2 mg once-daily draft order, FDA: rules must be present with that indicator; "
                      "absent must not be raised; other findings are allowed",
        },
        "patients": expected_patients,
    }
    return Cohort(today=today, seed=seed, bundles=bundles, expected=expected)


def write_cohort(cohort: Cohort, out: Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pid, bundle in cohort.bundles.items():
        path = out / f"{pid}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    exp = out / "expected.json"
    exp.write_text(json.dumps(cohort.expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    written.append(exp)
    return written


def read_expected(out: Path) -> dict[str, Any]:
    return json.loads((Path(out) / "expected.json").read_text(encoding="utf-8"))


def bundle_paths(out: Path) -> list[Path]:
    """The patient Bundles in a cohort directory, in expected.json order."""
    out = Path(out)
    return [out / f"{pid}.json" for pid in read_expected(out)["patients"]]


# --- CLI -------------------------------------------------------------------------------------------------

def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="directory for <patient-id>.json and expected.json")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--patients", type=int, default=None,
                   help=f"number of patients (default: all {len(core_cases())} designed cases; more adds "
                        "fully rated filler patients, fewer keeps the first N)")
    p.add_argument("--today", type=_date, default=None, help="generation/assessment date YYYY-MM-DD (default today)")
    p.add_argument("--large-size", type=int, default=10_000,
                   help="Observations in each large record (default 10000)")
    p.add_argument("--ndjson", type=Path, metavar="DIR",
                   help="also write the cohort as a Bulk Data export delivers it (DIR/<Type>.ndjson), "
                        "for `essdai-cds screen --input DIR`")


def run(args: argparse.Namespace) -> int:
    if args.patients is not None and args.patients < 1:
        print("essdai-cds synth: --patients must be >= 1", file=sys.stderr)
        return 2
    cohort = generate(seed=args.seed, patients=args.patients, today=args.today, large_size=args.large_size)
    write_cohort(cohort, args.out)
    n_obs = sum(p["observations"] for p in cohort.expected["patients"].values())
    print(f"wrote {len(cohort.bundles)} patients ({n_obs} Observations) and expected.json to {args.out} "
          f"(seed {cohort.seed}, today {cohort.today.isoformat()})")
    if args.ndjson:
        from essdai_devtools.synth_ndjson import write_ndjson

        counts = write_ndjson(cohort.bundles, args.ndjson)
        print(f"wrote {', '.join(f'{t}.ndjson ({n})' for t, n in sorted(counts.items()))} to {args.ndjson}")
    return 0
