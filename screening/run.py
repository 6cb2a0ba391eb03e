"""One screen, end to end: acquire (a folder of NDJSON, or a Bulk Data export), load into the store, score
(all patients, or after `--since` only those the export touched), then write what the privacy mode allows.

Privacy: the default mode is counts only (attrition summary, report without identities). The identified
outputs (candidate list CSV/NDJSON, the FHIR Group, the report's table) are written only with
`identified=True`, and each such run appends an audit line (who, when, which Group, how many rows) to
`<out>/audit.log`. Logs and progress lines carry counts, never a patient id, a resource or a token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests

from screening import candidates, report
from screening.bulk_client import BulkClient, BulkError, Downloaded, origin
from screening.engine_embedded import load_files, ndjson_files, score_patients
from screening.export_request import ExportRequest, rule_reads
from screening.group_resource import candidate_group
from screening.progress import Phase
from screening.rows import row_json
from screening.smart_backend import BackendClient, TokenSource, token_endpoint
from screening.store import LoadCounts, ScreenStore

log = logging.getLogger("essdai_cds.screening")
audit_log = logging.getLogger("essdai_cds.audit")

IDENTIFIED_FILES = ("candidates.csv", "candidates.ndjson", "candidates-group.json")


class ScreenError(Exception):
    """A screen that cannot run as asked (bad option, refused server); one line, no PHI."""


@dataclass
class ScreenOptions:
    out: Path
    as_of: date
    config: Mapping[str, Any]  # configuration.load_config(): windows, codesystem, jurisdiction, allowlist
    input_dir: Path | None = None
    fhir: str | None = None
    level: str = "system"  # system | patient | group
    group: str | None = None
    since: str | None = None  # an instant, or "last" (the previous export's transactionTime)
    client_id: str | None = None
    private_key: Path | None = None
    algorithm: str = "ES384"
    key_id: str | None = None
    scope: str = "system/*.read"
    type_filter: bool = True
    kickoff_method: str = "GET"
    engine: str = "embedded"
    master: str = "local[*]"
    store: Path | None = None  # the SQLite resource mirror (and the embedded engine's rows)
    results_store: Path | None = None  # Spark: the Parquet results store (default OUT/results.parquet)
    spark: Any = None  # Spark: an existing SparkContext to run in (tests, warm runs); else one for `master`
    identified: bool = False
    requested_by: str | None = None
    post_group: bool = False
    quiet: bool = False
    session: requests.Session | None = None
    sleep: Callable[[float], None] | None = None


@dataclass
class ScreenSummary:
    patients: int = 0
    scored: int = 0
    removed: int = 0
    resources: int = 0
    deleted: int = 0
    skipped: int = 0  # input lines not loaded: not a JSON object with an id, no patient, nested too deeply
    candidates: int = 0
    attrition: list[dict[str, Any]] = field(default_factory=list)
    transaction_time: str | None = None
    outputs: list[str] = field(default_factory=list)
    scored_patients: set[str] = field(default_factory=set)  # for tests; never printed

    def to_json(self) -> dict[str, Any]:
        return {"patients": self.patients, "scored": self.scored, "removed": self.removed,
                "resources": self.resources, "deleted": self.deleted, "skipped": self.skipped,
                "candidates": self.candidates,
                "attrition": self.attrition, "transactionTime": self.transaction_time, "outputs": self.outputs}


def _allowlist(options: ScreenOptions) -> Callable[[str], bool]:
    from configuration import url_allowed_scheme

    insecure = bool(options.config.get("ALLOW_INSECURE_FHIR"))
    origins = {origin(u) for u in options.config.get("FHIR_ALLOWLIST") or ()}

    def allowed(url: str) -> bool:
        return url_allowed_scheme(url, insecure) and origin(url) in origins

    return allowed


def _windows_codesystem(config: Mapping[str, Any]) -> tuple[Any, str, str]:
    from configuration import codesystem_url, windows

    return windows(config), codesystem_url(config), str(config.get("JURISDICTION") or "FDA")


def _export(options: ScreenOptions, store: ScreenStore, dest: Path) -> tuple[Downloaded, BulkClient]:
    assert options.fhir is not None
    allowed = _allowlist(options)
    if not allowed(options.fhir):
        raise ScreenError("the FHIR server is not in FHIR_ALLOWLIST (https, or http on loopback with "
                          "ALLOW_INSECURE_FHIR)")
    session = options.session or requests.Session()
    tokens = None
    if options.client_id:
        if options.private_key is None:
            raise ScreenError("--client-id needs --private-key (SMART Backend Services)")
        client = BackendClient.from_files(options.client_id, options.private_key, algorithm=options.algorithm,
                                          key_id=options.key_id, scope=options.scope)
        token_url = token_endpoint(session, options.fhir, 30)
        if not allowed(token_url):
            raise ScreenError("the token endpoint is not on an allowlisted origin")
        tokens = TokenSource(session, client, token_url)
    since = options.since
    if since == "last":
        since = store.get_meta("transaction_time")
        if since is None:
            raise ScreenError("--since last: no previous export in the store")
    types, filters = rule_reads(options.config)
    if options.level != "system":  # Medication is not in the Patient compartment: read by reference after
        types = tuple(t for t in types if t != "Medication")
    request = ExportRequest(level=options.level, group_id=options.group, types=types,
                            type_filters=filters if options.type_filter else (), since=since)
    with Phase("export", "polls", quiet=options.quiet) as phase:
        bulk = BulkClient(session, options.fhir, tokens=tokens, allowed=allowed, sleep=options.sleep or _sleep,
                          on_progress=lambda note: (phase.tick(1), phase.status(note)))
        status_url = bulk.kickoff(request, method=options.kickoff_method)
        try:
            manifest = bulk.wait(status_url)
        except KeyboardInterrupt:
            bulk.cancel(status_url)
            raise
    try:
        with Phase("download", "lines", quiet=options.quiet) as phase:
            downloaded = bulk.download(status_url, manifest, dest, tick=phase.tick)
    except KeyboardInterrupt:
        bulk.cancel(status_url)
        raise
    return downloaded, bulk


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def _group_members(bulk: BulkClient, group_id: str) -> set[str]:
    response = bulk.request("GET", urljoin(bulk.base, f"Group/{group_id}"), headers={"Accept": "application/fhir+json"})
    if response.status_code != 200:
        raise ScreenError(f"Group/{group_id} could not be read (HTTP {response.status_code})")
    members = set()
    for m in response.json().get("member") or []:
        ref = (m.get("entity") or {}).get("reference", "") if isinstance(m, dict) else ""
        if "Patient/" in ref and not m.get("inactive"):
            members.add(ref.rsplit("Patient/", 1)[-1].split("/")[0])
    return members


class RowStore(Protocol):
    """Where a screen's rows are kept: the SQLite store (embedded engine) or the Parquet store (Spark)."""

    def row_patients(self) -> set[str]: ...

    def rows(self) -> Iterator[dict[str, Any]]: ...


