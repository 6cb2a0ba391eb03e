"""The worksheet's routes (blueprint `worksheet`, under /worksheet).

    GET  /worksheet/launch      SMART EHR launch (iss + launch) or standalone launch (iss, or none)
    GET  /worksheet/callback    OAuth redirect: code + state -> token with patient -> the worksheet
    GET  /worksheet/open        demo only (WORKSHEET_OPEN_ACCESS): iss + patient, no sign-in
    GET  /worksheet/            the worksheet of the session's patient
    POST /worksheet/api/recompute   entered values -> the same scoring core, as JSON (never writes)
    POST /worksheet/save        one transaction Bundle with the session's token (the only write)

Failures end on an HTML page (`errors.PROBLEMS`); /api/ answers JSON.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import (Blueprint, Response, current_app, g, jsonify, make_response, redirect, render_template,
                   request, url_for)
from werkzeug.exceptions import HTTPException

import scoring
from storage import StorageUnavailable
from configuration import as_of, codesystem_url
from configuration.urls import UnusableUrl, parse_url
from fhir_access.client import FhirClient
from fhir_access.client import FHIR_KEY
from fhir_access.registry import FHIR_ID_RE
from worksheet import smart
from worksheet.chart import Chart, read_chart
from worksheet.controls import ParsedForm, parse_form, with_entries
from worksheet.definitions import LEVEL_NAMES
from worksheet.errors import PROBLEMS, WorksheetProblem
from worksheet.facts_codec import CodecError, decode_facts, encode_facts
from worksheet.fhir_out import InvalidResource, SaveFailed, post_transaction, transaction
from worksheet.sealing import Sealer, Unsealed
from worksheet.session import (LAUNCH_COOKIE, SESSION_COOKIE, WorksheetSession, clear, load_launch,
                                           load_session, new_csrf, save_launch, save_session)
from configuration.worksheet import WorksheetSettings
from worksheet import view
from worksheet.course_view import course_view

log = logging.getLogger("essdai_cds.worksheet")

bp = Blueprint("worksheet", __name__, url_prefix="/worksheet", template_folder="templates",
               static_folder="static", static_url_path="/static")

EXTENSION_KEY = "essdai_cds.worksheet"
# RFC 6749 §4.1.2.1 error codes we name on the page (anything else is "not issued")
OAUTH_ERRORS = frozenset({"invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope",
                          "server_error", "temporarily_unavailable"})
LAUNCH_RE = re.compile(r"^[\x21-\x7e]{1,512}$")  # an opaque launch id: printable ASCII, bounded
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'")


@dataclass
class WorksheetState:
    """The worksheet's settings and its sealer. The sealing key is read (or created) in the service
    database on first use, not when the app is built: a worker booting while the database is down
    comes up and answers 503 until it is back (storage.Storage says why)."""

    settings: WorksheetSettings
    secret: Callable[[], str]
    _sealer: Sealer | None = field(default=None, init=False, repr=False)

    @property
    def sealer(self) -> Sealer:
        if self._sealer is None:
            self._sealer = Sealer(self.secret())
        return self._sealer


def state() -> WorksheetState:
    return current_app.extensions[EXTENSION_KEY]


def _secure() -> bool:
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    return request.is_secure or base.startswith("https://")


# --- request timing and headers -----------------------------------------------------------------

@bp.before_request
def _start() -> None:
    g.worksheet_started = time.perf_counter()


@bp.after_request
def _headers(resp: Response) -> Response:
    started = g.get("worksheet_started")
    if started is not None:
        resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if resp.mimetype == "text/html":
        s = current_app.extensions.get(EXTENSION_KEY)
        ancestors = " ".join(s.settings.frame_ancestors) if s and s.settings.frame_ancestors else "'none'"
        resp.headers["Content-Security-Policy"] = f"{CSP}; frame-ancestors {ancestors}"
    return resp


def problem_page(kind: str, detail: str = "") -> Response:
    problem = PROBLEMS.get(kind, PROBLEMS["internal"])
    s = current_app.extensions.get(EXTENSION_KEY)
    standalone = bool(s and s.settings.client_id and s.settings.standalone_iss)
    html = render_template("worksheet/problem.html", problem=problem, kind=kind, detail=detail,
                           standalone=standalone and kind in ("no-session", "session-expired"))
    return make_response(html, problem.status)


@bp.errorhandler(WorksheetProblem)
def _problem(exc: WorksheetProblem) -> Response:
    if request.path.startswith("/worksheet/api/"):
        return make_response(jsonify({"error": exc.kind, "message": exc.problem.title}), exc.problem.status)
    return problem_page(exc.kind, exc.detail)


@bp.errorhandler(StorageUnavailable)
def _storage(exc: StorageUnavailable) -> Response:
    log.error("worksheet: storage unavailable (%s)", exc)
    if request.path.startswith("/worksheet/api/"):
        resp = make_response(jsonify({"error": "storage-unavailable", "message": PROBLEMS["storage-unavailable"].title}),
                             503)
    else:
        resp = problem_page("storage-unavailable")
    resp.headers["Retry-After"] = "5"
    return resp


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response:
    if request.path.startswith("/worksheet/api/"):
        return make_response(jsonify({"error": "bad-request", "message": exc.name}), exc.code or 400)
    if exc.code == 405:
        return problem_page("bad-request")
    return problem_page("bad-request" if (exc.code or 500) < 500 else "internal")


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.error("worksheet: unhandled %s", type(exc).__name__, exc_info=exc)
    if request.path.startswith("/worksheet/api/"):
        return make_response(jsonify({"error": "internal", "message": "internal error"}), 500)
    return problem_page("internal")


# --- launch ---------------------------------------------------------------------------------------

def _client() -> FhirClient:
    return current_app.extensions[FHIR_KEY]


def _redirect_uri() -> str:
    """WORKSHEET_REDIRECT_URI, else PUBLIC_BASE_URL + the callback path; never the request's Host header
    (a forged Host would send the authorization code elsewhere if the EHR's registration were loose)."""
    configured = state().settings.redirect_uri
    if configured:
        return configured
    public = current_app.config.get("PUBLIC_BASE_URL")
    if not public:
        raise WorksheetProblem("not-configured", "set WORKSHEET_REDIRECT_URI or PUBLIC_BASE_URL")
    return public.rstrip("/") + url_for("worksheet.callback")


def _usable_url(url: str | None) -> bool:
    """`iss` passes the strict parse (configuration.urls): a bad port, a control character, `..` or
    userinfo is a bad launch (400), before the allowlist is even asked."""
    try:
        parse_url(url)
    except UnusableUrl:
        return False
    return True


@bp.get("/launch")
def launch() -> Response:
    s = state().settings
    iss = request.args.get("iss") or s.standalone_iss
    launch_id = request.args.get("launch")
    if not _usable_url(iss) or (launch_id is not None and not LAUNCH_RE.match(launch_id)):
        raise WorksheetProblem("bad-launch")
    if not s.client_id:
        raise WorksheetProblem("not-configured")
    endpoints = smart.discover(_client(), iss, s.http_timeout)
    url, launch_state = smart.authorization_request(s, endpoints, iss=iss, launch=launch_id,
                                                    redirect_uri=_redirect_uri())
    resp = redirect(url, 302)
    save_launch(resp, state().sealer, launch_state, s.launch_ttl, _secure())
    return resp


@bp.get("/callback")
def callback() -> Response:
    s = state().settings
    try:
        launch_state = load_launch(request, state().sealer, s.launch_ttl)
    except Unsealed as exc:
        raise WorksheetProblem("launch-mismatch" if exc.reason == "invalid" else "launch-expired") from None
    if not hmac.compare_digest(request.args.get("state", ""), launch_state.state):
        raise WorksheetProblem("launch-mismatch")
    error = request.args.get("error")
    if error:
        resp = problem_page("denied" if error == "access_denied" else "token-failed",
                            f"The authorisation server answered '{error}'." if error in OAUTH_ERRORS else "")
        clear(resp, LAUNCH_COOKIE, _secure())
        return resp
    code = request.args.get("code")
    if not code:
        raise WorksheetProblem("token-failed")
    grant = smart.exchange_code(s, launch_state, code)
    if grant.context_patient is not None and grant.context_patient != grant.patient:
        # the card was about one patient, the EHR's launch context names another: open neither
        resp = problem_page("wrong-patient", "The ESSDAI card was for another patient than the one the EHR "
                                             "launched the worksheet for.")
        clear(resp, LAUNCH_COOKIE, _secure())
        return resp
    lifetime = min(s.session_ttl, grant.expires_in) if grant.expires_in else s.session_ttl
    session = WorksheetSession(mode="smart", iss=launch_state.iss, patient=grant.patient,
                               expires_at=time.time() + lifetime, csrf=new_csrf(), token=grant.access_token,
                               scope=grant.scope)
    resp = redirect(url_for("worksheet.page") + (f"#{grant.section}" if grant.section else ""), 303)
    clear(resp, LAUNCH_COOKIE, _secure())
    save_session(resp, state().sealer, session, _secure())
    return resp


@bp.get("/open")
def open_demo() -> Response:
    s = state().settings
    if not s.open_access:
        raise WorksheetProblem("open-disabled")
    iss, patient = request.args.get("iss", ""), request.args.get("patient", "")
    if not _usable_url(iss) or not FHIR_ID_RE.match(patient):
        raise WorksheetProblem("bad-launch")
    if not _client().allowed_base(iss):
        raise WorksheetProblem("iss-not-allowed")
    session = WorksheetSession(mode="open", iss=iss.rstrip("/"), patient=patient,
                               expires_at=time.time() + s.session_ttl, csrf=new_csrf())
    resp = redirect(url_for("worksheet.page"), 303)
    save_session(resp, state().sealer, session, _secure())
    return resp


# --- the worksheet ----------------------------------------------------------------------------------

def _session() -> WorksheetSession:
    s = state()
    session = load_session(request, s.sealer, s.settings.session_ttl)
    if session is None:
        raise WorksheetProblem("session-expired" if request.cookies.get(SESSION_COOKIE) else "no-session")
    return session


def _check_form(session: WorksheetSession) -> None:
    """The posted form is for this session's patient (checked first: a page left open in another tab after a
    launch for another patient fails both checks, and the patient is what the clinician must hear about),
    and was issued to this session (CSRF)."""
    if request.form.get("patient") != session.patient:
        raise WorksheetProblem("wrong-patient")
    if not hmac.compare_digest(request.form.get("csrf", ""), session.csrf):
        raise WorksheetProblem("bad-request")


def _seal_chart(chart: Chart) -> str:
    payload = {"patient": chart.patient_id, "header": chart.header, "missing": list(chart.missing),
               "partial": list(chart.partial), "facts": encode_facts(chart.facts)}
    return state().sealer.seal(payload, compress=True)


def _chart_from_form(session: WorksheetSession) -> Chart | None:
    """The chart the page was built from (sealed in the form), if it is this patient's and still fresh."""
    try:
        payload = state().sealer.unseal(request.form.get("chart"), state().settings.session_ttl)
        if payload.get("patient") != session.patient:
            return None
        return Chart(session.patient, payload["header"], decode_facts(payload["facts"]),
                     tuple(payload["missing"]), tuple(payload["partial"]))
    except (Unsealed, CodecError, KeyError, TypeError, AttributeError):
        return None


def _read(session: WorksheetSession) -> Chart:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return read_chart(app, iss=session.iss, token=session.token, patient_id=session.patient,
                      budget=state().settings.fhir_budget)


def _render(session: WorksheetSession, chart: Chart, form: ParsedForm, *, status: int = 200,
            message: str = "", message_kind: str = "info") -> Response:
    result = scoring.assess(with_entries(chart.facts, form.entries)).to_json()
    html = render_template(
        "worksheet/page.html",
        session=session, chart=chart, sealed_chart=_seal_chart(chart), result=result,
        summary=view.summary(result), domains=view.domains(result, chart.facts, form),
        esspri=view.esspri_controls(chart.facts, form), course=course_view(result.get("course")), form=form, message=message, message_kind=message_kind,
        assessed=as_of(current_app.config).isoformat(), level_names=LEVEL_NAMES,
    )
    return make_response(html, status)


@bp.get("/")
def page() -> Response:
    session = _session()
    chart = _read(session)
    message = _saved_banner(session)
    return _render(session, chart, ParsedForm(), message=message, message_kind="success" if message else "info")


@bp.post("/api/recompute")
def recompute() -> Response:
    """The entered values + the page's facts -> `scoring.assess`, with the page fragments to update."""
    session = _session()
    _check_form(session)
    chart = _chart_from_form(session)
    if chart is None:
        return make_response(jsonify({"error": "stale", "message": "reload the worksheet"}), 409)
    form = parse_form(request.form.to_dict(flat=False))
    result = scoring.assess(with_entries(chart.facts, form.entries)).to_json()
    macros: Any = current_app.jinja_env.get_template("worksheet/_macros.html").module  # the page's own fragments
    status_macro, summary_macro = macros.domain_status, macros.summary_panel
    summary = view.summary(result)
    return jsonify({
        "summary": summary,
        "summary_html": str(summary_macro(summary)),
        "domains": {d: str(status_macro(d, view.domain_status(d, b))) for d, b in result["essdai"]["domains"].items()},
        "errors": form.errors,
        "assessment": result,
    })


@bp.post("/save")
def save() -> Response:
    session = _session()
    _check_form(session)
    chart = _chart_from_form(session) or _read(session)
    form = parse_form(request.form.to_dict(flat=False))
    if form.errors:
        return _render(session, chart, form, status=422, message_kind="error",
                       message="Nothing was saved: correct the fields marked below.")
    if not form.entries:
        return _render(session, chart, form, status=422, message_kind="error",
                       message="Nothing was saved: no value was entered.")
    result = scoring.assess(with_entries(chart.facts, form.entries)).to_json()
    config = current_app.config
    try:
        bundle, with_total = transaction(form.entries, result, patient_id=session.patient,
                                         codesystem=codesystem_url(config), as_of=as_of(config))
        created = post_transaction(_client(), session.iss, session.token, bundle, state().settings.http_timeout)
    except InvalidResource as exc:
        log.error("worksheet: built resource failed validation: %s", exc)
        return _render(session, chart, form, status=500, message_kind="error",
                       message="Nothing was saved: a resource failed FHIR validation (internal error).")
    except SaveFailed as exc:
        log.warning("worksheet: save failed (%s)", exc.reason)
        lead = "The save may be incomplete" if exc.maybe_written else "Nothing was saved"
        return _render(session, chart, form, status=502, message_kind="error", message=f"{lead}: {exc.reason}.")
    total = result["essdai"]["score"] if with_total else None
    receipt = state().sealer.seal({"patient": session.patient, "saved": created, "total": total})
    return redirect(url_for("worksheet.page", saved=receipt), 303)


SAVED_RECEIPT_TTL_S = 120  # the banner shows on the page the save redirects to, not on a bookmark days later


def _saved_banner(session: WorksheetSession) -> str:
    """The "saved" banner, only from a receipt sealed by `save` for this patient (a plain `?saved=5`
    is ignored: a link could otherwise claim a save that never happened)."""
    try:
        receipt = state().sealer.unseal(request.args.get("saved"), SAVED_RECEIPT_TTL_S)
    except Unsealed:
        return ""
    if not isinstance(receipt, dict) or receipt.get("patient") != session.patient:
        return ""
    saved, total = receipt.get("saved"), receipt.get("total")
    if not isinstance(saved, int) or isinstance(saved, bool):
        return ""
    return f"Saved {saved} Observation{'s' if saved != 1 else ''} to the chart" + (
        f", including the ESSDAI total {total}." if isinstance(total, int) else ".")


def launch_url_for(app: Any) -> str:
    """The worksheet's launch URL under this app (for WORKSHEET_URL)."""
    with app.test_request_context():
        return url_for("worksheet.launch", _external=True)
