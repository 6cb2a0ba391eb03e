"""Schema creation on a fresh PostgreSQL database: 30 processes starting at the same instant all succeed.

Before the advisory lock, 13-14 of 30 concurrent starts failed on duplicate-table errors: SQLAlchemy's
create_all checks for each table, then creates it, and concurrent processes race in between.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from deployment_helpers import Live
from sqlalchemy import create_engine, inspect, text

from storage import metadata

pytestmark = pytest.mark.integration

STARTS = 30
# what a service start does to the database (the worksheet's secret table goes through the same
# create_tables). Each process imports, says it is ready, then waits for the go file, so the creates overlap
# however slowly a loaded machine imports.
START = """
import pathlib, sys, time
from storage import Storage
url, ready, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.005)
Storage(url).close()
"""


def _fresh_database(admin_url: str) -> str:
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def test_thirty_concurrent_starts_on_a_fresh_postgresql_never_fail(deployment: Live, tmp_path: Path) -> None:
    url = _fresh_database(deployment.database_url)
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(STARTS)]
    procs = [subprocess.Popen([sys.executable, "-c", START, url, str(ready[i]), str(go)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for i in range(STARTS)]
    try:
        deadline = time.monotonic() + 180
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(r.exists() for r in ready), "the processes did not all get ready"
        go.touch()
        results = [(p.wait(120), p.stderr.read() if p.stderr else "") for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    failures = [next((ln for ln in reversed(err.splitlines()) if "Error" in ln), err[-300:])
                for code, err in results if code != 0]
    assert failures == [], failures
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert sorted(inspect(conn).get_table_names()) == sorted(metadata.tables)
    finally:
        engine.dispose()
