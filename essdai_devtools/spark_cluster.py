"""A real Spark standalone cluster (one master, N workers) on 127.0.0.1, for tests and the benchmark.

The processes are pyspark's own bundled launcher (`bin/spark-class org.apache.spark.deploy.master.Master`
and `...worker.Worker`), each started through `procs.server_process`: its own process group, recorded in
ESSDAI_DEVTOOLS_PIDDIR while it runs, stopped by that group id (never by name). Ports are free ones on
loopback; every web UI is on a free loopback port too (the master's `/json/` is how we learn that the
workers have registered). Work and log directories live under one temporary directory.

    with spark_cluster(workers=2, cores_per_worker=1) as cluster:
        run_spark(folder, master=cluster.master_url, ...)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from essdai_devtools import procs

START_TIMEOUT = 90.0  # JVM start-up on a loaded 2-core machine: 6–25 s measured (docs/screening-and-scale.md)


@dataclass(frozen=True)
class SparkCluster:
    master_url: str  # spark://127.0.0.1:<port>
    ui_url: str  # the master's web UI (its /json/ lists the workers)
    workers: int
    cores_per_worker: int
    root: Path  # temporary directory holding the logs and work dirs
    groups: tuple[int, ...] = ()  # process group ids: the master's, then each worker's (executors run in these)

    def status(self) -> dict:
        with urllib.request.urlopen(self.ui_url + "/json/", timeout=5) as reply:  # noqa: S310 (loopback)
            return json.loads(reply.read())


def spark_home() -> Path:
    """The Spark distribution bundled inside the pyspark wheel (bin/, jars/)."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _env(root: Path) -> dict[str, str]:
    conf = root / "conf"  # an empty conf dir: no spark-defaults/spark-env from the machine leak in
    conf.mkdir(exist_ok=True)
    env = dict(os.environ)
    # executors inherit the worker's environment: without our PYTHONPATH they can only run the project's
    # code the driver ships with the job, as on a real cluster (and as CI's plain `pip install` would)
    env.pop("PYTHONPATH", None)
    env.update({
        "SPARK_HOME": str(spark_home()),
        "SPARK_CONF_DIR": str(conf),
        "SPARK_LOG_DIR": str(root / "logs"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_DIRS": str(root / "local"),
        "SPARK_NO_DAEMONIZE": "1",
        # the master's REST submission server binds a fixed port (6066) on every interface: not wanted
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
    })
    return env


def _alive_workers(ui_url: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(ui_url + "/json/", timeout=2) as reply:  # noqa: S310 (loopback)
            status = json.loads(reply.read())
        return sum(1 for w in status.get("workers", ()) if w.get("state") == "ALIVE")
    return 0


def wait_for_workers(ui_url: str, count: int, started: Sequence[tuple[subprocess.Popen, Path]] = (),
                     timeout: float = START_TIMEOUT) -> None:
    """Until the master lists `count` ALIVE workers; fail at once if one of `started` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _alive_workers(ui_url) >= count:
            return
        for proc, log in started:
            if proc.poll() is not None:
                raise procs.ServerStartError(f"Spark worker {proc.pid} exited with {proc.returncode}; log tail:\n"
                                             + procs.log_tail(log))
        time.sleep(0.2)
    raise procs.ServerStartError(f"{count} Spark worker(s) did not register with {ui_url} within {timeout:g}s")


@contextlib.contextmanager
def spark_cluster(workers: int = 2, cores_per_worker: int = 1, worker_memory: str = "1g",
                  root: Path | None = None) -> Iterator[SparkCluster]:
    """Start a master and `workers` workers; yield when all have registered; stop them all at the end."""
    if workers < 1 or cores_per_worker < 1:
        raise ValueError("a cluster needs at least one worker with at least one core")
    with contextlib.ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="essdai-spark-")))
        root = Path(root)
        env = _env(root)
        spark_class = str(spark_home() / "bin" / "spark-class")
        port, ui_port = procs.free_port(), procs.free_port()
        master_url, ui_url = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}"
        master = stack.enter_context(procs.server_process(
            [spark_class, "org.apache.spark.deploy.master.Master",
             "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)],
            ui_url + "/json/", root / "logs" / "master.log", START_TIMEOUT, env=env))
        started = []
        for i in range(workers):
            work_dir, log = root / f"worker-{i}", root / "logs" / f"worker-{i}.log"
            work_dir.mkdir(parents=True, exist_ok=True)
            # "ready" = the master answers (it already does), so the workers' JVMs start side by side;
            # wait_for_workers then waits for their registration, watching each process
            proc = stack.enter_context(procs.server_process(
                [spark_class, "org.apache.spark.deploy.worker.Worker",
                 "--host", "127.0.0.1", "--port", "0", "--webui-port", str(procs.free_port()),
                 "--cores", str(cores_per_worker), "--memory", worker_memory,
                 "--work-dir", str(work_dir), master_url],
                ui_url + "/json/", log, START_TIMEOUT, env=env))
            started.append((proc, log))
        wait_for_workers(ui_url, workers, started)
        yield SparkCluster(master_url=master_url, ui_url=ui_url, workers=workers,
                           cores_per_worker=cores_per_worker, root=root,
                           groups=(master.pid, *(proc.pid for proc, _log in started)))


def wait_for_executors(spark: object, count: int, timeout: float = START_TIMEOUT) -> int:
    """Until a SparkContext has `count` executors (they register after the context starts)."""
    status = spark._jsc.sc().getExecutorMemoryStatus  # type: ignore[attr-defined]  # includes the driver
    deadline = time.monotonic() + timeout
    while (executors := status().size() - 1) < count:
        if time.monotonic() > deadline:
            raise procs.ServerStartError(f"{executors} of {count} Spark executors registered within {timeout:g}s")
        time.sleep(0.2)
    return executors