def _results_path(options: ScreenOptions) -> Path:
    from screening.parquet_results import DEFAULT_NAME

    return options.results_store or options.out / DEFAULT_NAME


def _check_engine(options: ScreenOptions, store: ScreenStore) -> None:
    """Before any export: the engine can run, and an incremental run finds the rows of a run of the same kind
    (the rows it does not re-score are kept where that run put them)."""
    if options.engine not in ("embedded", "spark"):
        raise ScreenError(f"unknown engine {options.engine!r} (embedded or spark)")
    version = None
    if options.engine == "spark":
        try:
            import pyspark  # noqa: F401  (optional extra)

            from screening.parquet_results import ResultsStoreError, current_version
        except ImportError as exc:
            raise ScreenError(f"--engine spark needs the [spark] extra ({exc.name} is not installed)") from None
        try:
            version = current_version(_results_path(options))
        except ResultsStoreError as exc:
            raise ScreenError(str(exc)) from None
    if not options.since:
        return
    kept = store.get_meta("results") or "sqlite"
    wanted = "parquet" if options.engine == "spark" else "sqlite"
    if kept != wanted or (wanted == "parquet" and version is None):
        raise ScreenError(f"--since: the previous screen kept its rows in {kept}, this engine keeps them in "
                          f"{wanted}; run a full screen with --engine {options.engine} first")


