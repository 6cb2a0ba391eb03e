"""A throwaway PostgreSQL cluster for tests and benchmarks, run as the non-root `postgres` user.

`initdb` refuses to run as root, so when we are root every server binary runs through
`runuser -u postgres --` in a directory of its own (mode 0700, owned by postgres) under the system
temp dir: pytest's per-user temp dirs are not reachable by another user. The postmaster listens on
127.0.0.1 at a free port with its socket in that directory, runs in its own process group (recorded
like every devtools server, essdai_devtools.procs) and is stopped by its own pid: SIGINT, PostgreSQL's
"fast" shutdown (open client connections do not hold it up), then SIGKILL of the group as a last resort.

    with PostgresCluster() as url:      # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
        ...
        cluster.restart()               # same data, same port (fault tests)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from essdai_devtools.procs import ServerStartError, free_port, log_tail, record_group

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
RUN_AS = "postgres"


def pg_bin() -> Path:
    """The directory of Debian's PostgreSQL server binaries (initdb, postgres)."""
    for candidate in PG_BIN_CANDIDATES:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise FileNotFoundError("PostgreSQL server binaries not found (Debian package `postgresql`)")


def _as_postgres(cmd: Sequence[str]) -> list[str]:
    return ["runuser", "-u", RUN_AS, "--", *cmd] if os.geteuid() == 0 else list(cmd)


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


class PostgresCluster:
    """`with PostgresCluster() as url:` a fresh cluster (trust auth on loopback) until the block ends."""

    def __init__(self, *, port: int | None = None, max_connections: int = 100, timeout: float = 30) -> None:
        self.port = port or free_port()
        self.max_connections = max_connections
        self.timeout = timeout
        self.root: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._record: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        assert self.root is not None
        return self.root / "postgres.log"

    def __enter__(self) -> str:
        self.root = Path(tempfile.mkdtemp(prefix="essdai-pg-"))
        try:
            if os.geteuid() == 0:
                user = pwd.getpwnam(RUN_AS)
                os.chown(self.root, user.pw_uid, user.pw_gid)
            self._initdb()
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self.url

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _initdb(self) -> None:
        cmd = _as_postgres([str(pg_bin() / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                            "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise ServerStartError(f"initdb failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def start(self) -> None:
        """Start the postmaster on `self.port` (again, after stop()); wait until it accepts connections."""
        assert self.root is not None and self.proc is None
        cmd = _as_postgres([str(pg_bin() / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
                            "-c", f"max_connections={self.max_connections}"])
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self._record = record_group(self.proc.pid)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._forget()
                raise ServerStartError(f"postgres exited with {code}; log tail:\n{log_tail(self.log_path)}")
            if _accepts(self.port) and self._ready():
                return
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(f"postgres did not accept connections within {self.timeout:g}s")

    def _ready(self) -> bool:
        done = subprocess.run([str(pg_bin() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                              check=False, timeout=10)
        return done.returncode == 0

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        return None

    def stop(self, timeout: float = 20) -> None:
        """Fast shutdown by the postmaster's own pid, then whatever is left of our group is killed."""
        if self.proc is None:
            return
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self._forget()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _forget(self) -> None:
        self.proc = None
        if self._record is not None:
            with contextlib.suppress(OSError):
                self._record.unlink()
            self._record = None
