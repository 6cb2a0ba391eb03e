"""Bounded load and soak: the service under gunicorn, driven from this process over loopback.

Runs `essdai-cds serve` (2 sync workers, JWT auth ON, a SQLite file) and drives it for a bounded time
with a mix over the synthetic cohort: patient-view 60 %, order-select 15 %, order-sign 15 % (a
baricitinib draft), feedback 10 %. Every request carries full prefetch and a freshly signed client JWT;
every feedback item is posted twice, by whichever clients pick it up (often at the same moment), so
idempotency is checked under concurrency. Prints throughput, latency percentiles per kind, the error
count, the feedback tally and each worker's resident memory after warm-up and at the end, then one
closing line. Exit status 1 if there was any error (a non-200 answer, a broken answer, a lost or
double-stored feedback row, a worker restart) or a worker's memory grew by more than the tolerance.

    python benchmarks/soak.py [--duration 300] [--clients 4] [--workers 2] [--memory-tolerance 0.10]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench_service import (
    AS_OF,
    ORDER_SERVICE,
    VIEW_SERVICE,
    Results,
    Service,
    hook_body,
    percentile,
    post_timed,
    resources_of,
    rss_kib,
    running_service,
    worker_pids,
)
from essdai_devtools.orders import baricitinib_draft, draft_orders_bundle
from essdai_devtools.synth import generate

MIX = (("patient-view", 60), ("order-select", 15), ("order-sign", 15), ("feedback", 10))
INSTANCE = "00000000-0000-4000-8000-000000000000"  # placeholder replaced by a fresh hookInstance per call
OVERRIDE = {"system": "https://essdai-cds.example/soak", "code": "soak", "display": "Soak test"}


@dataclass
class Workload:
    bodies: dict[str, list[bytes]]  # hook -> serialized requests (hookInstance = INSTANCE)
    patients: int


def build_workload(seed: int, patients: int | None, large_size: int) -> Workload:
    cohort = generate(seed=seed, patients=patients, today=AS_OF, large_size=large_size)
    bodies: dict[str, list[bytes]] = {"patient-view": [], "order-select": [], "order-sign": []}
    for pid, transaction in cohort.bundles.items():
        patient, resources = resources_of(transaction)
        drafts = draft_orders_bundle(baricitinib_draft(pid, today=AS_OF))
        for hook in bodies:
            body = hook_body(hook, patient, resources, None if hook == "patient-view" else drafts)
            body["hookInstance"] = INSTANCE
            bodies[hook].append(json.dumps(body, separators=(",", ":")).encode())
    return Workload(bodies, len(cohort.bundles))


@dataclass
class FeedbackBook:
    """Feedback items waiting to be posted (each twice) and the tally of what the service answered."""

    pending: collections.deque = field(default_factory=collections.deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    unique: set = field(default_factory=set)
    posts: int = 0
    stored: int = 0
    duplicates: int = 0

    def offer(self, service_id: str, cards: list[dict[str, Any]]) -> None:
        """Queue the first card twice, unless enough are waiting (then every queued card gets both posts)."""
        if cards:
            card = cards[0]["uuid"]
            with self.lock:
                if len(self.pending) < 20:
                    self.pending.extend([(service_id, card), (service_id, card)])

    def take(self) -> tuple[str, str] | None:
        with self.lock:
            return self.pending.popleft() if self.pending else None

    def record(self, service_id: str, card: str, answer: dict[str, Any]) -> None:
        with self.lock:
            self.unique.add((service_id, card))
            self.posts += 1
            self.stored += int(answer.get("stored", 0))
            self.duplicates += int(answer.get("duplicates", 0))


def drive(service: Service, work: Workload, book: FeedbackBook, stop_at: float, seed: int,
          results: dict[str, Results]) -> None:
    """One client: picks a kind by the mix, posts it, records latency and errors, until `stop_at`."""
    rnd = random.Random(seed)
    kinds, weights = zip(*MIX)
    with requests.Session() as session:
        while time.monotonic() < stop_at:
            kind = rnd.choices(kinds, weights)[0]
            if kind == "feedback":
                item = book.take()
                if item is None:
                    continue
                service_id, card = item
                url = service.url(service_id, feedback=True)
                body = json.dumps({"feedback": [{"card": card, "outcome": "overridden",
                                                 "outcomeTimestamp": "2026-06-01T10:00:00Z",
                                                 "overrideReason": {"reason": OVERRIDE}}]}).encode()
                answer = post_timed(session, url, body, service.token(url), results[kind])
                if answer is not None:
                    book.record(service_id, card, answer)
                continue
            service_id = VIEW_SERVICE if kind == "patient-view" else ORDER_SERVICE
            url = service.url(service_id)
            raw = rnd.choice(work.bodies[kind]).replace(INSTANCE.encode(), str(uuid.uuid4()).encode())
            answer = post_timed(session, url, raw, service.token(url), results[kind])
            if answer is None:
                continue
            if not isinstance(answer.get("cards"), list):
                results[kind].errors.append("answer without a cards list")
                continue
            book.offer(service_id, answer["cards"])


def memory(master: int) -> dict[int, int]:
    return {pid: rss_kib(pid) for pid in worker_pids(master)}


def run_phase(service: Service, work: Workload, book: FeedbackBook, clients: int, seconds: float,
              seed: int, on_tick: Callable[[], None] | None = None) -> dict[str, Results]:
    results = {kind: Results() for kind, _ in MIX}
    per_client = [{kind: Results() for kind, _ in MIX} for _ in range(clients)]
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=drive, args=(service, work, book, stop_at, seed * 1000 + i, per_client[i]),
                                daemon=True) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(min(1.0, max(0.05, stop_at - time.monotonic())))
        if on_tick:
            on_tick()
    for t in threads:
        t.join()
    for mine in per_client:
        for kind, r in mine.items():
            results[kind].add(r)
    for r in results.values():
        r.seconds = time.monotonic() - started
    return results


def stored_feedback_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM cds_feedback").fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load after warm-up (default 300)")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up seconds (default 5 %% of duration, >= 5)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--patients", type=int, default=None, help="cohort size (default: every designed case)")
    parser.add_argument("--large-size", type=int, default=1500, help="Observations per large record (default 1500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory-tolerance", type=float, default=0.10, help="allowed RSS growth (default 0.10)")
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else max(5.0, args.duration * 0.05)

    work = build_workload(args.seed, args.patients, args.large_size)
    sizes = sorted(len(b) for bodies in work.bodies.values() for b in bodies)
    print(f"soak: {args.duration:g} s after {warmup:g} s warm-up, {args.clients} clients, {args.workers} gunicorn "
          f"workers, auth ON; {work.patients} patients, bodies {sizes[0] / 1024:.0f}-{sizes[-1] / 1024:.0f} KiB; "
          f"mix " + ", ".join(f"{k} {w} %" for k, w in MIX), flush=True)
    book = FeedbackBook()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="essdai-soak-") as tmp, running_service(
            Path(tmp), workers=args.workers, extra_env={"ESSDAI_CDS_LOG_LEVEL": "INFO"}) as service:
        master = service.process.pid
        assert master is not None
        warm = run_phase(service, work, book, args.clients, warmup, args.seed)
        start_mem = memory(master)
        warm_errors = sum(len(r.errors) for r in warm.values())
        peaks = dict(start_mem)

        def tick() -> None:
            for pid, kib in memory(master).items():
                peaks[pid] = max(peaks.get(pid, 0), kib)

        results = run_phase(service, work, book, args.clients, args.duration, args.seed + 1, on_tick=tick)
        end_mem = memory(master)
        time.sleep(0.2)  # let the last feedback commits land before counting rows
        rows = stored_feedback_rows(service.process.database_path)

    total = Results()
    for r in results.values():
        total.add(r)
    seconds = next(iter(results.values())).seconds
    errors = warm_errors + len(total.errors)
    print(f"requests {total.count} in {seconds:.0f} s: {total.count / seconds:.1f} req/s; errors {errors}"
          + (f" ({collections.Counter(total.errors + [e for r in warm.values() for e in r.errors]).most_common(3)})"
             if errors else ""))
    print(f"{'latency ms':<14} {'count':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    for kind, r in [*results.items(), ("all", total)]:
        lat = r.latencies_ms
        print(f"{kind:<14} {r.count:>7} {percentile(lat, 50):>7.1f} {percentile(lat, 95):>7.1f} "
              f"{percentile(lat, 99):>7.1f} {max(lat, default=0):>7.1f}")
    idempotent = book.stored == len(book.unique) == rows and book.stored + book.duplicates == book.posts
    print(f"feedback: {book.posts} posts for {len(book.unique)} cards -> stored {book.stored}, duplicates "
          f"{book.duplicates}, rows in the database {rows}: {'idempotent' if idempotent else 'NOT idempotent'}")
    if not idempotent:
        failures.append("feedback not idempotent")
    if errors:
        failures.append(f"{errors} errors")
    if sorted(start_mem) != sorted(end_mem):
        failures.append("a worker was restarted")
    growth = 0.0
    print("worker RSS MiB (after warm-up -> end, peak):")
    for pid in sorted(start_mem):
        before, after = start_mem[pid], end_mem.get(pid, 0)
        change = (after - before) / before if before else 0.0
        growth = max(growth, change)
        print(f"  worker {pid}: {before / 1024:.1f} -> {after / 1024:.1f} ({change:+.1%}), "
              f"peak {peaks[pid] / 1024:.1f}")
    if growth > args.memory_tolerance:
        failures.append(f"worker memory grew {growth:+.1%} (> {args.memory_tolerance:.0%})")
    verdict = "FAIL: " + "; ".join(failures) if failures else "PASS"
    print(f"soak {verdict}: {total.count} requests, {total.count / seconds:.1f} req/s, p99 "
          f"{percentile(total.latencies_ms, 99):.1f} ms, errors {errors}, max worker memory growth {growth:+.1%}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
