"""nginx (Debian package) as the buffering reverse proxy in front of service instances, for tests and
the benchmark: deploy/nginx.conf with its placeholders filled, everything (pid, logs, temp files) in a
prefix directory of its own, listening on 127.0.0.1 at a free port, stopped by its own process group.

    with NginxProxy([8081, 8082]) as base_url:   # http://127.0.0.1:PORT
        ...
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from essdai_devtools.procs import ServerContext, free_port, log_tail, server_process

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
WORKER_USER = ("nobody", "nogroup")  # as root, nginx workers drop to these; their temp dirs are chowned to them


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise FileNotFoundError("nginx not found (Debian package `nginx`)")
    return found


def render(template: str, *, prefix: Path, listen: str, upstream_ports: Sequence[int], user: str) -> str:
    upstreams = "\n        ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstream_ports)
    out = (template.replace("@@PREFIX@@", str(prefix)).replace("@@LISTEN@@", listen)
           .replace("@@UPSTREAMS@@", upstreams).replace("@@USER@@", user))
    if "@@" in out:
        raise ValueError("deploy/nginx.conf has a placeholder this renderer does not fill")
    return out


class NginxProxy(ServerContext):
    def __init__(self, upstream_ports: Sequence[int], *, port: int | None = None) -> None:
        super().__init__()
        self.upstream_ports = list(upstream_ports)
        # its own directory under the system temp dir: pytest's per-user dirs (0700) are out of the workers' reach
        self.prefix = Path(tempfile.mkdtemp(prefix="essdai-nginx-"))
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.conf_path = self.prefix / "nginx.conf"
        self.log_path = self.prefix / "nginx.out"

    def _prepare(self) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        root = os.geteuid() == 0
        name, group = WORKER_USER if root else (pwd.getpwuid(os.geteuid()).pw_name, "")
        for sub in TEMP_DIRS:
            d = self.prefix / sub
            d.mkdir(exist_ok=True)
            if root:
                shutil.chown(d, name, group)
        user = f"{name} {group}".strip()
        if root:  # the workers must reach their temp dirs through the prefix
            self.prefix.chmod(0o711)
        self.conf_path.write_text(render(TEMPLATE.read_text(), prefix=self.prefix, listen=f"127.0.0.1:{self.port}",
                                         upstream_ports=self.upstream_ports, user=user))

    def command(self) -> list[str]:
        return [nginx_binary(), "-p", str(self.prefix), "-c", str(self.conf_path), "-g", "daemon off;"]

    def _start(self) -> None:
        self._prepare()
        self._stack.enter_context(server_process(self.command(), f"{self.base_url}/healthz", self.log_path))

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        shutil.rmtree(self.prefix, ignore_errors=True)

    def error_log(self) -> str:
        return log_tail(self.prefix / "error.log")
