"""`essdai-cds serve`: run the CDS Hooks service under gunicorn (workers import `essdai_cds.wsgi:app`).

Command-line options become `ESSDAI_CDS_*` environment variables before gunicorn starts, so the
workers build exactly the app `essdai_cds.wsgi` builds. `--no-auth` (or AUTH_ENABLED=false, or
WORKSHEET_OPEN_ACCESS, from any source) is refused unless the bind address is loopback;
`--allow-fhir` adds FHIR bases (http allowed for loopback ones, development).
The configuration is validated in the master first, so a bad value fails before any worker starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from configuration import CONFIG_FILE_ENV, ENV_PREFIX, ConfigError, is_loopback_host, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default="gevent",
                        help="gunicorn worker model (default gevent: idle and slow connections cost a "
                             "greenlet each, not a worker; see README 'Production')")
    parser.add_argument("--worker-connections", type=int, default=1000,
                        help="open connections per gevent worker (default 1000)")
    parser.add_argument("--body-timeout", type=float, default=10.0,
                        help="seconds a client gets to send a request body (gevent workers; 408 after; default 10)")
    parser.add_argument("--reuse-connections", action="store_true",
                        help="keep a client connection open after a response (default: close it; see README)")
    parser.add_argument("--keepalive", type=int, default=5,
                        help="seconds a client gets to send a request head, and an idle keep-alive "
                             "connection is kept (default 5)")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (same as ESSDAI_CDS_CONFIG)")
    parser.add_argument("--no-auth", action="store_true", help="do not verify client JWTs (loopback hosts only)")
    parser.add_argument("--allow-fhir", metavar="URL", action="append", default=[],
                        help="add a FHIR base URL to the allowlist (repeatable; http allowed for loopback)")
    parser.add_argument("--public-base-url", metavar="URL",
                        help="external base URL used as the JWT audience (default http://HOST:PORT)")


def environment(args: argparse.Namespace, base_env: dict[str, str]) -> dict[str, str]:
    """The environment the workers get; raises ConfigError for refused combinations."""
    env = dict(base_env)
    if args.config:
        env[CONFIG_FILE_ENV] = args.config
    if args.no_auth:
        if not is_loopback_host(args.host):
            raise ConfigError("--no-auth is only allowed with a loopback --host (127.0.0.1, ::1, localhost)")
        env[ENV_PREFIX + "AUTH_ENABLED"] = "false"
    # what the file and environment already say (auth off only for this probe: PUBLIC_BASE_URL may be unset yet)
    probe = load_config(environ={**env, ENV_PREFIX + "AUTH_ENABLED": "false"})
    if args.allow_fhir:
        allow = list(probe["FHIR_ALLOWLIST"]) + [u.rstrip("/") for u in args.allow_fhir]
        env[ENV_PREFIX + "FHIR_ALLOWLIST"] = json.dumps(list(dict.fromkeys(allow)))
        if any(urlsplit(u).scheme == "http" and is_loopback_host(urlsplit(u).hostname) for u in args.allow_fhir):
            env[ENV_PREFIX + "ALLOW_INSECURE_FHIR"] = "true"
    if args.public_base_url:
        env[ENV_PREFIX + "PUBLIC_BASE_URL"] = args.public_base_url
    elif not probe["PUBLIC_BASE_URL"]:
        host = f"[{args.host}]" if ":" in args.host else args.host
        env[ENV_PREFIX + "PUBLIC_BASE_URL"] = f"http://{host}:{args.port}"
    config = load_config(environ=env)  # validate everything now, in the master
    # development/demo settings from any source (flag, environment, TOML file) need a loopback bind
    insecure = [name for name, on in (("AUTH_ENABLED=false", not config["AUTH_ENABLED"]),
                                      ("WORKSHEET_OPEN_ACCESS", config["WORKSHEET_OPEN_ACCESS"])) if on]
    if insecure and not is_loopback_host(args.host):
        raise ConfigError(f"{', '.join(insecure)} is only allowed with a loopback --host (127.0.0.1, ::1, localhost)")
    return env


# gevent: the default (measured against sync and gthread in README 'Production'); gthread and sync stay
# selectable for hosts without gevent, behind a buffering proxy only.
WORKER_CLASSES = ("gevent", "gthread", "sync")


def close_after_response(_worker: Any, req: Any) -> None:
    """gunicorn pre_request hook: answer with `Connection: close`. A gevent worker keeps a kept-alive
    connection to itself, so 8 busy clients could sit 6 on one worker and 2 on the other while CPU-bound
    calls queue behind each other (p99 at 8 clients about 3x the sync workers', same CPU per call). A new
    connection per request goes to whichever worker accepts first: the idle one, as with sync workers."""
    req.must_close = True


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    host = f"[{args.host}]" if ":" in args.host else args.host
    return {
        "bind": f"{host}:{args.port}",
        "workers": args.workers,
        "worker_class": args.worker_class,
        # gevent: each connection is a greenlet; gunicorn's async worker reads every request head
        # (the first one too) under gevent.Timeout(keepalive), so `keepalive` is the header timeout
        "worker_connections": args.worker_connections,
        "keepalive": args.keepalive,
        "threads": 8 if args.worker_class == "gthread" else 1,
        "timeout": 30,
        "graceful_timeout": 10,
        **({} if args.reuse_connections else {"pre_request": close_after_response}),
        "accesslog": None,  # our own JSON access line replaces gunicorn's
        "errorlog": "-",
    }


def run(args: argparse.Namespace) -> int:
    if (args.workers < 1 or not 0 < args.port < 65536 or args.keepalive < 1 or args.worker_connections < 1
            or not args.body_timeout > 0):
        print("essdai-cds serve: --workers, --keepalive, --worker-connections must be >= 1, --body-timeout > 0 "
              "and --port 1-65535",
              file=sys.stderr)
        return 2
    try:
        env = environment(args, dict(os.environ))
    except ConfigError as exc:
        print(f"essdai-cds serve: {exc}", file=sys.stderr)
        return 2
    os.environ.clear()
    os.environ.update(env)

    # Build the app once before the workers start (in a child of the master, see _prepare_database): the
    # database tables, the SQLite WAL switch and the worksheet secret are created now, so workers booting
    # together on a fresh file never race to create them (a lost race failed a worker's boot and took
    # gunicorn down).
    from storage import SchemaMissing

    try:
        _prepare_database()
    except SchemaMissing as exc:
        print(f"essdai-cds serve: {exc}", file=sys.stderr)
        return 2
    except BuildFailed as exc:
        print(f"essdai-cds serve: {exc}", file=sys.stderr)
        return 1

    from gunicorn.app.base import BaseApplication

    from essdai_cds import gunicorn_errors

    gunicorn_errors.install()  # JSON, not HTML, for what gunicorn answers itself (400/414/431/501)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(args).items():
                self.cfg.set(key, value)
            # gunicorn >= 25.1 opens a control socket at one default path per user ($XDG_RUNTIME_DIR/gunicorn.ctl,
            # else $HOME/.gunicorn/gunicorn.ctl):
            # a second instance on the host unlinks the first's and binds its own, and the first one's stop
            # unlinks the second's. Unused here (no `gunicornc`), so off: instances share nothing on the host.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from essdai_cds.wsgi import app

            if args.worker_class != "gevent":
                return app
            from essdai_cds.admission import OneRequestAtATime

            return OneRequestAtATime(app, body_timeout_s=args.body_timeout, max_bytes=app.config["MAX_REQUEST_BYTES"])

    _Server().run()
    return 0


class BuildFailed(RuntimeError):
    """The one-off app build before the workers start failed (its traceback is already on stderr)."""


def _prepare_database() -> None:
    """Build the app once in a forked child, so that the master never imports requests/urllib3.

    gevent workers monkey-patch `ssl` after the fork; urllib3 imported before that keeps the unpatched
    `SSLContext` (and requests a context made from it), and every https FHIR or JWKS call of a worker then
    fails with RecursionError (the call answered 500). The child raises what create_app raises (its
    SchemaMissing message is passed back); the master stays free of the app's imports.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from storage import SchemaMissing, StorageUnavailable

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: build, report, leave without running the master's exit handlers
        os.close(read_fd)
        status = 0
        try:
            _build_app_once()
        except SchemaMissing as exc:
            os.write(write_fd, str(exc).encode())
            status = 2
        except (SQLAlchemyError, StorageUnavailable) as exc:  # unreachable, refused: one line, no traceback
            os.write(write_fd, f"the database cannot be opened: {type(exc).__name__}: {_one_line(exc)}".encode())
            status = 3
        except BaseException:  # noqa: BLE001 - shown as the master would have shown it
            import traceback

            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        message = pipe.read().decode()
    _pid, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    if code == 2:
        raise SchemaMissing(message)
    if code == 3:
        raise BuildFailed(message)
    if code != 0:
        raise BuildFailed(f"building the app failed (exit {code}); see the traceback above")


def _one_line(exc: BaseException) -> str:
    """The error's first line (a driver's message continues with hints), as db upgrade prints it."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split("\n")[0].split())[:300]


def _build_app_once() -> None:
    from essdai_cds.app import create_app, open_stores
    from fhir_access.client import FHIR_KEY
    from storage import EXTENSION_KEY as STORAGE_KEY

    app = create_app()
    open_stores(app)  # before any worker: tables created (or SchemaMissing) and the worksheet key made
    app.extensions[STORAGE_KEY].close()
    app.extensions[FHIR_KEY].close()
