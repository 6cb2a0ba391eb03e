"""Calls to the CDS client's FHIR server: allowlisted, time-boxed, size-capped, never redirected.

Exceptions (all raised on purpose by this module):

    FhirError                    root; `.status` holds the HTTP status when there was one
    ├── FhirUnavailable          network failure, timeout, time budget exhausted, 408/429/5xx
    │   └── FhirConnectTimeout   no connection within the connect timeout
    ├── FhirAuthError            401/403 (token missing, expired or lacking scope)
    ├── FhirNotFound             404/410
    ├── FhirBadResponse          redirect, other 4xx, not JSON, not FHIR, too large, OperationOutcome
    └── FhirNotAllowed           the URL is not under an allowlisted base (also a ValueError)

Statuses are mapped in one place (`error_for_status`). Every request passes `timeout=(connect,
read)` clipped to what is left of the hook's time budget (`Deadline`); bodies are streamed and cut
off at the size cap or when the budget runs out. Nothing here logs a URL (patient ids live in
queries) or a token: debug logs name the resource type, status and duration only.

Several first reads go in one FHIR batch (`BoundFhir.batch`: `POST [base]`, a Bundle of type `batch`
whose entries are the GETs; FHIR R4 http.html "batch/transaction": entries are independent and the
`batch-response` answers them in order). A server pays its per-request cost once instead of per key: the
worksheet's first render of a 5-year chart took 0.86x the time, and 0.74x the CPU, of six GETs in the same
run against the test server (benchmarks/bench_worksheet.py). A server that does not do batch (403, another
4xx but 401/408/429, 501, an answer that is not a `batch-response` of as many entries, or an entry answered
405 or 501), or that timed out on a batch sent early enough in the call, is read key by key for
BATCH_RETRY_S. Each entry is held to one GET's size cap.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar
import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter

from configuration import url_allowed_scheme
from configuration.urls import ParsedUrl, UnusableUrl, is_under, parse_url
from fhir_access.registry import RELATIVE_URL_RE

log = logging.getLogger("essdai_cds.fhir")

__all__ = [
    "FhirError", "FhirUnavailable", "FhirConnectTimeout", "FhirAuthError", "FhirNotFound", "FhirBadResponse",
    "FhirNotAllowed", "Deadline", "FhirSettings", "FhirClient", "BoundFhir", "SearchResult", "error_for_status",
    "bundle_resources", "next_link", "relative_ok",
]

FHIR_JSON_TYPES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})
_CHUNK = 64 * 1024
BATCH_RETRY_S = 600.0  # a server that refused a batch is read key by key this long, then asked again
_STATUS_RE = re.compile(r"\s*(\d{3})(?:\s|$)")  # Bundle.entry.response.status: "200", "404 Not Found"
# an entry answered with one of these: the server takes the batch but not this read inside one (a GET may work)
_NOT_IN_BATCH = frozenset({405, 501})
T = TypeVar("T")
FHIR_KEY = "essdai_cds.fhir"  # app.extensions key of the app's one FhirClient (shared by every HTTP edge)


class FhirError(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class FhirUnavailable(FhirError):
    pass


class FhirConnectTimeout(FhirUnavailable):
    """No connection within the connect timeout: the network or the host, never what was asked of it."""


class FhirAuthError(FhirError):
    pass


class FhirNotFound(FhirError):
    pass


class FhirBadResponse(FhirError):
    pass


class FhirNotAllowed(FhirError, ValueError):
    pass


def error_for_status(status: int) -> type[FhirError] | None:
    """The one place HTTP statuses become exceptions (None = success)."""
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return FhirAuthError
    if status in (404, 410):
        return FhirNotFound
    if status in (408, 429) or status >= 500:
        return FhirUnavailable
    return FhirBadResponse  # 1xx, 3xx (redirects are refused, never followed) and other 4xx


class Deadline:
    """Wall-clock budget shared by every FHIR call of one hook call."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0


