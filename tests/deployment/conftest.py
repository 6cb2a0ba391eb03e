"""The reference deployment (essdai_devtools.deployment: PostgreSQL, `db upgrade`, two instances, nginx),
started once per test session and stopped by its pids when the session ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deployment_helpers import Live

from essdai_devtools.deployment import reference_deployment
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.nginx import nginx_binary
from essdai_devtools.postgres import pg_bin
from essdai_devtools.service_process import trusted_issuer


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    try:
        pg_bin(), nginx_binary()
    except FileNotFoundError as exc:  # CI installs both (.ci/run); a developer machine may not have them
        pytest.skip(f"{exc}: apt-get install -y nginx postgresql")
    workdir = tmp_path_factory.mktemp("deployment")
    key = EhrKey.generate()
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    with reference_deployment(workdir, trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)]) as d:
        yield Live(d, key)


def _server_lines(path: Path, lines: int = 60) -> str:
    """The last lines of a service log without its JSON access lines: boots, exits, errors."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join([line for line in text.splitlines() if not line.startswith("{")][-lines:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """A failed deployment test shows what its servers logged (CI keeps only pytest's output)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    live = getattr(item, "funcargs", {}).get("deployment")
    if report.when == "call" and report.failed and isinstance(live, Live):
        for i, instance in enumerate(live.instances):
            report.sections.append((f"instance-{i} log (no access lines)", _server_lines(instance.log_path)))
        report.sections.append(("postgres log", _server_lines(live.postgres.log_path, 30)))
