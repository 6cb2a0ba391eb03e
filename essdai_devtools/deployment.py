"""The reference deployment as real processes: a throwaway PostgreSQL cluster (as the postgres user), the
one-shot `essdai-cds db upgrade`, N `essdai-cds serve` instances (DATABASE_CREATE_TABLES=false: they
rely on the upgrade step, as in production) and nginx from deploy/nginx.conf in front of them. All on
127.0.0.1 at free ports, each stopped by its own pid. Used by tests/deployment and the benchmark.

The JWT audience of every instance is the proxy's URL (PUBLIC_BASE_URL), as in production; a token signed
for that URL is accepted whichever way it arrives, so callers may also reach an instance directly.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from essdai_devtools.nginx import NginxProxy
from essdai_devtools.postgres import PostgresCluster
from essdai_devtools.procs import free_port
from essdai_devtools.service_process import ServiceProcess, service_env


@dataclass
class Deployment:
    base_url: str  # the proxy: what an EHR calls
    instances: list[ServiceProcess]
    postgres: PostgresCluster
    database_url: str
    proxy: NginxProxy
    upgrade_output: dict[str, Any]  # what `essdai-cds db upgrade` printed


def db_upgrade(database_url: str, workdir: Path) -> dict[str, Any]:
    """Run `essdai-cds db upgrade --database-url URL` as its own process; its JSON line."""
    env = service_env(public_base_url="http://127.0.0.1:1", trusted_issuers=[], fhir_allowlist=[],
                      database_path=workdir / "unused.sqlite")
    done = subprocess.run([sys.executable, "-m", "essdai_cds.cli", "db", "upgrade", "--database-url", database_url],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"essdai-cds db upgrade failed ({done.returncode}): {done.stderr[-1000:]}")
    return dict(json.loads(done.stdout))


@contextlib.contextmanager
def reference_deployment(workdir: Path, *, trusted_issuers: list[dict[str, str]], instances: int = 2,
                         workers: int = 2, fhir_allowlist: Sequence[str] = (),
                         extra_env: Mapping[str, str] | None = None) -> Iterator[Deployment]:
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    with contextlib.ExitStack() as stack:
        cluster = PostgresCluster()
        url = stack.enter_context(cluster)
        upgrade = db_upgrade(url, Path(workdir))
        services = [ServiceProcess(Path(workdir) / f"instance-{i}", trusted_issuers=trusted_issuers,
                                   fhir_allowlist=list(fhir_allowlist), workers=workers, database_url=url,
                                   extra_env={"ESSDAI_CDS_PUBLIC_BASE_URL": public,
                                              "ESSDAI_CDS_DATABASE_CREATE_TABLES": "false",
                                              "ESSDAI_CDS_LOG_LEVEL": "WARNING", **(extra_env or {})})
                    for i in range(instances)]
        for service in services:
            stack.enter_context(service)
        proxy = NginxProxy([s.port for s in services], port=proxy_port)
        stack.enter_context(proxy)
        yield Deployment(public, services, cluster, url, proxy, upgrade)
