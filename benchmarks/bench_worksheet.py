"""Benchmark: the worksheet's server time (issue #7 targets: first render <= 300 ms, live recompute <= 50 ms).

Starts a real FHIR server (sekmet-fhir, loopback), loads cohort patients, builds the service app with
the worksheet in this process and times, from the blueprint's own `Server-Timing: app;dur=` header:

- first render: GET /worksheet/ (reads the chart from the FHIR server, extracts, scores, renders);
  the cold row is the first request of a fresh app, the others are repeated renders;
- live recompute: POST /worksheet/api/recompute with three entered values (no FHIR call).

The patients' renders alternate (one of each per round), so a slow spell of this shared VM falls on all
alike and the 5y-course / typical ratio is fair. Beside the wall time, `cpu` is this process's CPU time per
request (`process_time`: the worksheet and its FHIR client threads, not the FHIR server's); `ref ms` times a
fixed Python loop (bench_service.machine_speed_ms; 110-170 ms at this VM's normal speed) and the load average
says how busy the machine was.

Not a test: figures are printed. Patients from the synthetic cohort: `typical` has a CBC, an
immunology panel and ten clinician ratings; `on-jak` adds a medication and the pre-JAK work-up;
`ild` has pulmonary function and an ILD Condition; `5y-course` has 21 quarterly visits over 5 years
(recorded ESSDAI with components, ClinESSDAI, ESSPRI) and two courses of baricitinib, so the page
draws the course chart (issue 13); `5y-by-key` is the same chart read key by key (FHIR_BATCH=false), in the
same rounds. The cohort's 10,000-Observation records are left
out: sekmet-fhir 0.1.1 needs about 20 s per page for their code-filtered Observation search, a
FHIR-server limit that patient-view without prefetch meets as well.

    python benchmarks/bench_worksheet.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from essdai_cds.app import create_app
from fhir_access.client import FHIR_KEY
from storage import EXTENSION_KEY as STORAGE_KEY
from worksheet import init_app
from essdai_devtools.fhir_server import FhirServer, load_bundle
from essdai_devtools.fhir_builders import Record
from essdai_devtools.synth import generate
from essdai_devtools.synth_course import five_year_history
from bench_service import machine_speed_ms  # benchmarks/ is on sys.path when this script runs

FIRST_RENDER_MS = 300.0
RECOMPUTE_MS = 50.0
PATIENTS = {"typical": "sjd-lab-neutropenia-igg", "on-jak": "on-baricitinib", "ild": "sjd-pulmonary-ild",
            "5y-course": "course-5y", "5y-by-key": "course-5y"}
# FHIR_BATCH=false for this one: the same 5-year chart read key by key (six GETs) in the same rounds as the
# batch (one GET + one batch of five searches), so the batch's effect is a ratio of one run
KEY_BY_KEY = {"5y-by-key"}
COURSE_P50_MS = 50.0  # issue 13: first render with a 5-year history (course chart) stays at p50 <= 50 ms
ENTRIES = {"parotid-size-cm": "2", "submandibular-lacrimal-swelling": "none", "esspri-fatigue": "6"}


def server_ms(resp: Any) -> float:
    match = re.match(r"app;dur=([\d.]+)", resp.headers.get("Server-Timing", ""))
    if resp.status_code not in (200, 303) or not match:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))
        raise RuntimeError(f"unexpected answer {resp.status_code}: {text[-400:]}")
    return float(match.group(1))


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def stats(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"p50 {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   max {values[-1]:7.1f} ms"


@dataclass
class Patient:
    """One patient's app (its own database) and test client, opened on the worksheet."""

    label: str
    patient: str
    app: Any
    client: Any
    renders: list[tuple[float, float]] = field(default_factory=list)  # (server ms, process CPU ms)
    recomputes: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    def open(cls, label: str, fhir: str, patient: str, today: date, workdir: Path) -> Patient:
        app = create_app({"AUTH_ENABLED": False, "DATABASE_URL": f"sqlite:///{workdir / f'{label}.db'}",
                          "FHIR_ALLOWLIST": [fhir], "ALLOW_INSECURE_FHIR": True,
                          "FHIR_BATCH": label not in KEY_BY_KEY,
                          "ASSESSMENT_DATE": today.isoformat(), "WORKSHEET_OPEN_ACCESS": True,
                          "WORKSHEET_SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        init_app(app)
        client = app.test_client()
        client.get(f"/worksheet/open?iss={quote(fhir)}&patient={patient}")
        return cls(label, patient, app, client)

    def close(self) -> None:
        self.app.extensions[FHIR_KEY].close()
        self.app.extensions[STORAGE_KEY].close()


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[float, float, Any]:
    """(server ms from Server-Timing, this process's CPU ms, response) of one request."""
    cpu = time.process_time()
    resp = call(*args, **kwargs)
    return server_ms(resp), (time.process_time() - cpu) * 1000, resp


def cpu_stats(samples: list[tuple[float, float]]) -> str:
    return f"cpu p50 {statistics.median(c for _, c in samples):6.1f} ms"


def bench_patients(patients: list[Patient], repeat: int) -> dict[str, dict[str, float]]:
    """Cold first render of each, then `repeat` rounds that render every patient once, then the recomputes
    the same way (a warm-up each first)."""
    cold, forms = {}, {}
    for p in patients:
        ms, _, first = timed(p.client.get, "/worksheet/")
        page = first.get_data(as_text=True)
        forms[p.label] = {"csrf": hidden(page, "csrf"), "patient": p.patient, "chart": hidden(page, "chart"), **ENTRIES}
        cold[p.label] = (ms, len(page), len(forms[p.label]["chart"]))
    for _ in range(repeat):
        for p in patients:
            p.renders.append(timed(p.client.get, "/worksheet/")[:2])
    for p in patients:
        timed(p.client.post, "/worksheet/api/recompute", data=forms[p.label])  # warm-up
    for _ in range(repeat):
        for p in patients:
            p.recomputes.append(timed(p.client.post, "/worksheet/api/recompute", data=forms[p.label])[:2])
    results = {}
    for p in patients:
        ms, page_len, chart_len = cold[p.label]
        renders, recomputes = [r for r, _ in p.renders], [r for r, _ in p.recomputes]
        print(f"{p.label:8} first render, cold   {ms:7.1f} ms   (page {page_len // 1024} KiB, "
              f"sealed chart {chart_len // 1024} KiB)")
        print(f"{p.label:8} first render         {stats(renders)}   {cpu_stats(p.renders)}")
        print(f"{p.label:8} live recompute       {stats(recomputes)}   {cpu_stats(p.recomputes)}")
        results[p.label] = {"cold": ms, "render": statistics.median(renders), "render_max": max(renders),
                            "render_cpu": statistics.median(c for _, c in p.renders),
                            "recompute": statistics.median(recomputes), "recompute_max": max(recomputes)}
    return results


def course_cpu_ms(record: Record, today: date, repeat: int = 200) -> tuple[float, float]:
    """CPU ms per render spent on the course: (scoring with the history - without it, drawing the section)."""
    import dataclasses

    import fhir_mappings
    import scoring
    from worksheet.course_view import course_view

    resources = [dict(e["resource"], id=f"r{i}") for i, e in enumerate(record.bundle()["entry"])]
    facts = fhir_mappings.extract(resources, as_of=today, patient_id=record.patient_id)
    bare = dataclasses.replace(facts, medications=(), findings=tuple(f for f in facts.findings if f.date >= today))

    def cpu(work: Any) -> float:
        start = time.process_time()
        for _ in range(repeat):
            work()
        return (time.process_time() - start) * 1000 / repeat

    course = scoring.assess(facts).to_json()["course"]
    return (cpu(lambda: scoring.assess(facts).to_json()) - cpu(lambda: scoring.assess(bare).to_json()),
            cpu(lambda: course_view(course)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    today = date.today()
    cohort = generate(seed=5, today=today, large_size=10)  # the large records are not benchmarked
    with tempfile.TemporaryDirectory(prefix="bench-worksheet-") as tmp:
        server = FhirServer(workdir=Path(tmp) / "fhir")
        with server as fhir:
            return _bench(server, fhir, Path(tmp), cohort, today, args.repeat)


def _bench(server: FhirServer, fhir: str, tmp: Path, cohort: Any, today: date, repeat: int) -> int:
    for pid in PATIENTS.values():
        if pid in cohort.bundles:
            load_bundle(fhir, cohort.bundles[pid])
    long = five_year_history()
    record = Record(long.pid, today, random.Random("bench:5y"))
    record.set_patient(gender=long.gender, age=long.age, family="Haddad", given="Nadia")
    long.build(record)
    load_bundle(fhir, record.bundle())
    # planner statistics, as a served database has them (the e2e suite does the same after its load):
    # without them sekmet's `_sort=-date` search of the 5-year chart's findings took 28 ms, after it 18 ms
    server.analyze()
    scored, drawn = course_cpu_ms(record, today)
    print(f"5y-course CPU per render: course scoring {scored:.2f} ms, chart + table {drawn:.2f} ms")
    load_before, ref_before = os.getloadavg()[0], machine_speed_ms()
    patients = [Patient.open(label, fhir, pid, today, tmp) for label, pid in PATIENTS.items()]
    try:
        results = bench_patients(patients, repeat)
    finally:
        for p in patients:
            p.close()
    load_after, ref_after = os.getloadavg()[0], machine_speed_ms()
    print(f"machine: ref ms {ref_before:.0f} before, {ref_after:.0f} after (fixed Python loop; 110-170 at normal "
          f"speed); load average {load_before:.2f} before, {load_after:.2f} after; cpus {os.cpu_count()}")
    typical = results["typical"]
    print(f"target: first render <= {FIRST_RENDER_MS:g} ms (typical patient, median): "
          f"{'met' if typical['render'] <= FIRST_RENDER_MS else 'NOT met'}; "
          f"live recompute <= {RECOMPUTE_MS:g} ms (typical, median): "
          f"{'met' if typical['recompute'] <= RECOMPUTE_MS else 'NOT met'}")
    course = results["5y-course"]
    print(f"target: first render with a 5-year history <= {COURSE_P50_MS:g} ms (median): "
          f"{'met' if course['render'] <= COURSE_P50_MS else 'NOT met'} ({course['render']:.1f} ms)")
    print(f"5y-course / typical, first render p50: server {course['render']:.1f} / {typical['render']:.1f} ms = "
          f"{course['render'] / typical['render']:.2f} x; cpu {course['render_cpu']:.1f} / "
          f"{typical['render_cpu']:.1f} ms = {course['render_cpu'] / typical['render_cpu']:.2f} x (same rounds)")
    by_key = results["5y-by-key"]
    print(f"5y-course over one batch / key by key, first render p50: server {course['render']:.1f} / "
          f"{by_key['render']:.1f} ms = {course['render'] / by_key['render']:.2f} x; cpu {course['render_cpu']:.1f} / "
          f"{by_key['render_cpu']:.1f} ms = {course['render_cpu'] / by_key['render_cpu']:.2f} x (same rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
