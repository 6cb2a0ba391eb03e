"""`essdai-cds db upgrade [--database-url URL]`: create the service's tables, one-shot, before instances start.

Run it once per deployment (and after an upgrade that adds tables) with the same configuration the
instances get (DATABASE_URL from the environment / TOML file, or --database-url). It creates only what
is missing, under the same cross-process lock as a start with DATABASE_CREATE_TABLES=true, so running
it while instances start is safe too. Prints one JSON line: {"database": <URL without password>,
"created": [...], "present": [...]}; exit 2 with one line on stderr when the database is unreachable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from configuration import ENV_PREFIX, ConfigError, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("upgrade", help="create missing tables (safe to run while instances start)",
                        description="create the service's missing tables and print {\"database\", \"created\", "
                                    "\"present\"} as JSON (safe to run while instances start)")
    up.add_argument("--database-url", metavar="URL", help=f"SQLAlchemy URL (default: {ENV_PREFIX}DATABASE_URL)")


def _tables(engine: Any, dispose: bool = True) -> list[str]:
    from sqlalchemy import inspect

    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        if dispose:
            engine.dispose()


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from essdai_cds.app import create_app, open_stores
    from fhir_access.client import FHIR_KEY
    from storage import EXTENSION_KEY as STORAGE_KEY
    from storage import StorageUnavailable, make_engine

    # auth is off for this one-shot app only: the auth module's "not verified" warning would mislead
    logging.getLogger("essdai_cds.auth").setLevel(logging.ERROR)
    overrides = {"AUTH_ENABLED": False, "DATABASE_CREATE_TABLES": True}
    if args.database_url:
        overrides["DATABASE_URL"] = args.database_url
    try:
        url = load_config(overrides)["DATABASE_URL"]
        shown = make_url(url).render_as_string(hide_password=True)
        before = _tables(make_engine(url))
        app = create_app(overrides)
        open_stores(app)  # creates every table the app uses (feedback, jti replay list, worksheet secret)
    except (ConfigError, SQLAlchemyError, StorageUnavailable, ValueError) as exc:
        print(f"essdai-cds db upgrade: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return 2
    storage = app.extensions[STORAGE_KEY]
    try:
        present = _tables(storage.engine, dispose=False)
    finally:
        storage.close()
        app.extensions[FHIR_KEY].close()
    created = [name for name in present if name not in before]
    print(json.dumps({"database": shown, "created": created, "present": present}))
    return 0
