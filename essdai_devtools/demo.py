"""`essdai-cds demo`: a FHIR server with the synthetic cohort and the service, on loopback, until Ctrl-C.

Starts sekmet-fhir (open, no auth: the CDS Hooks sandbox can only use open FHIR servers), writes and
loads the cohort over HTTP, starts the service under gunicorn trusting the demo client's key, prints
what to open, and stops everything it started on Ctrl-C or SIGTERM.

DEMO ONLY, never in production: the service accepts http:// FHIR on loopback, and
`--trust-sandbox-jwks FILE` trusts the public CDS Hooks sandbox issuer, whose private key is published
in its repository (anyone can mint its tokens; cds-hooks-contract.md §1.7). Binding to anything but
loopback is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import socket
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrClient, EhrKey
from essdai_devtools.fhir_server import FhirServer, load_dir
from essdai_devtools.service_process import LOOPBACK, ServiceProcess, trusted_issuer
from essdai_devtools.synth import bundle_paths, generate, write_cohort

# How the public sandbox (cds-hooks/sandbox, src/retrieve-data-helpers/jwt-generator.js) signs: ES384, this
# `iss`, its `kid`, `jku` = its published JWKS URL, `aud` = the exact URL called, exp = iat + 300.
SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
SANDBOX_JWKS_URL = "https://sandbox.cds-hooks.org/.well-known/jwks.json"


class Stop(Exception):
    """Raised by the signal handler to unwind every `with` block (each stops what it started)."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def showcase(expected: dict[str, Any]) -> dict[str, str]:
    """Patients worth opening: eligible (determined), a score range (undecided), on baricitinib (monitoring
    due), one whose baricitinib order raises a critical finding, and a quiet one (no card expected)."""
    patients = expected["patients"]
    picks: dict[str, str] = {}
    for pid, p in patients.items():
        if p["quiet"]:
            if "quiet" not in picks and not p["large"]:
                picks["quiet"] = pid
            continue
        essdai = p["essdai"]
        if "eligible" not in picks and essdai["score"] == essdai["max"] and p["eligibility"]["met"] and not p["large"]:
            picks["eligible"] = pid
        if "range (undecided)" not in picks and essdai["score"] != essdai["max"] and p["eligibility"]["met"] is None:
            picks["range (undecided)"] = pid
        if "on baricitinib" not in picks and (p.get("monitoring") or {}).get("rules"):
            picks["on baricitinib"] = pid
        if "JAK order" not in picks and "critical" in ((p.get("safety") or {}).get("rules") or {}).values():
            picks["JAK order"] = pid
    return picks


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="bind address, loopback only (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="service port (default 8080)")
    p.add_argument("--fhir-port", type=int, default=8090, help="FHIR server port (default 8090)")
    p.add_argument("--patients", type=int, default=None, help="cohort size (default: every designed case)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--large-size", type=int, default=10_000, help="Observations per large record (default 10000)")
    p.add_argument("--workdir", type=Path, help="keep cohort, keys, logs and databases here (default: temporary)")
    p.add_argument("--trust-sandbox-jwks", type=Path, metavar="FILE",
                   help="DEMO ONLY: also trust the public CDS Hooks sandbox issuer with this JWKS file "
                        f"(a saved copy of {SANDBOX_JWKS_URL}; never fetched by the service)")
    p.add_argument("--sandbox-origin", default=SANDBOX_ORIGIN, metavar="URL",
                   help=f"origin the sandbox page is served from, allowed in CORS (default {SANDBOX_ORIGIN})")


def sandbox_issuer(jwks_file: Path, service_base: str) -> dict[str, Any]:
    """The TRUSTED_ISSUERS entry for the public sandbox: keys from the saved file, its `jku` accepted (never
    fetched); `aud` may name the service as 127.0.0.1 or localhost (whichever the user typed in the sandbox)."""
    return {"iss": SANDBOX_ISSUER, "jwks_file": str(jwks_file), "jku": SANDBOX_JWKS_URL,
            "audience": [service_base, service_base.replace("://127.0.0.1:", "://localhost:")]}