@dataclass(frozen=True)
class FhirSettings:
    connect_timeout: float = 0.5
    read_timeout: float = 1.0
    max_bytes: int = 5_000_000
    page_cap: int = 10
    allowlist: tuple[str, ...] = ()
    allow_insecure: bool = False
    batch: bool = True  # first reads of several keys in one FHIR batch (FHIR_BATCH)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FhirSettings:
        return cls(
            connect_timeout=config["FHIR_CONNECT_TIMEOUT_S"],
            read_timeout=config["FHIR_READ_TIMEOUT_S"],
            max_bytes=config["FHIR_MAX_BYTES"],
            page_cap=config["FHIR_PAGE_CAP"],
            allowlist=tuple(u.rstrip("/") for u in config["FHIR_ALLOWLIST"]),
            allow_insecure=config["ALLOW_INSECURE_FHIR"],
            batch=config["FHIR_BATCH"],
        )


@dataclass(frozen=True)
class SearchResult:
    resources: list[dict[str, Any]]
    partial: bool  # a `next` page was left unread (page cap, budget, or a link we may not follow)


def _under(url: str, base: str) -> bool:
    """`url` is `base` itself or below it after the strict parse (same scheme, host and port, no
    credentials, no `..`): anything that does not parse is not under any base (configuration.urls)."""
    return is_under(url, base)


def _same_base(parsed: ParsedUrl, allowed: str) -> bool:
    try:
        other = parse_url(allowed)
    except UnusableUrl:  # configuration refuses these at start-up; never a match
        return False
    return (parsed.origin, parsed.segments) == (other.origin, other.segments)


