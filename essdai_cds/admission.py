"""One request at a time per gevent worker, its body read in full before it is admitted.

gevent workers hold many connections cheaply, but nothing stops them from running many *requests* at once:
CPU-bound hook calls then share one core cooperatively and each call's FHIR time budget (HOOK_BUDGET_S)
runs while the others compute, so under load calls that a sync worker would have queued (in the kernel's
listen backlog, no clock running) time out into "could not complete" cards. This middleware gives back the
sync workers' one-at-a-time while keeping the cheap connections: the body is read first, under its own
timeout and outside the lock (a slow body holds its greenlet only), then the app runs alone in the worker,
its response collected before the lock is released (a slow reader of the response holds nothing either).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TIMEOUT_BODY = orjson.dumps({"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "timeout", "diagnostics": "the request body did not arrive in time"}]})


class OneRequestAtATime:
    def __init__(self, app: WsgiApp, *, body_timeout_s: float, max_bytes: int) -> None:
        from gevent.lock import BoundedSemaphore  # only ever built inside a gevent worker

        self.app = app
        self.body_timeout_s = body_timeout_s
        self.max_bytes = max_bytes
        self._lock = BoundedSemaphore(1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = self._read_body(environ)
        if body is None:
            start_response("408 Request Timeout", [("Content-Type", "application/fhir+json"),
                                                   ("Content-Length", str(len(TIMEOUT_BODY))),
                                                   ("Connection", "close")])
            return [TIMEOUT_BODY]
        if body is not False:
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        with self._lock:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    def _read_body(self, environ: dict[str, Any]) -> bytes | bool | None:
        """The whole body; False when there is none or it is over the size limit (the app answers 413 without
        reading it); None when it did not arrive within the body timeout."""
        import gevent

        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and (not length.isdigit() or int(length) == 0 or int(length) > self.max_bytes):
            return False
        stream = environ["wsgi.input"]
        with gevent.Timeout(self.body_timeout_s, False):
            return stream.read(int(length)) if not chunked else stream.read(self.max_bytes + 1)
        return None
