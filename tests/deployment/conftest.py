"""The reference deployment as real processes, once per test session: a throwaway PostgreSQL cluster
(run as the postgres user), the one-shot `essdai-cds db upgrade`, two `essdai-cds serve` instances
(gevent workers, DATABASE_CREATE_TABLES=false so they rely on the upgrade step) and nginx from
deploy/nginx.conf in front of both. Everything on 127.0.0.1, free ports, stopped by its own pid.

The JWT audience of both instances is the proxy's URL (PUBLIC_BASE_URL), as in production; a token
signed for that URL is accepted whichever way it arrives, so tests may also call an instance directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from deployment_helpers import Deployment, db_upgrade

from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.nginx import NginxProxy
from essdai_devtools.postgres import PostgresCluster
from essdai_devtools.procs import free_port
from essdai_devtools.service_process import ServiceProcess, trusted_issuer


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("deployment")
    key = EhrKey.generate()
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    with contextlib.ExitStack() as stack:
        cluster = PostgresCluster()
        url = stack.enter_context(cluster)
        upgrade = db_upgrade(url, workdir)
        instances = [ServiceProcess(workdir / f"instance-{i}", trusted_issuers=[trusted_issuer(DEFAULT_ISSUER,
                                                                                               jwks_file=jwks)],
                                    fhir_allowlist=[], workers=2, database_url=url,
                                    extra_env={"ESSDAI_CDS_PUBLIC_BASE_URL": public,
                                               "ESSDAI_CDS_DATABASE_CREATE_TABLES": "false",
                                               "ESSDAI_CDS_LOG_LEVEL": "WARNING"})
                     for i in range(2)]
        for instance in instances:
            stack.enter_context(instance)
        stack.enter_context(NginxProxy([i.port for i in instances], port=proxy_port))
        yield Deployment(public, instances, cluster, url, key, upgrade)