def run_screen(options: ScreenOptions) -> ScreenSummary:
    if (options.input_dir is None) == (options.fhir is None):
        raise ScreenError("give exactly one of --input DIR or --fhir URL")
    if options.level == "group" and not options.group:
        raise ScreenError("a Group-level export needs --group ID")
    if options.post_group and not options.identified:
        raise ScreenError("--post-group names patients: it needs --identified")
    if options.since and options.input_dir is not None:
        raise ScreenError("--since needs --fhir (a folder is always screened whole)")
    if options.results_store is not None and options.engine != "spark":
        raise ScreenError("--results-store is the Spark engine's Parquet store: it needs --engine spark")
    if options.input_dir is not None:
        # a wrong folder (or one of Bundles) must not pass for a population of nobody
        if not Path(options.input_dir).is_dir():
            raise ScreenError(f"--input {options.input_dir}: not a folder")
        if not ndjson_files(options.input_dir):
            raise ScreenError(f"--input {options.input_dir}: no *.ndjson files (a Bulk Data export: one or more "
                              "files per resource type, e.g. Patient.ndjson, Observation.ndjson)")
    options.out.mkdir(parents=True, exist_ok=True)
    windows, codesystem, jurisdiction = _windows_codesystem(options.config)
    summary = ScreenSummary()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with ScreenStore(options.store or options.out / "screen.sqlite") as store, contextlib.ExitStack() as stack:
        _check_engine(options, store)
        counts = LoadCounts()
        bulk = None
        incremental = bool(options.since)
        if options.input_dir is not None:
            files = ndjson_files(options.input_dir)
            deleted: list[tuple[str, str]] = []
        else:
            downloaded, bulk = _export(options, store, options.out / f"export-{stamp}")
            files = [p for _t, p in downloaded.files]
            deleted = downloaded.deleted
            summary.transaction_time = downloaded.transaction_time
        if not incremental:
            store.clear_resources()
        with Phase("load", "lines", quiet=options.quiet) as phase:
            load_files(store, files, counts, tick=phase.tick)
            store.delete(deleted, counts)
        if bulk is not None:
            missing = store.missing_medications(counts.medication_refs)
            if missing:
                extra = options.out / f"export-{stamp}" / "Medication-referenced.ndjson"
                extra.write_bytes(b"".join(json.dumps(m).encode() + b"\n" for m in bulk.read_medications(missing)))
                store.load_lines(extra.read_bytes().splitlines(), counts)
        results: RowStore = store
        if options.engine == "spark":  # started after the export: a refused server costs no JVM
            from screening.engine_spark import spark_context
            from screening.parquet_results import ParquetResults

            spark = options.spark or stack.enter_context(spark_context(options.master))
            results = ParquetResults(_results_path(options), spark)
        removed: set[str] = set()
        if bulk is not None and options.level == "group" and options.group:
            members = _group_members(bulk, options.group)
            row_patients = results.row_patients() if incremental else set()  # a full run replaces them all
            removed = (set(store.patients()) | row_patients) - members
            store.drop_patients(removed)
            summary.removed = len(removed & row_patients)
            counts.touched -= removed
        only = counts.touched if incremental else None
        with Phase("score", "patients", total=len(only) if only is not None else store.patient_count(),
                   quiet=options.quiet) as phase:
            summary.scored = _score(options, store, results, only, removed, windows, codesystem, jurisdiction,
                                    phase.tick)
        summary.scored_patients = set(counts.touched if incremental else store.patients())
        summary.resources, summary.deleted, summary.skipped = counts.resources, counts.deleted, counts.skipped
        if counts.skipped:  # never silent: those resources were not screened
            log.warning("%d input line(s) skipped (not a JSON object with an id, no patient, or nested too deeply)",
                        counts.skipped)
        store.set_meta("results", "parquet" if options.engine == "spark" else "sqlite")
        if summary.transaction_time:  # only once the rows are stored: a failed run is re-exported next time
            store.set_meta("transaction_time", summary.transaction_time)
        rows = list(results.rows())
    _write_outputs(options, rows, summary, bulk)
    return summary


