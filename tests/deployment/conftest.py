"""The reference deployment (essdai_devtools.deployment: PostgreSQL, `db upgrade`, two instances, nginx),
started once per test session and stopped by its pids when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

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
