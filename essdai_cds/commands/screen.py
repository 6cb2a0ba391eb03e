"""`essdai-cds screen`: score a whole population for JAK-inhibitor trial recruitment.

    essdai-cds screen --input EXPORT_DIR --out OUT                       a folder of NDJSON already exported
    essdai-cds screen --fhir URL [--group ID | --level patient] [--since INSTANT|last]
                      --client-id ID --private-key KEY.pem --out OUT     Bulk Data $export, Backend Services
    essdai-cds screen ... --engine spark --master local[*]|spark://host:7077  rows in OUT/results.parquet

Counts only unless `--identified` (then the candidate list, the FHIR Group and an audit line). Exit 0 on
success, 2 on a bad option or a refused server (one line on stderr, no PHI), 130 after Ctrl-C (the export
is cancelled on the server).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from configuration import ConfigError, load_config
from essdai_cds.commands.score import iso_date


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("source (one of)")
    src.add_argument("--input", type=Path, metavar="DIR", help="folder of NDJSON files (one or more per type)")
    src.add_argument("--fhir", metavar="URL", help="FHIR base URL to export from (must be in FHIR_ALLOWLIST)")
    bulk = parser.add_argument_group("Bulk Data export")
    bulk.add_argument("--group", metavar="ID", help="Group-level export of Group/ID (members leaving it leave the list)")
    bulk.add_argument("--level", choices=("system", "patient", "group"), help="export level (default: system, "
                      "or group with --group)")
    bulk.add_argument("--since", metavar="INSTANT|last", help="only what changed since then (last: the previous "
                      "export's transactionTime); re-scores only the patients it touches")
    bulk.add_argument("--client-id", help="SMART Backend Services client id")
    bulk.add_argument("--private-key", type=Path, metavar="PEM", help="the client's private key (PEM)")
    bulk.add_argument("--alg", default="ES384", choices=("ES384", "RS384"), help="client assertion algorithm")
    bulk.add_argument("--kid", help="key id (JWS kid) of the private key, if the server needs it")
    bulk.add_argument("--scope", default="system/*.read", help="scopes asked for (default system/*.read)")
    bulk.add_argument("--no-type-filter", dest="type_filter", action="store_false",
                      help="do not send _typeFilter (for servers that mishandle it); _type is always sent")
    bulk.add_argument("--post-kickoff", action="store_true", help="kick off with POST and a Parameters body")
    run = parser.add_argument_group("run")
    run.add_argument("--out", type=Path, required=True, help="output folder (report, attrition, lists, store)")
    run.add_argument("--store", type=Path, help="SQLite store: the resource mirror incremental runs need, and the "
                     "embedded engine's rows (default OUT/screen.sqlite)")
    run.add_argument("--results-store", type=Path, metavar="PATH",
                     help="--engine spark: the Parquet results store of the rows, written by Spark, a symlink to the "
                          "current version (default OUT/results.parquet; a path every executor sees)")
    run.add_argument("--engine", choices=("embedded", "spark"), default="embedded",
                     help="embedded (default; rows in the SQLite store) or spark (rows in the Parquet results store)")
    run.add_argument("--master", default="local[*]", help="Spark master (local[*] or spark://host:7077)")
    run.add_argument("--at", type=iso_date, metavar="YYYY-MM-DD", help="assessment date (default: today)")
    run.add_argument("--identified", action="store_true",
                     help="write the identified candidate list and FHIR Group (recorded in OUT/audit.log)")
    run.add_argument("--requested-by", metavar="WHO", help="who asked for the identified list (audit line)")
    run.add_argument("--post-group", action="store_true", help="POST the candidate Group to the FHIR server")
    run.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from screening.bulk_client import BulkError
    from screening.run import ScreenError, ScreenOptions, run_screen
    from screening.smart_backend import AuthError

    try:
        config = load_config({"AUTH_ENABLED": False})
    except ConfigError as exc:
        print(f"essdai-cds screen: {exc}", file=sys.stderr)
        return 2
    level = args.level or ("group" if args.group else "system")
    options = ScreenOptions(
        out=args.out, as_of=args.at or config["ASSESSMENT_DATE"] or date.today(), config=config,
        input_dir=args.input, fhir=args.fhir, level=level, group=args.group, since=args.since,
        client_id=args.client_id, private_key=args.private_key, algorithm=args.alg, key_id=args.kid,
        scope=args.scope + (" system/Group.write" if args.post_group and "Group.write" not in args.scope else ""),
        type_filter=args.type_filter, kickoff_method="POST" if args.post_kickoff else "GET", engine=args.engine,
        master=args.master, store=args.store, results_store=args.results_store,
        identified=args.identified, requested_by=args.requested_by,
        post_group=args.post_group, quiet=args.quiet)
    try:
        summary = run_screen(options)
    except KeyboardInterrupt:
        print("essdai-cds screen: interrupted (the export was cancelled on the server)", file=sys.stderr)
        return 130
    except (ScreenError, BulkError, AuthError, OSError) as exc:
        print(f"essdai-cds screen: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
    return 0