def _score(options: ScreenOptions, store: ScreenStore, results: RowStore, only: set[str] | None,
           removed: set[str], windows: Any, codesystem: str, jurisdiction: str, tick: Callable[[int], None]) -> int:
    """Score all patients (`only` None) or the touched ones; the rows go to the engine's results store."""
    if options.engine == "embedded":
        return score_patients(store, as_of=options.as_of, windows=windows, codesystem=codesystem,
                              jurisdiction=jurisdiction, only=only, tick=tick)
    from screening.engine_spark import input_files, screen_rdd
    from screening.parquet_results import ParquetResults

    assert isinstance(results, ParquetResults)
    # under --out, not /tmp: on a cluster the executors must see it (the results store has the same need)
    with tempfile.TemporaryDirectory(prefix=".spark-input-", dir=options.out) as tmp:
        store.write_ndjson(only, Path(tmp))
        rows = screen_rdd(results.spark, input_files(Path(tmp)), as_of=options.as_of,
                          row_options={"windows": windows, "codesystem": codesystem, "jurisdiction": jurisdiction})
        count = results.write(rows, replace=None if only is None else only | removed)
    if rows.skipped.value:
        log.warning("spark engine: %d input line(s) skipped (not a JSON object with an id, or no patient)",
                    rows.skipped.value)
    tick(count)  # Spark scores out of sight: the progress line jumps to the total when the job is done
    return count


def _write_outputs(options: ScreenOptions, rows: list[dict[str, Any]], summary: ScreenSummary,
                   bulk: BulkClient | None) -> None:
    out = options.out
    entries = candidates.ranked(rows)
    summary.patients, summary.candidates = len(rows), len(entries)
    summary.attrition = candidates.attrition(rows)
    mode = "identified" if options.identified else "counts-only"
    meta = {"as_of": options.as_of.isoformat(), "group": options.group, "engine": options.engine, "mode": mode,
            "source": urlsplit(options.fhir).netloc if options.fhir else "NDJSON folder"}
    for name in IDENTIFIED_FILES:  # a counts-only run never leaves an older identified list behind
        (out / name).unlink(missing_ok=True)
    (out / "attrition.json").write_text(json.dumps({"meta": meta, **summary.to_json(), "outputs": None,
                                                    "classification": candidates.classification_counts(rows)},
                                                   indent=2) + "\n")
    (out / "report.html").write_text(report.render(rows=rows, entries=entries, funnel=summary.attrition, meta=meta,
                                                   identified=options.identified), encoding="utf-8")
    summary.outputs = ["attrition.json", "report.html"]
    if not options.identified:
        return
    (out / "candidates.csv").write_text(candidates.to_csv(entries), encoding="utf-8")
    (out / "candidates.ndjson").write_text("".join(row_json(e) + "\n" for e in entries), encoding="utf-8")
    identifier_system = f"{str(options.config.get('PUBLIC_BASE_URL') or 'urn:essdai-cds').rstrip('/')}/screen"
    group = candidate_group(entries, as_of=options.as_of, source_group=options.group,
                            identifier_system=identifier_system)
    (out / "candidates-group.json").write_text(json.dumps(group, indent=2) + "\n", encoding="utf-8")
    summary.outputs += list(IDENTIFIED_FILES)
    if options.post_group and bulk is not None:
        response = bulk.request("POST", urljoin(bulk.base, "Group"), json=group,
                                 headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})
        if response.status_code not in (200, 201):
            raise ScreenError(f"POST Group refused (HTTP {response.status_code})")
        summary.outputs.append("Group posted")
    _audit(options, out, len(entries))


def _audit(options: ScreenOptions, out: Path, rows: int) -> None:
    """Who asked for identities, when, for which Group, how many rows: appended, never rewritten."""
    line = {"at": datetime.now(UTC).isoformat(timespec="seconds"),
            "who": options.requested_by or os.environ.get("USER") or "unknown",
            "group": f"Group/{options.group}" if options.group else "all patients",
            "source": urlsplit(options.fhir).netloc if options.fhir else "NDJSON folder",
            "rows": rows, "outputs": list(IDENTIFIED_FILES) + (["POST Group"] if options.post_group else [])}
    with (out / "audit.log").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, sort_keys=True) + "\n")
    audit_log.info("identified screen output: %s", json.dumps(line, sort_keys=True))
