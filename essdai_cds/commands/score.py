"""`essdai-cds score PATH [--at YYYY-MM-DD] [--patient ID]`: score a FHIR file offline, print JSON.

PATH is a Bundle (any type), NDJSON or a single resource; `-` reads stdin. The output is
`scoring.assess(...).to_json()` (the schema in docs/architecture.md), indented. Unreadable or
non-FHIR input, or an ambiguous patient, exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from configuration import ConfigError, codesystem_url, load_config, windows


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD (score and screen share it)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="FHIR Bundle / NDJSON / resource file, or - for stdin")
    parser.add_argument("--at", type=iso_date, metavar="YYYY-MM-DD", help="assessment date (default: today)")
    parser.add_argument("--patient", metavar="ID", help="patient id, required when the input has several")


def _fail(message: str) -> int:
    print(f"essdai-cds score: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    import fhir_mappings
    import pipeline

    try:
        config = load_config({"AUTH_ENABLED": False})
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        resources = fhir_mappings.read_input(args.path)
    except (OSError, ValueError) as exc:  # fhir_mappings.InputError is a ValueError with a one-line message
        return _fail(" ".join(str(exc).split()) or f"cannot read {args.path}")
    if not resources:
        return _fail(f"no FHIR resources in {args.path}")
    patients = fhir_mappings.patients_in(resources)
    if args.patient:
        if args.patient not in patients:
            return _fail(f"patient {args.patient!r} is not in the input")
        patient = args.patient
    elif len(patients) == 1:
        patient = patients[0]
    elif not patients:
        return _fail("no Patient in the input")
    else:
        return _fail(f"the input holds {len(patients)} patients ({', '.join(patients)}); choose one with --patient")
    as_of = args.at or config["ASSESSMENT_DATE"] or date.today()
    _facts, result = pipeline.assess(resources, as_of=as_of, patient_id=patient, windows=windows(config),
                                     codesystem=codesystem_url(config))
    try:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        sys.stdout.flush()
    except BrokenPipeError:  # `essdai-cds score x | head`: the reader left; not an error of ours
        sys.stderr.close()
    return 0
