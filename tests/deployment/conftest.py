"""The reference deployment (essdai_devtools.deployment: PostgreSQL, `db upgrade`, two instances, nginx),
started once per test session and stopped by its pids when the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deployment_helpers import Live

from essdai_devtools.deployment import reference_deployment
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.service_process import trusted_issuer


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("deployment")
    key = EhrKey.generate()
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    with reference_deployment(workdir, trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)]) as d:
        yield Live(d, key)
