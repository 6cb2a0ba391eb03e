"""A Bulk Data `$export` client (FHIR Bulk Data Access IG 2.0, asynchronous request pattern), with `requests`.

kick-off (GET, or POST with a Parameters body) with `Prefer: respond-async` -> 202 + Content-Location;
poll the status URL honouring `Retry-After` (seconds or an HTTP date; `X-Progress` shown) until 200 and the
manifest; download every `output` file (several per type allowed) and every `deleted` file, retrying a failed
file, asking the status URL for a fresh manifest when a file URL has expired; DELETE the status URL to cancel.
429 and 5xx answers are retried after `Retry-After` or a backoff. A 401 gets a new token once.

Only allowlisted origins are contacted and the token is sent only to them (and only when the manifest says
`requiresAccessToken`). Nothing here logs a URL with a query, a token or a resource.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from screening.export_request import ExportRequest
from screening.smart_backend import TokenSource

log = logging.getLogger("essdai_cds.screening")

FHIR_JSON = "application/fhir+json"
MAX_WAIT_S = 120.0  # longest Retry-After honoured at once
DEFAULT_WAIT_S = 1.0  # a 202 without Retry-After
RETRIES = 4  # per request (429, 5xx, network) and per file
CHUNK = 1 << 16


class BulkError(Exception):
    """The export failed; the message names the step and status, never a token or a patient."""


@dataclass
class Downloaded:
    files: list[tuple[str, Path]] = field(default_factory=list)  # (resource type, file)
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (type, id) from the `deleted` files
    errors: int = 0  # OperationOutcome lines in the `error` files
    transaction_time: str | None = None


def retry_after(value: str | None, default: float = DEFAULT_WAIT_S) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped at MAX_WAIT_S."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT_S)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return default
    return max(0.0, min(when - time.time(), MAX_WAIT_S))


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class BulkClient:
    def __init__(self, session: requests.Session, fhir_base: str, *, tokens: TokenSource | None,
                 allowed: Callable[[str], bool], timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep,
                 on_progress: Callable[[str], None] | None = None) -> None:
        self.session = session
        self.base = fhir_base.rstrip("/") + "/"
        self.tokens = tokens
        self.allowed = allowed
        self.timeout = timeout
        self.sleep = sleep
        self.on_progress = on_progress

    # --- one request, with the retries every step shares -----------------------------------------------
    def request(self, method: str, url: str, *, auth: bool = True, stream: bool = False,
                **kwargs: Any) -> requests.Response:
        """One call to an allowlisted URL (BulkError otherwise): bearer token when `auth`, never a redirect,
        429/5xx/network failures retried, a 401 answered with one new token."""
        if not self.allowed(url):
            raise BulkError(f"{method} refused: {urlsplit(url).netloc} is not an allowlisted FHIR origin")
        refreshed = False
        for attempt in range(RETRIES + 1):
            headers = dict(kwargs.pop("headers", None) or {})
            if auth and self.tokens is not None:
                headers["Authorization"] = f"Bearer {self.tokens.token()}"
            kwargs["headers"] = headers
            try:
                response = self.session.request(method, url, timeout=self.timeout, stream=stream,
                                                allow_redirects=False, **kwargs)
            except requests.RequestException as exc:
                if attempt == RETRIES:
                    raise BulkError(f"{method} failed after {RETRIES + 1} tries ({type(exc).__name__})") from None
                self.sleep(min(2.0 ** attempt, MAX_WAIT_S))
                continue
            if response.status_code == 401 and auth and self.tokens is not None and not refreshed:
                refreshed = True
                self.tokens.invalidate()
                response.close()
                continue
            if response.status_code == 429 or response.status_code in (500, 502, 503, 504):
                if attempt == RETRIES:
                    return response
                wait = retry_after(response.headers.get("Retry-After"), default=min(2.0 ** attempt, MAX_WAIT_S))
                response.close()
                self.sleep(wait)
                continue
            return response
        raise BulkError(f"{method}: no answer")  # pragma: no cover - the loop always returns or raises

    @staticmethod
    def _diagnostics(response: requests.Response) -> str:
        try:
            body = response.json()
            issues = body.get("issue") if isinstance(body, dict) else None
            text = issues[0].get("diagnostics") if issues else None
        except (ValueError, AttributeError, IndexError):
            text = None
        return f"HTTP {response.status_code}" + (f": {str(text)[:200]}" if text else "")

    # --- the steps --------------------------------------------------------------------------------------
    def kickoff(self, request: ExportRequest, *, method: str = "GET") -> str:
        """Start the export; the status URL."""
        url = urljoin(self.base, request.path())
        headers = {"Accept": FHIR_JSON, "Prefer": "respond-async"}
        if method == "POST":
            response = self.request("POST", url, headers={**headers, "Content-Type": FHIR_JSON},
                                     json=request.parameters_resource())
        else:
            response = self.request("GET", url, headers=headers, params=request.params())
        if response.status_code != 202:
            raise BulkError(f"kick-off refused: {self._diagnostics(response)}")
        location = response.headers.get("Content-Location")
        if not location:
            raise BulkError("kick-off answered 202 without Content-Location")
        return urljoin(url, location)

    def wait(self, status_url: str) -> dict[str, Any]:
        """Poll until the manifest is ready."""
        while True:
            response = self.request("GET", status_url, headers={"Accept": "application/json"})
            if response.status_code == 202:
                if self.on_progress is not None:
                    self.on_progress(response.headers.get("X-Progress", "in progress")[:100])
                self.sleep(retry_after(response.headers.get("Retry-After")))
                continue
            if response.status_code == 200:
                try:
                    manifest = response.json()
                except ValueError:
                    raise BulkError("the export manifest is not JSON") from None
                if not isinstance(manifest, dict) or not isinstance(manifest.get("output"), list):
                    raise BulkError("the export manifest has no output list")
                return manifest
            raise BulkError(f"export failed: {self._diagnostics(response)}")

    def cancel(self, status_url: str) -> bool:
        """DELETE the job (Ctrl-C); True when the server accepted it."""
        try:
            response = self.request("DELETE", status_url, headers={"Accept": FHIR_JSON})
        except BulkError:
            return False
        return response.status_code in (200, 202, 204)

    def download(self, status_url: str, manifest: dict[str, Any], dest: Path,
                 tick: Callable[[int], None] | None = None) -> Downloaded:
        """Every output and deleted file into `dest` (`<Type>-<n>.ndjson`, `deleted-<n>.ndjson`)."""
        dest.mkdir(parents=True, exist_ok=True)
        auth = bool(manifest.get("requiresAccessToken", True))
        out = Downloaded(transaction_time=manifest.get("transactionTime"))
        for kind in ("output", "deleted", "error"):
            for index, entry in enumerate(manifest.get(kind) or []):
                if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                    continue
                rtype = str(entry.get("type") or ("Bundle" if kind == "deleted" else "OperationOutcome"))
                name = f"{rtype}-{index}.ndjson" if kind == "output" else f"{kind}-{index}.ndjson"
                path = dest / name
                self._fetch_file(status_url, kind, index, entry["url"], path, auth, tick)
                if kind == "output":
                    out.files.append((rtype, path))
                elif kind == "deleted":
                    out.deleted.extend(deleted_references(path.read_bytes().splitlines()))
                else:
                    out.errors += sum(1 for line in path.read_bytes().splitlines() if line.strip())
        return out

    def _fetch_file(self, status_url: str, kind: str, index: int, url: str, path: Path, auth: bool,
                    tick: Callable[[int], None] | None) -> None:
        for attempt in range(RETRIES + 1):
            response = self.request("GET", url, auth=auth, stream=True, headers={"Accept": "application/fhir+ndjson"})
            if response.status_code == 200:
                try:
                    with path.open("wb") as fh:
                        for chunk in response.iter_content(CHUNK):
                            fh.write(chunk)
                            if tick is not None:
                                tick(chunk.count(b"\n"))
                    return
                except requests.RequestException:
                    pass  # the connection broke mid-file: fetch the whole file again
                finally:
                    response.close()
            elif response.status_code in (403, 404, 410):
                # an expired file URL: the status URL gives a fresh manifest with new URLs (IG: "Expires")
                response.close()
                fresh = self.wait(status_url)
                entries = fresh.get(kind) or []
                if index < len(entries) and isinstance(entries[index], dict) and entries[index].get("url"):
                    url = entries[index]["url"]
            else:
                response.close()
            if attempt < RETRIES:
                self.sleep(min(2.0 ** attempt, MAX_WAIT_S))
        raise BulkError(f"{kind} file {index} could not be downloaded after {RETRIES + 1} tries")

    def read_medications(self, references: Iterable[str]) -> list[dict[str, Any]]:
        """GET each "Medication/<id>" (the export's Medication file may lack some a request points at)."""
        found: list[dict[str, Any]] = []
        for ref in sorted(set(references)):
            response = self.request("GET", urljoin(self.base, ref), headers={"Accept": FHIR_JSON})
            if response.status_code == 200:
                try:
                    body = response.json()
                except ValueError:
                    continue
                if isinstance(body, dict) and body.get("resourceType") == "Medication":
                    found.append(body)
        return found


def deleted_references(lines: Iterable[bytes]) -> list[tuple[str, str]]:
    """(type, id) of each entry of the `deleted` Bundles (`request.method` DELETE, `request.url` Type/id)."""
    import orjson

    refs: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            bundle = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        for entry in bundle.get("entry") or [] if isinstance(bundle, dict) else []:
            request = entry.get("request") if isinstance(entry, dict) else None
            url = request.get("url") if isinstance(request, dict) else None
            if isinstance(url, str) and request.get("method") == "DELETE":
                parts = url.split("?")[0].strip("/").split("/")
                if len(parts) >= 2:
                    refs.append((parts[-2], parts[-1]))
    return refs