def origin_error(origin: str) -> str | None:
    """Why `origin` is not a browser origin (scheme://host[:port], nothing after), or None."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        return f"--sandbox-origin {origin!r} is not an origin (scheme://host[:port], e.g. {SANDBOX_ORIGIN})"
    return None


def busy_port(host: str, ports: dict[str, int]) -> str | None:
    """One line naming the first port already in use on `host` and the flag that changes it, or None."""
    for flag, port in ports.items():
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                return f"port {port} on {host} is already in use; choose another with {flag} N"
    return None


def run(args: argparse.Namespace) -> int:
    if args.host not in LOOPBACK:
        print(f"essdai-cds demo: refusing to bind {args.host!r}: the demo uses insecure settings "
              "(http FHIR, test keys); use 127.0.0.1", file=sys.stderr)
        return 2
    if args.trust_sandbox_jwks and not args.trust_sandbox_jwks.is_file():
        print(f"essdai-cds demo: {args.trust_sandbox_jwks}: no such file", file=sys.stderr)
        return 2
    problem = origin_error(args.sandbox_origin) or busy_port(
        args.host, {"--port": args.port, "--fhir-port": args.fhir_port})
    if problem:
        print(f"essdai-cds demo: {problem}", file=sys.stderr)
        return 2
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.ExitStack() as stack:
            workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="essdai-demo-")))
            workdir.mkdir(parents=True, exist_ok=True)
            return _demo(args, workdir, stack)
    except Stop as exc:
        print(f"\nstopped ({exc}); everything the demo started has been stopped.")
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _demo(args: argparse.Namespace, workdir: Path, stack: contextlib.ExitStack) -> int:
    today = date.today()
    print(f"working directory: {workdir}")
    fhir = FhirServer(port=args.fhir_port, workdir=workdir / "fhir")
    fhir_base = stack.enter_context(fhir)
    print(f"FHIR server (sekmet-fhir, open):  {fhir_base}   [log {fhir.log_path}]")

    cohort = generate(seed=args.seed, patients=args.patients, today=today, large_size=args.large_size)
    cohort_dir = workdir / "cohort"
    write_cohort(cohort, cohort_dir)
    started = time.monotonic()
    load_dir(fhir_base, bundle_paths(cohort_dir))
    fhir.analyze()
    print(f"loaded {len(cohort.bundles)} patients in {time.monotonic() - started:.1f} s  [{cohort_dir}]")

    key = EhrKey.generate()
    key.write_pem(workdir / "ehr-key.pem")
    issuers: list[dict[str, Any]] = [
        trusted_issuer(DEFAULT_ISSUER, jwks_file=key.write_jwks(workdir / "ehr-jwks.json"))]
    service_url = f"http://{'127.0.0.1' if args.host == 'localhost' else args.host}:{args.port}"
    if args.trust_sandbox_jwks:
        issuers.append(sandbox_issuer(args.trust_sandbox_jwks.resolve(), service_url))
        print(f"DEMO ONLY: trusting {SANDBOX_ISSUER} (its private key is public) with {args.trust_sandbox_jwks}")
    service = ServiceProcess(workdir / "service", trusted_issuers=issuers, fhir_allowlist=[fhir_base],
                             assessment_date=today, host=args.host, port=args.port,
                             cors_origins=[args.sandbox_origin.rstrip("/")],
                             # demo only, loopback only: the ESSDAI card links the worksheet with an
                             # `absolute` link (iss + patient, no secret) against the open FHIR server
                             extra_env={"ESSDAI_CDS_WORKSHEET_OPEN_ACCESS": "true",
                                        # the sandbox may show the worksheet in a frame: allow its origin
                                        "ESSDAI_CDS_WORKSHEET_FRAME_ANCESTORS": json.dumps([args.sandbox_origin.rstrip("/")])})
    service_base = stack.enter_context(service)
    print(f"CDS service (gunicorn):           {service_base}   [log {service.log_path}]")
    print(f"discovery:                        {service_base}/cds-services   (needs a signed JWT)")
    print(f"worksheet (demo, no sign-in):     {service_base}/worksheet/open?iss={fhir_base}&patient=<id>")

    picks = showcase(cohort.expected)
    print("\npatients worth opening:")
    for label, pid in picks.items():
        p = cohort.expected["patients"][pid]
        print(f"  {label:<18} {pid:<24} {p['title']}")

    pid = picks.get("eligible") or next(iter(cohort.bundles))
    script = Path(sys.executable).with_name("essdai-cds")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "essdai_cds.cli"]

    def call_line(patient: str, hook: str, *extra: str) -> str:
        return shlex.join(cli + ["call", "--service-url", service_base, "--fhir", fhir_base, "--patient", patient,
                                 "--hook", hook, "--key", str(workdir / "ehr-key.pem"), *extra])

    print("\nask the service like an EHR would:")
    print("  " + call_line(pid, "patient-view"))
    print("  " + call_line(picks.get("JAK order", pid), "order-sign"))
    print("and send feedback on each card (stored in the feedback database below):")
    print("  " + call_line(picks.get("JAK order", pid), "order-sign", "--feedback", "overridden"))

    body = EhrClient(service_base, fhir_base, DEFAULT_ISSUER, key, today=today)
    request_file = workdir / f"request-{pid}.json"
    service_id = body.services_for("patient-view")[0]["id"]
    request_file.write_text(json.dumps(body.request_body(body.services_for("patient-view")[0],
                                                         body.context(pid), "full"), indent=1))
    url = f"{service_base}/cds-services/{service_id}"
    token = key.sign(issuer=DEFAULT_ISSUER, audience=url, lifetime=3600)
    print("\nor with curl (pre-signed, valid 1 hour, single use: the service refuses a replayed jti):")
    print("  " + shlex.join(["curl", "-s", "-X", "POST", url, "-H", f"Authorization: Bearer {token}",
                             "-H", "Content-Type: application/json", "--data", f"@{request_file}"]))
    print(f"feedback database:                {service.database_path}")
    sandbox = args.sandbox_origin.rstrip("/") + "/?" + urlencode(
        {"fhirServiceUrl": fhir_base, "patientId": pid, "serviceDiscoveryURL": f"{service_base}/cds-services"})
    print(f"\nCDS Hooks sandbox (CORS allows {args.sandbox_origin}):\n  {sandbox}")
    if not args.trust_sandbox_jwks:
        print("  (start with --trust-sandbox-jwks FILE, or the service answers the sandbox 401)")
    print("\nCtrl-C stops everything.")
    while True:
        time.sleep(3600)
