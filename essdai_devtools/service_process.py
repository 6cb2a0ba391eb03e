"""The CDS service as a real process: `essdai-cds serve` (gunicorn) on loopback, configured by env.

The service reads `ESSDAI_CDS_*` variables (cds_service config): PUBLIC_BASE_URL (the JWT `aud`
base), TRUSTED_ISSUERS (JSON list of {iss, jwks_file | jwks_url}), FHIR_ALLOWLIST (JSON list of
FHIR base URLs), ALLOW_INSECURE_FHIR (http:// FHIR for tests and the demo), DATABASE_URL,
CORS_ORIGINS (JSON list), ASSESSMENT_DATE (fixed "today"). Ready = any HTTP reply on /healthz.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from essdai_devtools.procs import ServerContext, free_port, server_process

ENV_PREFIX = "ESSDAI_CDS_"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def trusted_issuer(iss: str, *, jwks_file: Path | None = None, jwks_url: str | None = None) -> dict[str, str]:
    if (jwks_file is None) == (jwks_url is None):
        raise ValueError("give exactly one of jwks_file / jwks_url")
    return {"iss": iss, "jwks_file": str(jwks_file)} if jwks_file else {"iss": iss, "jwks_url": str(jwks_url)}


def service_env(
    *,
    public_base_url: str,
    trusted_issuers: list[dict[str, Any]],
    fhir_allowlist: list[str],
    database_path: Path,
    assessment_date: date | None = None,
    cors_origins: list[str] | None = None,
    allow_insecure_fhir: bool = True,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for `essdai-cds serve`: the caller's environment minus any ESSDAI_CDS_* leftovers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update({
        f"{ENV_PREFIX}PUBLIC_BASE_URL": public_base_url,
        f"{ENV_PREFIX}TRUSTED_ISSUERS": json.dumps(trusted_issuers),
        f"{ENV_PREFIX}FHIR_ALLOWLIST": json.dumps(fhir_allowlist),
        f"{ENV_PREFIX}DATABASE_URL": f"sqlite:///{Path(database_path).resolve()}",
        f"{ENV_PREFIX}ALLOW_INSECURE_FHIR": "true" if allow_insecure_fhir else "false",
        f"{ENV_PREFIX}CORS_ORIGINS": json.dumps(cors_origins or []),
    })
    if assessment_date:
        env[f"{ENV_PREFIX}ASSESSMENT_DATE"] = assessment_date.isoformat()
    env.update(extra or {})
    return env


def serve_command(host: str, port: int, workers: int, extra_args: Sequence[str] = ()) -> list[str]:
    # `python -m essdai_cds.cli` = the `essdai-cds` script, without depending on PATH
    return [sys.executable, "-m", "essdai_cds.cli", "serve", "--host", host, "--port", str(port),
            "--workers", str(workers), *extra_args]


class ServiceProcess(ServerContext):
    """`with ServiceProcess(workdir, ...) as base_url:` runs the service under gunicorn until the block ends.

    The SQLite database is `workdir/essdai-cds.sqlite` (or `database_path`; `database_url`, e.g. a
    PostgreSQL one, replaces it), the log `workdir/service.log`.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        trusted_issuers: list[dict[str, Any]],
        fhir_allowlist: list[str],
        assessment_date: date | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        workers: int = 2,
        cors_origins: list[str] | None = None,
        database_path: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 30,
        serve_args: Sequence[str] = (),
        database_url: str | None = None,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"refusing to bind {host!r}: the devtools service uses insecure settings, loopback only")
        super().__init__()
        self.workdir = Path(workdir)
        self.host = host
        self.port = port or free_port()
        self.workers = workers
        self.base_url = f"http://{'127.0.0.1' if host == 'localhost' else host}:{self.port}"
        self.database_path = Path(database_path) if database_path else self.workdir / "essdai-cds.sqlite"
        self.log_path = self.workdir / "service.log"
        self.timeout = timeout
        self.serve_args = tuple(serve_args)  # more `essdai-cds serve` options (--worker-class ...)
        self.env = service_env(
            public_base_url=self.base_url, trusted_issuers=trusted_issuers, fhir_allowlist=fhir_allowlist,
            database_path=self.database_path, assessment_date=assessment_date, cors_origins=cors_origins,
            extra={**({f"{ENV_PREFIX}DATABASE_URL": database_url} if database_url else {}), **(extra_env or {})},
        )
        self.pid: int | None = None

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        proc = self._stack.enter_context(server_process(
            serve_command(self.host, self.port, self.workers, self.serve_args), f"{self.base_url}/healthz", self.log_path,
            self.timeout, env=self.env, cwd=self.workdir))
        self.pid = proc.pid
