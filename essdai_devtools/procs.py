"""Start and stop real server processes (sekmet-fhir, gunicorn) for tests and the demo.

A server runs in its own session (process group) so it can be stopped whole by its own id, even
when the command forks (gunicorn master + workers). Readiness is "any HTTP reply" on a URL, with a
deadline; if the process dies first we fail at once and show the tail of its log.

`.ci/run` sets ESSDAI_DEVTOOLS_PIDDIR: every group started here is recorded there while it runs, so
the CI safety net can stop exactly the groups the tests started (never by name).

`ServerContext` is the `with ... as base_url:` start/stop shape the server classes share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

PIDDIR_ENV = "ESSDAI_DEVTOOLS_PIDDIR"


class ServerStartError(RuntimeError):
    """The process exited or did not answer before the deadline; the message holds its log tail."""


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 (tiny race until the server binds it; readiness catches it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback URL built by us)
            return True
    except urllib.error.HTTPError:  # 401/404/500 are replies too: the server is up
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_until_ready(url: str, proc: subprocess.Popen, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(
                f"process {proc.pid} exited with {proc.returncode} before {url} answered; log tail:\n"
                + log_tail(log_path)
            )
        if _answers(url):
            return
        time.sleep(0.1)
    raise ServerStartError(f"{url} did not answer within {timeout:g}s; log tail:\n" + log_tail(log_path))


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process group we started, wait, then SIGKILL whatever is left of it."""
    pgid = proc.pid  # start_new_session=True: the group id is the leader's pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    # workers may outlive the leader for a moment; give them the rest of the grace period
    deadline = time.monotonic() + 3
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def record_group(pid: int) -> Path | None:
    """Record the process group `pid` leads in ESSDAI_DEVTOOLS_PIDDIR (for CI's safety net); the
    caller unlinks the returned path once the group is stopped."""
    return _record(pid)


def _record(pid: int) -> Path | None:
    piddir = os.environ.get(PIDDIR_ENV)
    if not piddir:
        return None
    path = Path(piddir) / f"{pid}.pgid"
    with contextlib.suppress(OSError):
        path.write_text(str(pid))
        return path
    return None


@contextlib.contextmanager
def server_process(
    cmd: Sequence[str],
    ready_url: str,
    log_path: Path,
    timeout: float = 30,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """Run `cmd` (its output into `log_path`) until the block ends; always stopped, also on failure."""
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
        )
        record = _record(proc.pid)
        try:
            wait_until_ready(ready_url, proc, timeout, log_path)
            yield proc
        finally:
            stop(proc)
            if record is not None:
                with contextlib.suppress(OSError):
                    record.unlink()


class ServerContext:
    """Base of the `with Server(...) as base_url:` classes (FhirServer, ServiceProcess, NginxProxy).

    `_start()` enters what the server needs (a temporary directory, `server_process`) on `self._stack`.
    If it fails part-way, what it entered is closed before the error propagates (Python calls no
    `__exit__` when `__enter__` raises); otherwise the end of the block closes it all.
    """

    base_url: str

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()

    def _start(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> str:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self.base_url

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