def bundle_resources(bundle: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(data resources, OperationOutcome entries) of a Bundle; entries without a resource are dropped."""
    data: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    entries = bundle.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        (outcomes if resource.get("resourceType") == "OperationOutcome" else data).append(resource)
    return data, outcomes


def next_link(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


def _pieces(resp: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, one socket read per piece (decoded, at most _CHUNK bytes each).

    `iter_content(_CHUNK)` waits until a whole chunk has arrived, so a server that drips a byte per
    read timeout held a fetch thread far past the hook's budget; reading what each recv gives lets
    the caller check the deadline at least once per read timeout.
    """
    read1 = getattr(resp.raw, "read1", None)
    if read1 is None:  # urllib3 < 2.1
        yield from resp.iter_content(_CHUNK)
        return
    while True:
        try:
            piece = read1(_CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout() from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise requests.exceptions.ConnectionError() from None
        if not piece:
            return
        yield piece


class FhirClient:
    """App-wide: one `requests.Session` (connection reuse) and one small thread pool."""

    def __init__(self, settings: FhirSettings, session: requests.Session | None = None, max_workers: int = 8,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.session = session or self._new_session()
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="essdai-fhir")
        self._clock = clock  # of the batch refusals only (the request deadlines keep their own)
        self._batch_refused: dict[Any, float] = {}  # server (origin, path) -> when it refused or outran a batch
        self._batch_lock = threading.Lock()

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no ~/.netrc credentials or env proxies sent to client-chosen hosts
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=16, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def allowed_base(self, base: str) -> bool:
        """`base` equals an allowlisted FHIR base and uses an allowed scheme."""
        try:
            parsed = parse_url(base)
        except UnusableUrl:
            return False
        if parsed.query or not url_allowed_scheme(base, self.settings.allow_insecure):
            return False
        return any(_same_base(parsed, allowed) for allowed in self.settings.allowlist)

    def bind(self, base: str, token: str | None, deadline: Deadline) -> BoundFhir:
        if not self.allowed_base(base):
            raise FhirNotAllowed("fhirServer is not an allowlisted FHIR base")
        return BoundFhir(self, base.rstrip("/"), token, deadline)

    def get_json(self, url: str, *, headers: Mapping[str, str], deadline: Deadline, max_bytes: int | None = None,
                 accept_types: Iterable[str] = FHIR_JSON_TYPES, label: str = "?") -> dict[str, Any]:
        """GET one JSON object: no redirects, timeouts clipped to the deadline, body size capped."""
        return self._exchange("GET", url, headers=headers, deadline=deadline, max_bytes=max_bytes,
                              accept_types=accept_types, label=label)

    def post_json(self, url: str, body: bytes, *, headers: Mapping[str, str], deadline: Deadline, max_bytes: int,
                  read_timeout: float, label: str = "?") -> dict[str, Any]:
        """POST a FHIR JSON body and read one JSON object back, under the same rules as `get_json`."""
        return self._exchange("POST", url, headers={**headers, "Content-Type": "application/fhir+json"},
                              deadline=deadline, max_bytes=max_bytes, label=label, body=body,
                              read_timeout=read_timeout)

    def _exchange(self, method: str, url: str, *, headers: Mapping[str, str], deadline: Deadline,
                  max_bytes: int | None = None, accept_types: Iterable[str] = FHIR_JSON_TYPES, label: str = "?",
                  body: bytes | None = None, read_timeout: float | None = None) -> dict[str, Any]:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise FhirUnavailable("time budget exhausted")
        cap = self.settings.max_bytes if max_bytes is None else max_bytes
        read = self.settings.read_timeout if read_timeout is None else read_timeout
        timeout = (min(self.settings.connect_timeout, remaining), min(read, remaining))
        started = time.monotonic()
        status: int | None = None
        try:
            resp = self.session.request(method, url, headers=dict(headers), data=body, timeout=timeout,
                                        allow_redirects=False, stream=True)
            status = resp.status_code
            with resp:
                error = error_for_status(resp.status_code)
                if error is not None:
                    raise error(f"FHIR server answered {resp.status_code}", status=resp.status_code)
                ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if ctype not in accept_types:
                    raise FhirBadResponse("response is not FHIR JSON", status=status)
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise FhirBadResponse("response too large", status=status)
                received = bytearray()
                for chunk in _pieces(resp):
                    received += chunk
                    if len(received) > cap:
                        raise FhirBadResponse("response too large", status=status)
                    if deadline.expired():
                        raise FhirUnavailable("time budget exhausted", status=status)
        except requests.ConnectTimeout:
            raise FhirConnectTimeout("FHIR server timed out") from None
        except requests.Timeout:
            raise FhirUnavailable("FHIR server timed out") from None
        except requests.RequestException:
            raise FhirUnavailable("FHIR server unreachable") from None
        finally:
            log.debug("fhir %s %s -> %s in %d ms", method, label, status, (time.monotonic() - started) * 1000)
        try:  # orjson: nesting deeper than 1024 is a ValueError (json.loads raised RecursionError, a 500)
            data = orjson.loads(bytes(received))
        except ValueError:
            raise FhirBadResponse("response is not valid JSON", status=status) from None
        if not isinstance(data, dict):
            raise FhirBadResponse("response is not a JSON object", status=status)
        return data

    def batch_allowed(self, base: str) -> bool:
        """Batch is on and `base` has not refused (or outrun) one in the last BATCH_RETRY_S."""
        if not self.settings.batch:
            return False
        key = _server_key(base)
        with self._batch_lock:
            refused = self._batch_refused.get(key)
            if refused is not None and self._clock() - refused >= BATCH_RETRY_S:
                del self._batch_refused[key]
                refused = None
        return refused is None

    def note_batch_refused(self, base: str, why: str) -> None:
        with self._batch_lock:
            self._batch_refused[_server_key(base)] = self._clock()
        log.info("FHIR server did not answer a batch (%s): reading key by key for %d s", why, BATCH_RETRY_S)

    def run_parallel(self, tasks: Mapping[str, Callable[[], T]], deadline: Deadline) -> dict[str, T | FhirError]:
        """Run independent fetches at once; whatever is unfinished at the deadline counts as unavailable.

        A FhirError becomes the key's value; any other exception is a bug and propagates.
        """
        futures: dict[str, Future[T]] = {key: self.executor.submit(fn) for key, fn in tasks.items()}
        wait(futures.values(), timeout=deadline.remaining())
        results: dict[str, T | FhirError] = {}
        for key, future in futures.items():
            if not future.done():
                future.cancel()
                results[key] = FhirUnavailable("time budget exhausted")
                continue
            exc = future.exception()
            if isinstance(exc, FhirError):
                results[key] = exc
            elif exc is not None:
                raise exc
            else:
                results[key] = future.result()
        return results

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.session.close()


def _server_key(base: str) -> Any:
    """One key per server however its base is spelled (host case, an explicit default port, a trailing /)."""
    try:
        parsed = parse_url(base)
    except UnusableUrl:
        return base
    return parsed.origin, parsed.segments


def relative_ok(relative: str) -> bool:
    """`relative` is a relative FHIR URL (`Patient/1`, `Observation?patient=1`) with no `..` segment."""
    return bool(RELATIVE_URL_RE.match(relative)) and ".." not in relative.split("?")[0].split("/")


def _check_relative(relative: str) -> None:
    if not relative_ok(relative):
        raise FhirNotAllowed("not a relative FHIR URL")


def _batch_failure(exc: FhirError) -> str:
    """What a failed batch means.

    "raise": every GET would meet it as well (401, 408, 429, 5xx but 501, unreachable, no connection in time);
    "slow": it timed out or ran out of budget (raised; remembered when the batch was sent early enough in the
    call, see `BoundFhir.batch`: the server does a batch's entries one after another, so one slow search held
    them all, and key by key the others get through); "refused": this server or token does not do batch, a GET
    may work (403, a POST may need another scope; 404, 405 or another 4xx; 501; not FHIR JSON); "too-large": the
    answer is over the cap (this chart, not the server: read key by key, not remembered).
    """
    if isinstance(exc, FhirAuthError):
        return "refused" if exc.status == 403 else "raise"
    if isinstance(exc, FhirConnectTimeout):
        return "raise"
    if isinstance(exc, FhirUnavailable):
        if exc.status == 501:
            return "refused"
        return "slow" if str(exc) in ("FHIR server timed out", "time budget exhausted") else "raise"
    if isinstance(exc, FhirBadResponse) and str(exc) == "response too large":
        return "too-large"
    return "refused"


def _batch_entry(entry: Any, max_bytes: int) -> dict[str, Any] | FhirError:
    response = entry.get("response") if isinstance(entry, dict) else None
    status = response.get("status") if isinstance(response, dict) else None
    match = _STATUS_RE.match(status) if isinstance(status, str) else None
    if match is None:
        return FhirBadResponse("batch entry without a status")
    code = int(match.group(1))
    error = error_for_status(code)
    if error is not None:
        return error(f"FHIR server answered {code}", status=code)
    resource = entry.get("resource")
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return FhirBadResponse("batch entry holds no FHIR resource")
    # each answer under the cap a GET of it has: measured as compact JSON, the entry's own bytes are not known
    try:
        size = len(orjson.dumps(resource))
    except orjson.JSONEncodeError:  # nested past the 255 levels orjson writes (it reads 1024): no FHIR resource is
        return FhirBadResponse("batch entry nested too deeply")
    if size > max_bytes:
        return FhirBadResponse("response too large")
    return resource


class BoundFhir:
    """One hook call's view of one FHIR server: base URL, bearer token, deadline, call counter."""

    def __init__(self, client: FhirClient, base: str, token: str | None, deadline: Deadline) -> None:
        self.client = client
        self.base = base
        self.deadline = deadline
        self._token = token
        self._lock = threading.Lock()
        self._calls = 0

    def __repr__(self) -> str:  # never show the token
        return f"BoundFhir(calls={self._calls})"

    @property
    def calls(self) -> int:
        return self._calls

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/fhir+json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def under_base(self, url: str) -> bool:
        return _under(url, self.base)

    def get_url(self, url: str, label: str = "?") -> dict[str, Any]:
        if not self.under_base(url):
            raise FhirNotAllowed("URL is outside the FHIR base")
        with self._lock:
            self._calls += 1
        data = self.client.get_json(url, headers=self._headers(), deadline=self.deadline, label=label)
        if not isinstance(data.get("resourceType"), str):
            raise FhirBadResponse("response is not a FHIR resource")
        return data

    def get(self, relative: str) -> dict[str, Any]:
        """Read or search by a relative URL (`Patient/1`, `Observation?patient=1`)."""
        _check_relative(relative)
        label = relative.split("?")[0].split("/")[0]
        return self.get_url(f"{self.base}/{relative}", label=label)

    def batch(self, relatives: Sequence[str]) -> list[dict[str, Any] | FhirError] | None:
        """The first answers of several reads or searches (relative URLs), in one FHIR batch.

        Per entry: the resource it answered (a read's resource, a search's first Bundle page), or the
        FhirError its `response.status` or missing resource means. None: batch is off, the server does not
        do it (remembered; also when an entry is answered 405 or 501), or the answer is over the size cap: the
        caller GETs each. An entry over the size cap of one GET is "response too large", as its GET would be.
        A failure of the whole request that a GET would meet as well (401, 408, 429, unreachable, 5xx but 501)
        is raised; so is a timeout, and when the batch had at least half the time a GET at the call's start
        gets, the server is then read key by key for BATCH_RETRY_S (sent later, its timeout says nothing of the
        server).
        """
        for relative in relatives:
            _check_relative(relative)
        if not relatives or not self.client.batch_allowed(self.base):
            return None
        if self.deadline.expired():  # before the call: not the batch's doing, so not remembered as slow
            raise FhirUnavailable("time budget exhausted")
        with self._lock:
            self._calls += 1
        body = orjson.dumps({"resourceType": "Bundle", "type": "batch",
                             "entry": [{"request": {"method": "GET", "url": r}} for r in relatives]})
        settings = self.client.settings
        read_timeout = settings.read_timeout * len(relatives)
        given = min(read_timeout, self.deadline.remaining())  # late in a call the budget clips the batch's time
        # a timeout says the server is slow at batch only if the batch had a fair share of what a GET sent at
        # the call's start gets: not when an earlier stage or a wait for a fetch thread spent the budget
        fair = min(settings.read_timeout, self.deadline.seconds) / 2
        try:  # the server does every entry before it answers: read timeout and size cap scale with the entries
            answer = self.client.post_json(self.base, body, headers=self._headers(), deadline=self.deadline,
                                           max_bytes=settings.max_bytes * len(relatives),
                                           read_timeout=read_timeout, label="batch")
        except FhirError as exc:
            failure = _batch_failure(exc)
            if failure == "slow" and given < fair:
                raise  # not the server's doing
            if failure in ("refused", "slow"):
                why = str(exc) if exc.status is None or exc.status < 300 else f"HTTP {exc.status}"
                self.client.note_batch_refused(self.base, why)
            if failure in ("raise", "slow"):
                raise
            return None
        entries = answer.get("entry")
        if (answer.get("resourceType") != "Bundle" or answer.get("type") != "batch-response"
                or not isinstance(entries, list) or len(entries) != len(relatives)):
            self.client.note_batch_refused(self.base, "not a batch-response of as many entries")
            return None
        answers = [_batch_entry(entry, settings.max_bytes) for entry in entries]
        if any(isinstance(a, FhirError) and a.status in _NOT_IN_BATCH for a in answers):
            self.client.note_batch_refused(self.base, "an entry answered 405 or 501")
            return None
        return answers

    def read(self, relative: str) -> dict[str, Any]:
        data = self.get(relative)
        if data.get("resourceType") == "OperationOutcome":
            raise FhirBadResponse("FHIR server returned an OperationOutcome")
        return data

    def search(self, relative: str) -> SearchResult:
        """All pages of a search, up to the page cap; OperationOutcome-only answers are errors."""
        first = self.get(relative)
        return self.follow(first, label=relative.split("?")[0])

    def follow(self, bundle: dict[str, Any], *, label: str = "?", pages_read: int = 1) -> SearchResult:
        """Resources of `bundle` and of its `next` pages (same base only, page cap, budget)."""
        if bundle.get("resourceType") == "OperationOutcome":
            raise FhirBadResponse("FHIR server returned an OperationOutcome")
        if bundle.get("resourceType") != "Bundle":
            return SearchResult([bundle], partial=False)
        data, outcomes = bundle_resources(bundle)
        if outcomes and not data:
            raise FhirBadResponse("search answered with OperationOutcome entries only")
        resources = list(data)
        url = next_link(bundle)
        while url is not None:
            if pages_read >= self.client.settings.page_cap or not self.under_base(url) or self.deadline.expired():
                return SearchResult(resources, partial=True)
            page = self.get_url(url, label=label)
            pages_read += 1
            if page.get("resourceType") != "Bundle":
                raise FhirBadResponse("next page is not a Bundle")
            data, outcomes = bundle_resources(page)
            if outcomes and not data:
                raise FhirBadResponse("next page holds OperationOutcome entries only")
            resources.extend(data)
            url = next_link(page)
        return SearchResult(resources, partial=False)
