"""Benchmark: the service under gunicorn (2 gevent workers, loopback, JWT auth ON as in production).

One patient-view request with full prefetch for a typical patient (about 300 relevant Observations,
20 Conditions, 12 clinician domain ratings) at 1, 8 and 32 concurrent clients. Prints requests/s and
p50/p95/p99 latency per level and, beside it, the in-process time of `json.loads` of the same body and
of the whole request through the Flask test client (no HTTP, no auth). Goal (issue #3 item 11):
p99 <= 50 ms at 8 concurrent clients on a 2-core machine. Not a test: figures are printed.

    python benchmarks/bench_service.py [--clients 1,8,32] [--seconds 10] [--workers 2] [--alg ES384|RS384]
                                       [--worker-class gevent|gthread|sync] [--deployment [--deployment-clients 8,32]]
    python benchmarks/bench_service.py --compare-workers sync,gevent [--rounds 5] [--seconds 10]

`--deployment` then measures the reference deployment the same way: nginx (deploy/nginx.conf) in front of two
instances (each `--workers` gevent workers) on a throwaway PostgreSQL, the requests through nginx; `cpu ms/req`
then sums the workers of both instances (nginx and PostgreSQL not included).

The load driver is `wrk` (Debian package `wrk`; one C thread, epoll) when it is on PATH, so the
client takes little of the two cores the service runs on; otherwise (or with `--driver python`) a
thread per client with `requests`, which itself needs a good part of a core. The driver used is
printed. Tokens are signed before each timed run (one fresh `jti` per request, ES384 unless `--alg
RS384`, the devtools EHR key trusted through a JWKS file; an ES384 signature costs the service about
0.5 ms to verify, an RS384 one about 0.02 ms; the service refuses replays, so wrk cycles through a file of
them and never reuses one), so the client's signing cost is outside the measurement. `ref ms` times
a fixed Python loop before each level: this VM's speed drifts by up to half over minutes, and the
service's figures drift with it. The helpers here (workload, service start, worker memory, load loop)
are shared with benchmarks/soak.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests

from essdai_devtools import cohort_codes as cc
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.fhir_builders import Record
from essdai_devtools.service_process import ServiceProcess, trusted_issuer
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM

AS_OF = date(2026, 6, 1)
VIEW_SERVICE = "essdai-activity"
ORDER_SERVICE = "jak-inhibitor-safety"
# prefetch key -> resource type it holds (every key of both services). `essdaiFindings` holds the project
# CodeSystem Observations, `observations` the others (its template filters on LOINC codes).
PREFETCH_TYPES = {
    "conditions": "Condition",
    "observations": "Observation",
    "essdaiFindings": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationStatements": "MedicationStatement",
}
ORDER_KEYS = ("conditions", "observations", "medicationRequests", "medicationStatements")


# --- workload ----------------------------------------------------------------------------------------------

def typical_patient(pid: str = "bench-typical", today: date = AS_OF, seed: int = 11) -> dict[str, Any]:
    """Transaction Bundle of a typical record: Sjögren's + 19 free-text problems, 12 domain ratings and
    about 300 relevant results over 2 years (monthly CBC, quarterly immunology, weekly temperature,
    monthly weight and creatinine). Free-text problems carry no code: nothing here is an invented code."""
    r = Record(pid, today, random.Random(seed))
    r.set_patient(gender="female", age=54, family="Benchmark", given="Typical")
    r.condition(cc.SJOGREN_ICD, onset_days_ago=1500)
    for i in range(19):
        r.add({"resourceType": "Condition", "subject": r.subject, "code": {"text": f"problem list entry {i + 1}"},
               "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                              "code": "active"}]}, "recordedDate": r.day(200 + 40 * i)})
    for domain, level in {"glandular": 1, "articular": 1}.items():
        r.finding(domain, level, days_ago=20)
    for domain in ("constitutional", "lymphadenopathy", "cutaneous", "pulmonary", "renal", "muscular", "pns",
                   "cns", "hematological", "biological"):
        r.finding(domain, 0, days_ago=20)
    rnd = r.rng
    for month in range(24):
        days = 5 + 30 * month
        r.lab(cc.OBS["lymphocytes"], round(rnd.uniform(1.0, 2.5), 2), "10*9/L", days_ago=days)
        r.lab(cc.OBS["neutrophils"], round(rnd.uniform(2.0, 6.0), 2), "10*9/L", days_ago=days)
        r.lab(cc.OBS["platelets"], round(rnd.uniform(160, 380)), "10*9/L", days_ago=days)
        r.lab(cc.OBS["hemoglobin"], round(rnd.uniform(12.5, 14.5), 1), "g/dL", days_ago=days)
        r.lab(cc.OBS["creatinine"], round(rnd.uniform(0.6, 1.0), 2), "mg/dL", days_ago=days)
        r.vital(cc.OBS["weight"], round(rnd.uniform(63.0, 64.5), 1), "kg", days_ago=days)
    for quarter in range(8):
        days = 6 + 91 * quarter
        r.lab(cc.OBS["igg"], round(rnd.uniform(9, 15), 1), "g/L", days_ago=days)
        r.lab(cc.OBS["c3"], round(rnd.uniform(0.95, 1.5), 2), "g/L", low=0.9, high=1.8, days_ago=days)
        r.lab(cc.OBS["c4"], round(rnd.uniform(0.12, 0.35), 2), "g/L", low=0.1, high=0.4, days_ago=days)
    for week in range(128):
        r.vital(cc.OBS["temperature"], round(rnd.uniform(36.2, 37.3), 1), "Cel", days_ago=2 + 7 * week)
    return r.bundle()


def resources_of(transaction: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(Patient, other resources with ids) of a devtools transaction Bundle (ids from the urn:uuid fullUrls)."""
    patient: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for entry in transaction["entry"]:
        resource = dict(entry["resource"])
        if resource["resourceType"] == "Patient":
            patient = resource
            continue
        resource.setdefault("id", entry["fullUrl"].rsplit(":", 1)[-1])
        out.append(resource)
    return patient, out


