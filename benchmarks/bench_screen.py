"""Benchmark: population screening, embedded engine and Spark, against orjson parsing the same bytes.

One cohort of at least 20,000 patients: the `essdai-cds synth` cases repeated under new patient ids,
written once as NDJSON by type (a Bulk Data export's shape) with Medication resources referenced by the
orders. Prints, in one run (ratios within a run mean something on a shared machine; wall times alone
do not):
- patients/s per core for each engine, from CPU seconds (all processes of the engine: for Spark the
  driver, its JVM and the workers' executors and Python workers), and wall time beside it;
- each engine's CPU per patient over orjson.loads of every line (the floor: parsing alone);
- peak memory (peak RSS, VmHWM, a fresh child process each) of the embedded engine at two population sizes;
- the Spark speed-up from one to two workers (1 core each, warm: start-up and a first run excluded), timing
  what `essdai-cds screen --engine spark` runs: the rows scored on the executors into the Parquet results store;
- what 1,000,000 patients would cost on N such machines, with the formula.
Not a test: the figures are printed. The goals (memory flat with the population, speed-up >= 1.8x)
are judged from them.

    python benchmarks/bench_screen.py [--patients 20000] [--small 5000] [--partitions 16] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from essdai_devtools import synth
from essdai_devtools.synth_ndjson import write_ndjson

AS_OF = date(2026, 6, 1)
# each executor has 1 core (spark.executor.cores); its JVM sees the machine's 2 and sizes its GC and JIT threads
# for 2 unless told: ActiveProcessorCount makes the JVM's ergonomics match the core Spark gave it
EXECUTOR_JVM = {"spark.executor.extraJavaOptions": os.environ.get("BENCH_EXECUTOR_JAVA", "-XX:ActiveProcessorCount=1")}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- cohort ----------------------------------------------------------------------------------------------

def write_population(out: Path, patients: int) -> int:
    """`patients` (rounded up to whole repeats of the designed cases) as NDJSON by type; returns the count.

    The two `large` cases (>= 1,100 resources each, the service's worst-case charts) are left out of the
    repeats: 4 % of the patients would hold two thirds of the bytes and the figures would describe them.
    """
    cohort = synth.generate(seed=1, today=AS_OF, large_size=1000)
    bundles = {pid: b for pid, b in cohort.bundles.items() if not cohort.expected["patients"][pid]["large"]}
    copies = math.ceil(patients / len(bundles))
    write_ndjson(bundles, out, copies=copies, medication_resources=True)
    return copies * len(bundles)


def ndjson_lines(folder: Path) -> list[bytes]:
    return [line for p in sorted(folder.glob("*.ndjson")) for line in p.read_bytes().splitlines() if line]


# --- measuring -------------------------------------------------------------------------------------------

def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on; the name may hold spaces


def tree_cpu(roots: set[int]) -> float:
    """CPU seconds (user + system, own + reaped children) of these processes and all their descendants.

    By parentage, not process group: PySpark's daemon puts its Python workers in groups of their own.
    """
    stats = {int(e): f for e in os.listdir("/proc") if e.isdigit() and (f := _stat(e)) is not None}
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)  # field 4 = ppid
    total, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += sum(int(stats[pid][i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
        todo.extend(children.get(pid, ()))
    return total / CLK_TCK


def child_measure(kind: str, folder: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter: its max RSS is then this engine's alone."""
    cmd = [sys.executable, __file__, "--child", kind, str(folder)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(kind: str, folder: Path) -> None:
    wall, cpu = time.perf_counter(), self_cpu()
    if kind == "orjson":
        rows = sum(1 for line in ndjson_lines(folder) if orjson.loads(line))
    else:
        rows = embedded_screen(folder, folder.parent / f"{folder.name}.sqlite")
    print(json.dumps({"rows": rows, "cpu": self_cpu() - cpu, "wall": time.perf_counter() - wall,
                      "max_rss_mb": peak_rss_kib() / 1024}))


def peak_rss_kib() -> int:
    """This process's peak RSS since its exec (VmHWM). Not ru_maxrss: Linux carries that over fork + exec,
    so a child would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def embedded_screen(folder: Path, store_path: Path) -> int:
    """What `essdai-cds screen` does with the embedded engine: load the store, score every patient into it."""
    from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
    from fhir_mappings.facts import Windows
    from screening.engine_embedded import load_files, ndjson_files, score_patients
    from screening.store import LoadCounts, ScreenStore

    with ScreenStore(store_path) as store:
        store.clear_resources()
        load_files(store, ndjson_files(folder), LoadCounts())
        return score_patients(store, as_of=AS_OF, windows=Windows(), codesystem=DEFAULT_SYSTEM, jurisdiction="FDA")


# --- Spark -----------------------------------------------------------------------------------------------

def spark_runs(folder: Path, patients: int, partitions: int, warm_folder: Path,
               collect: bool = False) -> dict[int, dict[str, float]]:
    """Warm runs with 1 and then 2 executors (1 core each) on a two-worker standalone cluster; each context
    first screens `warm_folder` (Python workers started, the project imported), then `folder` is timed."""
    from essdai_devtools.spark_cluster import spark_cluster, wait_for_executors
    from screening.engine_spark import input_files, run_spark, screen_rdd, spark_context
    from screening.parquet_results import ParquetResults

    results: dict[int, dict[str, float]] = {}
    with spark_cluster(workers=2, cores_per_worker=1, worker_memory="2g") as cluster:
        for executors in (1, 2):
            conf = {"spark.cores.max": str(executors), "spark.executor.memory": "1536m", **EXECUTOR_JVM}
            with spark_context(cluster.master_url, conf) as spark:
                wait_for_executors(spark, executors)
                driver_jvm = spark._gateway.proc.pid  # type: ignore[attr-defined]

                store = ParquetResults(folder.parent / f"results-{executors}.parquet", spark)

                def run(where: Path) -> int:
                    if collect:  # the rows streamed to the driver (run_spark, the engine's Python API)
                        return sum(1 for _row in run_spark(where, master=cluster.master_url, as_of=AS_OF,
                                                           partitions=partitions, spark=spark))
                    # what `screen --engine spark` runs: the rows scored on the executors into the store
                    return store.write(screen_rdd(spark, input_files(where), as_of=AS_OF, partitions=partitions))

                run(warm_folder)
                cpu0 = tree_cpu({*cluster.groups, driver_jvm}) + self_cpu()
                wall0 = time.perf_counter()
                rows = run(folder)
                wall = time.perf_counter() - wall0
                cpu = tree_cpu({*cluster.groups, driver_jvm}) + self_cpu() - cpu0
                assert rows == patients, (rows, patients)
                results[executors] = {"wall": wall, "cpu": cpu}
    return results


# --- report ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patients", type=int, default=20_000)
    p.add_argument("--small", type=int, default=5_000, help="the smaller population for the memory check")
    p.add_argument("--partitions", type=int, default=16, help="Spark shuffle partitions (same for 1 and 2 workers)")
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--spark-collect", action="store_true",
                   help="time the rows streamed to the driver (run_spark) instead of written to the Parquet store")
    p.add_argument("--no-embedded", action="store_true")
    p.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return 0

    load_start = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load_start[0]:.1f} / {load_start[1]:.1f} / "
          f"{load_start[2]:.1f} (1/5/15 min) at start; other jobs share these cores")
    with tempfile.TemporaryDirectory(prefix="bench-screen-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        n_big, n_small = write_population(big, args.patients), write_population(small, args.small)
        warm = Path(tmp) / "warm"
        write_population(warm, 200)
        lines = ndjson_lines(big)
        size_mb = sum(len(line) + 1 for line in lines) / 1e6
        print(f"cohort: {n_big} patients, {len(lines)} resources ({len(lines) / n_big:.1f} a patient), "
              f"{size_mb:.0f} MB of NDJSON; memory check also at {n_small} patients")
        del lines

        floor = child_measure("orjson", big)
        floor_pp = floor["cpu"] / n_big
        print(f"\n{'engine':<34}{'patients/s/core':>16}{'CPU ms/patient':>16}{'x orjson':>10}{'wall s':>9}")
        print(f"{'orjson.loads of every line':<34}{n_big / floor['cpu']:>16.0f}{1000 * floor_pp:>16.3f}"
              f"{1.0:>10.1f}{floor['wall']:>9.1f}")
        embedded = {}
        if not args.no_embedded:
            for label, folder, n in (("small", small, n_small), ("big", big, n_big)):
                embedded[label] = child_measure("embedded", folder)
                assert embedded[label]["rows"] == n, (embedded[label]["rows"], n)
            e = embedded["big"]
            print(f"{'embedded (1 process)':<34}{n_big / e['cpu']:>16.0f}{1000 * e['cpu'] / n_big:>16.3f}"
                  f"{e['cpu'] / n_big / floor_pp:>10.1f}{e['wall']:>9.1f}")
        spark = {} if args.no_spark else spark_runs(big, n_big, args.partitions, warm, args.spark_collect)
        for executors, r in spark.items():
            label = f"spark, {executors} worker{'s' if executors > 1 else ''} x 1 core"
            print(f"{label:<34}{n_big / r['cpu']:>16.0f}{1000 * r['cpu'] / n_big:>16.3f}"
                  f"{r['cpu'] / n_big / floor_pp:>10.1f}{r['wall']:>9.1f}")

        if embedded:
            s, b = embedded["small"], embedded["big"]
            print(f"\nembedded peak memory (peak RSS): {s['max_rss_mb']:.0f} MB at {n_small} patients, "
                  f"{b['max_rss_mb']:.0f} MB at {n_big} patients (x{b['max_rss_mb'] / s['max_rss_mb']:.2f} "
                  f"for x{n_big / n_small:.1f} the patients)")
        if len(spark) == 2:
            speedup = spark[1]["wall"] / spark[2]["wall"]
            efficiency = speedup / 2
            cpu_pp = spark[2]["cpu"] / n_big
            path = "rows streamed to the driver" if args.spark_collect else "rows written to the Parquet store"
            print(f"spark speed-up 1 -> 2 workers (warm, wall, {path}): x{speedup:.2f} (goal >= 1.8); "
                  f"parallel efficiency e = {efficiency:.2f}")
            cores = os.cpu_count() or 1
            print("\nextrapolation: T(P, N) = P * c / (N * k * e)   with c = Spark CPU s/patient "
                  f"({cpu_pp * 1000:.3f} ms), k = {cores} cores a machine, e = {efficiency:.2f}")
            for machines in (1, 4, 16):
                hours = 1_000_000 * cpu_pp / (machines * cores * efficiency) / 3600
                print(f"  1,000,000 patients on {machines:>2} machine(s): {hours * 60:8.1f} min "
                      f"(+ start-up, ~10-30 s, and the export)")
    load_end = os.getloadavg()
    print(f"\nload average at the end: {load_end[0]:.1f} / {load_end[1]:.1f} / {load_end[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
