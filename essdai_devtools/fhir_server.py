"""A real FHIR R4 server (sekmet-fhir 0.1.1) on loopback, and loading transaction Bundles into it.

Settings follow /work/shared/docs/fhir-test-server.md §3: host overridden to 127.0.0.1 (sekmet's
default is 0.0.0.0), the workflow simulator off (it would "fulfil" MedicationRequests after 2 s),
the traffic log off (it stores every body), inbound validation "warn" (default "strict").
Everything sekmet writes (SQLite file, its own key) goes into a temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from essdai_devtools.procs import ServerContext, free_port, server_process

TIMEOUT = 120  # seconds for one transaction (a 10,000-entry Bundle takes several seconds)


def sekmet_executable() -> str:
    """The `sekmet` script installed beside this interpreter (the venv), else the one on PATH."""
    here = Path(sys.executable).parent / "sekmet"
    if here.exists():
        return str(here)
    found = shutil.which("sekmet")
    if not found:
        raise FileNotFoundError("sekmet-fhir is not installed: pip install 'essdai-cds[test]'")
    return found


def settings_yaml(port: int, data_dir: Path, tokens: list[str] | None = None,
                  smart_clients: list[dict[str, Any]] | None = None) -> str:
    base = f"http://127.0.0.1:{port}/fhir"
    settings: dict[str, Any] = {
        "base_url": base,
        "host": "127.0.0.1",
        "port": port,
        "data_dir": str(data_dir),
        "own_private_key_path": str(data_dir / "keys" / "sekmet_private.pem"),
        "log_inbound": False,
        "simulator": {"enabled": False},
        "validation": {"inbound": "warn"},
    }
    if tokens:
        settings["server_auth"] = {"types": ["bearer"], "tokens": list(tokens), "enforce_scopes": False}
    if smart_clients:
        # SMART Backend Services (sekmet/auth/server.py): token endpoint /auth/token, private_key_jwt assertions;
        # a SMART token's scopes are enforced (static bearer tokens, if any, stay unrestricted for loading data)
        auth = settings.setdefault("server_auth", {"types": [], "tokens": []})
        auth["types"] = [*auth["types"], "smart"]
        auth["smart_clients"] = list(smart_clients)
        auth["enforce_scopes"] = True
    return json.dumps(settings, indent=2)  # JSON is valid YAML


class FhirServer(ServerContext):
    """`with FhirServer() as base_url:` runs sekmet-fhir on 127.0.0.1 until the block ends.

    `tokens`: bearer mode (every FHIR call but /metadata needs `Authorization: Bearer <token>`).
    `smart_clients`: SMART Backend Services clients (`{"client_id", "jwks", "scopes"}`), beside any tokens.
    `workdir`: keep settings, data and log there (default: a temporary directory, removed after).
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        tokens: list[str] | None = None,
        smart_clients: list[dict[str, Any]] | None = None,
        workdir: Path | None = None,
        timeout: float = 30,
    ) -> None:
        super().__init__()
        self.port = port or free_port()
        self.tokens = list(tokens or [])
        self.smart_clients = list(smart_clients or [])
        self.timeout = timeout
        self._workdir = Path(workdir) if workdir else None
        self.base_url = f"http://127.0.0.1:{self.port}/fhir"
        self.log_path: Path | None = None
        self.database: Path | None = None
        self.pid: int | None = None

    def _start(self) -> None:
        if self._workdir is None:
            workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="sekmet-")))
        else:
            workdir = self._workdir
            workdir.mkdir(parents=True, exist_ok=True)
        data_dir = workdir / "data"
        data_dir.mkdir(exist_ok=True)
        self.database = data_dir / "sekmet.db"  # sekmet's default location under data_dir
        config = workdir / "settings.yaml"
        config.write_text(settings_yaml(self.port, data_dir, self.tokens, self.smart_clients), encoding="utf-8")
        self.log_path = workdir / "sekmet.log"
        proc = self._stack.enter_context(
            server_process(
                [sekmet_executable(), "serve", "-c", str(config)],
                f"{self.base_url}/metadata",
                self.log_path,
                self.timeout,
                cwd=workdir,  # sekmet resolves some relative paths against the working directory
            )
        )
        self.pid = proc.pid

    def analyze(self) -> None:
        """Refresh SQLite planner statistics after a bulk load.

        Without them sekmet 0.1.1's `_sort=-date` subquery walks the (type, param) date index for every
        matching row: a 2,900-match search on a 10,000-Observation record took 28 s; after ANALYZE 0.1 s.
        The running server picks the statistics up on its next query (the schema cookie changes).
        """
        if self.database is None or not self.database.exists():
            raise RuntimeError("the FHIR server is not running (no database yet)")
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as db:
            db.execute("ANALYZE")
            db.commit()


def location_reference(location: str) -> str:
    """'http://h/fhir/Patient/p1/_history/1' (or relative) -> 'Patient/p1'. Parsed, not split blindly."""
    parts = [p for p in urlsplit(location).path.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) < 2:
        raise ValueError(f"not a resource location: {location!r}")
    return f"{parts[-2]}/{parts[-1]}"


def load_bundle(
    base: str,
    bundle: dict[str, Any],
    *,
    token: str | None = None,
    session: requests.Session | None = None,
    timeout: float = TIMEOUT,
) -> dict[str, str]:
    """POST a transaction Bundle to `base` like an integrator; map each entry fullUrl -> 'Type/id'.

    Entries without a fullUrl are keyed by their request url ('Patient/p1'). Raises
    `requests.HTTPError` if the server refuses the transaction.
    """
    http = session or requests
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resp = http.post(base.rstrip("/") + "/", data=json.dumps(bundle), headers=headers, timeout=timeout)
    resp.raise_for_status()
    answer = resp.json()
    if answer.get("resourceType") != "Bundle":
        raise ValueError(f"expected a transaction-response Bundle, got {answer.get('resourceType')!r}")
    ids: dict[str, str] = {}
    for sent, got in zip(bundle.get("entry", []), answer.get("entry", []), strict=False):
        location = (got.get("response") or {}).get("location")
        if not location:
            continue
        key = sent.get("fullUrl") or (sent.get("request") or {}).get("url", "")
        ids[key] = location_reference(location)
    return ids


def load_dir(base: str, paths: list[Path], *, token: str | None = None) -> dict[str, dict[str, str]]:
    """Load several transaction Bundle files (one session); returns file stem -> id map."""
    loaded: dict[str, dict[str, str]] = {}
    with requests.Session() as session:
        for path in paths:
            bundle = json.loads(Path(path).read_text(encoding="utf-8"))
            loaded[Path(path).stem] = load_bundle(base, bundle, token=token, session=session)
    return loaded
