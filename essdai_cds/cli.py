"""`essdai-cds` console script: one sub-command per module, only the chosen one imported."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# sub-command -> (module, one-line help). Each module exposes `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "score": ("essdai_cds.commands.score", "score a FHIR Bundle / NDJSON file offline and print JSON"),
    "screen": ("essdai_cds.commands.screen", "screen a population (Bulk Data or NDJSON) for JAK-inhibitor trial candidates"),
    "serve": ("essdai_cds.commands.serve", "run the CDS Hooks service under gunicorn"),
    "db": ("essdai_cds.commands.db", "database schema: `db upgrade` creates missing tables (one-shot step)"),
    "synth": ("essdai_devtools.synth", "write a synthetic Sjögren's cohort (transaction Bundles + expectations)"),
    "call": ("essdai_devtools.ehr_client", "call the service like an EHR (discovery, prefetch, JWT)"),
    "demo": ("essdai_devtools.demo", "start a FHIR server, load the cohort, start the service"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Only the chosen command's module is imported. `serve` depends on it: a master process that has
    # imported requests/urllib3 (as `call` and `demo` do) hands gevent workers an SSLContext captured
    # before monkey-patching, and every https call of theirs then fails with RecursionError.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = argparse.ArgumentParser(prog="essdai-cds", description="Sjögren's disease activity CDS Hooks service")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if name != chosen:
            continue
        try:
            importlib.import_module(module).add_arguments(p)
        except ModuleNotFoundError as exc:  # a command whose optional extra is not installed
            p.set_defaults(_missing=str(exc))
    args = parser.parse_args(argv)
    if getattr(args, "_missing", None):
        print(f"essdai-cds {args.command}: not available ({args._missing})", file=sys.stderr)
        return 2
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except BrokenPipeError:  # `essdai-cds screen ... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # and no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