def searchset(resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        bundle["entry"] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r, "search": {"mode": "match"}}
                           for r in resources]
    return bundle


def prefetch_for(patient: dict[str, Any], resources: Sequence[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """Full prefetch as an EHR sends it: each key a searchset of the patient's resources of its types."""
    out: dict[str, Any] = {"patient": patient}
    for key in keys:
        chosen = [r for r in resources if r["resourceType"] == PREFETCH_TYPES[key]]
        if PREFETCH_TYPES[key] == "Observation":
            chosen = [r for r in chosen if _is_finding(r) == (key == "essdaiFindings")]
        out[key] = searchset(chosen)
    return out


def _is_finding(observation: dict[str, Any]) -> bool:
    codings = observation.get("code", {}).get("coding", [])
    return any(c.get("system") == DEFAULT_SYSTEM for c in codings)


def hook_body(hook: str, patient: dict[str, Any], resources: Sequence[dict[str, Any]],
              draft_orders: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete hook request with full prefetch (no fhirServer: nothing to fetch)."""
    pid = patient["id"]
    context: dict[str, Any] = {"userId": "Practitioner/bench-1", "patientId": pid}
    keys: Sequence[str] = tuple(PREFETCH_TYPES)
    if hook != "patient-view":
        assert draft_orders is not None
        context["draftOrders"] = draft_orders
        keys = ORDER_KEYS
        if hook == "order-select":
            context["selections"] = [f"{e['resource']['resourceType']}/{e['resource']['id']}"
                                     for e in draft_orders["entry"]]
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
            "prefetch": prefetch_for(patient, resources, keys)}


# --- the service -------------------------------------------------------------------------------------------

@dataclass
class Service:
    base_url: str
    key: EhrKey
    process: ServiceProcess
    others: list[ServiceProcess] = field(default_factory=list)  # more instances behind the same base_url

    def worker_pids(self) -> list[int]:
        return [pid for p in (self.process, *self.others) if p.pid for pid in worker_pids(p.pid)]

    def url(self, service_id: str, feedback: bool = False) -> str:
        return f"{self.base_url}/cds-services/{service_id}" + ("/feedback" if feedback else "")

    def token(self, url: str) -> str:
        return self.key.sign(issuer=DEFAULT_ISSUER, audience=url)


@contextlib.contextmanager
def running_service(workdir: Path, *, workers: int = 2, today: date = AS_OF,
                    extra_env: dict[str, str] | None = None, alg: str = "ES384",
                    worker_class: str = "gevent", reuse_connections: bool = False) -> Iterator[Service]:
    """gunicorn on 127.0.0.1 with auth ON: the devtools EHR key (`alg`) trusted through a JWKS file."""
    key = EhrKey.generate(alg)
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    process = ServiceProcess(workdir, trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)],
                             fhir_allowlist=[], assessment_date=today, workers=workers,
                             extra_env={"ESSDAI_CDS_LOG_LEVEL": "WARNING", **(extra_env or {})},
                             serve_args=["--worker-class", worker_class,
                                         *(["--reuse-connections"] if reuse_connections else [])])
    with process as base_url:
        yield Service(base_url, key, process)


@contextlib.contextmanager
def running_deployment(workdir: Path, *, workers: int = 2, today: date = AS_OF,
                       alg: str = "ES384") -> Iterator[Service]:
    """nginx in front of two instances on a throwaway PostgreSQL (essdai_devtools.deployment), auth ON."""
    from essdai_devtools.deployment import reference_deployment

    key = EhrKey.generate(alg)
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    with reference_deployment(workdir, trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)],
                              workers=workers, extra_env={"ESSDAI_CDS_ASSESSMENT_DATE": today.isoformat()}) as d:
        yield Service(d.base_url, key, d.instances[0], d.instances[1:])


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn workers = children of the master (the `essdai-cds serve` process)."""
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return sorted(int(p) for p in path.read_text().split())
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    """Resident set size of a process, KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by these processes (0 for any that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


# --- load --------------------------------------------------------------------------------------------------

@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Results) -> None:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors

    @property
    def count(self) -> int:
        return len(self.latencies_ms)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def post_timed(session: requests.Session, url: str, body: bytes, token: str, results: Results) -> dict | None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    try:
        resp = session.post(url, data=body, headers=headers, timeout=30)
        payload = resp.json() if resp.status_code == 200 else None
    except (requests.RequestException, ValueError) as exc:
        results.errors.append(type(exc).__name__)
        return None
    results.latencies_ms.append((time.perf_counter() - started) * 1000)
    if resp.status_code != 200:
        results.errors.append(f"HTTP {resp.status_code}")
        return None
    return payload


def fixed_load(service: Service, service_id: str, body: bytes, clients: int, seconds: float,
               rate_guess: float = 400) -> Results:
    """`clients` threads post `body` back to back for `seconds`, each with pre-signed tokens."""
    url = service.url(service_id)
    per_client = int(rate_guess * seconds / clients) + 20
    tokens = [[service.token(url) for _ in range(per_client)] for _ in range(clients)]
    results = [Results() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i: int) -> None:
        with requests.Session() as session:
            start.wait()
            for token in tokens[i]:
                if time.perf_counter() >= stop_at[0]:
                    break
                post_timed(session, url, body, token, results[i])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    total = Results(seconds=time.perf_counter() - started)
    for r in results:
        total.add(r)
    return total


# wrk: one Lua state per wrk thread; we run one thread. `init` loads the pre-signed tokens (one per line)
# and the body; each request takes the next token, so none is sent twice. Past the last token it sends
# "exhausted" (a 401, counted as an error: the run then needs more tokens, never silently replays).
WRK_SCRIPT = """
local tokens, body, i = {}, nil, 0
local path = %(path)s
init = function(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  local f = assert(io.open(args[2], "rb")); body = f:read("*a"); f:close()
end
request = function()
  i = i + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                   ["Authorization"] = "Bearer " .. (tokens[i] or "exhausted")}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass
class Summary:
    """One load level: counts and latency percentiles in ms."""

    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def summarize(r: Results) -> Summary:
    lat = r.latencies_ms
    return Summary(r.count, r.seconds, percentile(lat, 50), percentile(lat, 95), percentile(lat, 99),
                   len(r.errors))


def wrk_load(service: Service, service_id: str, body: bytes, clients: int, seconds: float, workdir: Path,
             rate_guess: float = 400) -> Summary:
    """`clients` keep-alive connections from one wrk thread for `seconds`, one pre-signed token each request."""
    url = service.url(service_id)
    path = "/" + url.split("/", 3)[3]
    tokens = int(rate_guess * seconds * 1.5) + 200
    token_file = workdir / "tokens.txt"
    token_file.write_text("\n".join(service.token(url) for _ in range(tokens)) + "\n")
    body_file = workdir / "body.json"
    body_file.write_bytes(body)
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT % {"path": json.dumps(path)})
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(script),
           service.base_url, "--", str(token_file), str(body_file)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    n, duration_us, p50, p95, p99, errors = (int(x) for x in line.split()[1:])
    if n > tokens:
        errors = max(errors, n - tokens)
    return Summary(n, duration_us / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, errors)


def in_process_times(body: dict[str, Any], raw: bytes, repeat: int) -> tuple[float, float]:
    """Median ms of json.loads(raw) and of the whole request through the Flask test client (auth off)."""
    from essdai_cds.app import create_app

    loads = []
    for _ in range(repeat):
        t = time.perf_counter()
        json.loads(raw)
        loads.append((time.perf_counter() - t) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"AUTH_ENABLED": False, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
                          "ASSESSMENT_DATE": AS_OF.isoformat(), "LOG_LEVEL": "WARNING"})
        client = app.test_client()
        whole = []
        for i in range(repeat + 3):
            t = time.perf_counter()
            resp = client.post(f"/cds-services/{VIEW_SERVICE}", data=raw, content_type="application/json")
            if i >= 3:  # the first calls import the clinical packages
                whole.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return statistics.median(loads), statistics.median(whole)


def machine_speed_ms() -> float:
    """A fixed pure-Python loop, timed (CPU ms, median of 3) on an otherwise idle machine.

    The column `ref ms` beside each level: this VM's speed drifts over minutes (the same loop has read
    110 ms and 170 ms within an hour), and the service's CPU per request and latency drift with it.
    """
    def loop() -> int:
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        return total

    times = []
    for _ in range(3):
        start = time.process_time()
        loop()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def run_levels(service: Service, levels: Sequence[int], raw: bytes, loads_ms: float, driver: str,
               seconds: float, workdir: Path) -> bool:
    """Warm up, then one line per concurrency level; True if any level had errors."""
    warm = fixed_load(service, VIEW_SERVICE, raw, clients=2, seconds=2)
    if warm.errors:
        print(f"warm-up errors: {warm.errors[:5]}", file=sys.stderr)
        return True
    print(f"{'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'json.loads ms':>13} {'load avg':>8} {'cpu ms/req':>10} {'ref ms':>6}")
    failed = False
    workers = service.worker_pids()
    for clients in levels:
        ref_ms = machine_speed_ms()
        cpu_before = cpu_seconds(workers)
        if driver == "wrk":
            r = wrk_load(service, VIEW_SERVICE, raw, clients, seconds, workdir)
        else:
            r = summarize(fixed_load(service, VIEW_SERVICE, raw, clients=clients, seconds=seconds))
        print(f"{clients:>7} {r.requests:>8} {r.rate:>7.1f} {r.p50:>7.1f} {r.p95:>7.1f} {r.p99:>7.1f} "
              f"{r.errors:>6} {loads_ms:>13.2f} {os.getloadavg()[0]:>8.2f} "
              f"{(cpu_seconds(workers) - cpu_before) * 1000 / max(r.requests, 1):>10.2f} {ref_ms:>6.0f}", flush=True)
        failed = failed or bool(r.errors)
    return failed


def compare_worker_classes(classes: Sequence[str], clients: int, rounds: int, seconds: float, raw: bytes,
                           driver: str, alg: str, workers: int) -> None:
    """One instance per worker class, all started together; short levels alternate between them (round
    robin), so a slow spell of this shared VM falls on every class alike. Medians over the rounds."""
    with contextlib.ExitStack() as stack:
        services = {}
        for wc in classes:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{wc}-")))
            # "gevent+reuse": gevent workers with --reuse-connections (keep-alive to the client)
            name, _, reuse = wc.partition("+")
            services[wc] = (stack.enter_context(running_service(tmp, workers=workers, alg=alg, worker_class=name,
                                                                reuse_connections=reuse == "reuse")), tmp)
        for service, _tmp in services.values():
            fixed_load(service, VIEW_SERVICE, raw, clients=2, seconds=2)
        rows: dict[str, list[tuple[float, float, float]]] = {wc: [] for wc in classes}
        for _ in range(rounds):
            for wc, (service, tmp) in services.items():
                pids = service.worker_pids()
                before = cpu_seconds(pids)
                if driver == "wrk":
                    r = wrk_load(service, VIEW_SERVICE, raw, clients, seconds, tmp)
                else:
                    r = summarize(fixed_load(service, VIEW_SERVICE, raw, clients=clients, seconds=seconds))
                rows[wc].append((r.p50, r.p99, (cpu_seconds(pids) - before) * 1000 / max(r.requests, 1)))
    print(f"worker classes alternated: {rounds} rounds of {seconds:g} s at {clients} clients (medians)")
    print(f"{'worker':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms/req':>10} {'p99 each round':>30}")
    for wc, got in rows.items():
        p50, p99, cpu = (statistics.median(x[i] for x in got) for i in range(3))
        print(f"{wc:>8} {p50:>7.1f} {p99:>7.1f} {cpu:>10.2f}   {' '.join(f'{x[1]:.0f}' for x in got)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per level (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto",
                        help="load driver: wrk when installed (auto), or the Python threads")
    parser.add_argument("--alg", choices=EhrKey.ALGORITHMS, default="ES384",
                        help="the EHR's JWT algorithm: ES384 (CDS Hooks sandbox; default) or RS384 (Epic's default)")
    parser.add_argument("--worker-class", choices=("gevent", "gthread", "sync"), default="gevent",
                        help="gunicorn worker model of the single instance (default gevent, as `essdai-cds serve`)")
    parser.add_argument("--deployment", action="store_true",
                        help="then the reference deployment: nginx -> 2 instances on PostgreSQL (needs the "
                             "Debian packages nginx and postgresql)")
    parser.add_argument("--deployment-clients", default="8,32", help="levels for --deployment (default 8,32)")
    parser.add_argument("--compare-workers", metavar="CLASSES",
                        help="only compare worker classes (e.g. sync,gevent) at 8 clients, alternating short levels")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for --compare-workers (default 5)")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    deployment_levels = [int(c) for c in args.deployment_clients.split(",") if c.strip()]
    driver = args.driver
    if driver == "auto":
        driver = "wrk" if shutil.which("wrk") else "python"
    elif driver == "wrk" and not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    patient, resources = resources_of(typical_patient())
    body = hook_body("patient-view", patient, resources)
    raw = json.dumps(body, separators=(",", ":")).encode()
    n_obs = sum(1 for r in resources if r["resourceType"] == "Observation")
    n_cond = sum(1 for r in resources if r["resourceType"] == "Condition")
    if args.compare_workers:
        compare_worker_classes([c.strip() for c in args.compare_workers.split(",")], 8, args.rounds, args.seconds,
                               raw, driver, args.alg, args.workers)
        return 0
    loads_ms, inproc_ms = in_process_times(body, raw, repeat=30)
    print(f"patient-view, full prefetch: {n_obs} Observations (12 ratings), {n_cond} Conditions; "
          f"body {len(raw) / 1024:.0f} KiB; cpus {os.cpu_count()}, gunicorn workers {args.workers}, auth ON ({args.alg} JWTs)")
    print(f"in-process: json.loads of the body {loads_ms:.2f} ms; whole request (Flask test client, auth off) "
          f"{inproc_ms:.2f} ms (medians)")
    print("cpu ms/req: CPU time of the gunicorn workers per request during the level (auth included), "
          "independent of other load on the machine")
    print("ref ms: a fixed pure-Python loop timed just before the level (machine speed; lower is faster)")
    print(f"driver: {'wrk (1 thread)' if driver == 'wrk' else 'Python threads + requests (wrk not used)'}; "
          f"load average before the run {os.getloadavg()[0]:.2f} (the column: 1-min load after each level)")
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp, running_service(
            Path(tmp), workers=args.workers, alg=args.alg, worker_class=args.worker_class) as service:
        print(f"single instance, SQLite, gunicorn {args.worker_class} workers {args.workers}")
        failed = run_levels(service, levels, raw, loads_ms, driver, args.seconds, Path(tmp))
    if args.deployment:
        with tempfile.TemporaryDirectory(prefix="bench-deployment-") as tmp, running_deployment(
                Path(tmp), workers=args.workers, alg=args.alg) as service:
            print(f"nginx -> 2 instances (gevent workers {args.workers} each) on PostgreSQL; "
                  "cpu ms/req = all 4 workers")
            failed = run_levels(service, deployment_levels, raw, loads_ms, driver, args.seconds, Path(tmp)) or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
