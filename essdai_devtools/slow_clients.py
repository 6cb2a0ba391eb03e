"""A bounded slow-client ("slowloris") attack on a loopback server, for tests and measurements.

`SlowClients(host, port, connections)` opens that many TCP connections and trickles an unfinished
request head over each (one header byte every `interval` seconds, never the blank line), reopening
any connection the server closes, until `stop()`. Meanwhile a caller probes the server; the class
only attacks. Loopback targets only: this is a test tool, not a load generator for other hosts.

    python -m essdai_devtools.slow_clients --port 8080 --connections 300 --seconds 30

runs the attack and probes `/healthz` once a second, printing how many probes were answered.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field

LOOPBACK = ("127.0.0.1", "::1", "localhost")
HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


class SlowClients:
    def __init__(self, host: str, port: int, connections: int, interval: float = 2.0) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"refusing to attack {host!r}: loopback only")
        self.address = (host, port)
        self.connections = connections
        self.interval = interval
        self.opened = 0  # connections opened in all (reopened ones count again)
        self.refused = 0  # connects that failed (backlog full, server gone)
        self._socks: list[socket.socket | None] = [None] * connections
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for s in self._socks:
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()

    def _open(self, i: int) -> None:
        try:
            s = socket.create_connection(self.address, timeout=1)
            s.sendall(HEAD)
            s.setblocking(False)
        except OSError:
            self.refused += 1
            self._socks[i] = None
            return
        self.opened += 1
        self._socks[i] = s

    def _run(self) -> None:
        for i in range(self.connections):
            if self._stop.is_set():
                return
            self._open(i)
        while not self._stop.wait(self.interval):
            for i, s in enumerate(self._socks):
                if s is None:
                    self._open(i)
                    continue
                try:
                    s.send(b"a")
                except OSError:  # closed by the server (header timeout): come back, as an attacker would
                    with contextlib.suppress(OSError):
                        s.close()
                    self._open(i)


@dataclass
class ProbeResult:
    answered: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def probe(url: str, seconds: float, every: float = 1.0, timeout: float = 5.0) -> ProbeResult:
    """GET `url` every `every` seconds for `seconds`; count answers (any HTTP status) and failures."""
    result = ProbeResult()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 (loopback URL)
                pass
            result.answered += 1
            result.latencies_ms.append((time.monotonic() - start) * 1000)
        except urllib.error.HTTPError:
            result.answered += 1
            result.latencies_ms.append((time.monotonic() - start) * 1000)
        except OSError:
            result.failed += 1
        time.sleep(max(0.0, every - (time.monotonic() - start)))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30.0, help="attack length, at most 60")
    parser.add_argument("--path", default="/healthz")
    args = parser.parse_args(argv)
    seconds = min(args.seconds, 60.0)
    with SlowClients(args.host, args.port, args.connections) as attack:
        time.sleep(2)  # let the connections open
        result = probe(f"http://{args.host}:{args.port}{args.path}", seconds)
    worst = max(result.latencies_ms, default=0.0)
    print(f"{args.connections} slow connections ({attack.opened} opened, {attack.refused} refused): "
          f"{result.answered}/{result.answered + result.failed} probes answered, worst {worst:.0f} ms")
    return 0 if result.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
