"""An EHR stand-in for the SMART tests, assembled from authlib (no hand-written OAuth protocol code):

- authorization server: `authlib.integrations.flask_oauth2.AuthorizationServer`, authorization-code
  grant with the PKCE extension (`CodeChallenge(required=True)`: S256 required), SQLAlchemy models
  from `authlib.integrations.sqla_oauth2`; a consent page with Allow / Deny;
- SMART launch contexts: `/ehr/launch?app=<launch url>&patient=<id>[&appContext=...]` makes a launch id
  and sends the browser to `<app>?iss=<fhir base>&launch=<id>`; the token response carries `patient`
  (and the link's `appContext`, as CDS Hooks asks of the EHR);
- `<base>/fhir/.well-known/smart-configuration`;
- a FHIR gateway at `<base>/fhir/...`: the bearer token is checked with authlib's ResourceProtector
  (write needs `patient/Observation.write`; the patient compartment is enforced) and the request is
  forwarded to the real FHIR server (sekmet).

Runs in a thread on 127.0.0.1 with a free port: `with EhrStandIn(upstream, ...) as ehr: ehr.base_url`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.sqla_oauth2 import (OAuth2AuthorizationCodeMixin, OAuth2ClientMixin, OAuth2TokenMixin,
                                              create_bearer_token_validator, create_query_client_func)
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, redirect, render_template_string, request
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool
from werkzeug.serving import make_server

from essdai_devtools.procs import free_port

CLIENT_ID = "essdai-worksheet-test"
SCOPES = ("launch launch/patient patient/Patient.read patient/Condition.read patient/Observation.read "
          "patient/MedicationRequest.read patient/MedicationStatement.read patient/Medication.read "
          "patient/Observation.write")
USER = "Practitioner/ehr-rheumatologist"

CONSENT = """<!doctype html><html lang="en"><head><title>EHR sign-in</title></head><body>
<h1>Allow the ESSDAI worksheet?</h1>
<p id="app">{{ client_id }} asks for: <code>{{ scope }}</code></p>
{% if patient %}<p id="patient">Patient: {{ patient }}</p>{% endif %}
<form method="post">
  {% if not patient %}<label for="patient">Patient id</label> <input id="patient" name="patient">{% endif %}
  <button name="decision" value="allow" id="allow">Allow</button>
  <button name="decision" value="deny" id="deny">Deny</button>
</form></body></html>"""


class Base(DeclarativeBase):
    pass


class Client(Base, OAuth2ClientMixin):
    __tablename__ = "oauth2_client"
    id = Column(Integer, primary_key=True)


class AuthorizationCode(Base, OAuth2AuthorizationCodeMixin):
    __tablename__ = "oauth2_code"
    id = Column(Integer, primary_key=True)
    user_id = Column(String(100))
    patient = Column(String(64))
    app_context = Column(String(500))


class Token(Base, OAuth2TokenMixin):
    __tablename__ = "oauth2_token"
    id = Column(Integer, primary_key=True)
    user_id = Column(String(100))
    patient = Column(String(64))

    def is_refresh_token_active(self) -> bool:
        return False


class User:
    def __init__(self, user_id: str, patient: str | None = None, app_context: str | None = None) -> None:
        self.user_id = user_id
        self.patient = patient
        self.app_context = app_context

    def get_user_id(self) -> str:
        return self.user_id


class EhrStandIn:
    def __init__(self, upstream_fhir: str, *, redirect_uris: list[str], token_lifetime: int = 600,
                 advertise_pkce: bool = True, issue_patient: bool = True) -> None:
        self.upstream = upstream_fhir.rstrip("/")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.fhir_base = f"{self.base_url}/fhir"
        self.launches: dict[str, str] = {}  # launch id -> patient id
        self.app_contexts: dict[str, str] = {}  # launch id -> the card link's appContext
        self.token_requests: list[dict[str, str]] = []  # what the token endpoint received (for assertions)
        self.fhir_requests: list[tuple[str, str, str | None]] = []  # (method, path, patient of the token)
        self.advertise_pkce = advertise_pkce
        self.issue_patient = issue_patient
        self.token_lifetime = token_lifetime
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        Base.metadata.create_all(engine)
        self.db = scoped_session(sessionmaker(bind=engine))
        client = Client(client_id=CLIENT_ID, client_id_issued_at=int(time.time()))
        client.set_client_metadata({"client_name": "ESSDAI worksheet", "redirect_uris": redirect_uris,
                                    "grant_types": ["authorization_code"], "response_types": ["code"],
                                    "scope": SCOPES, "token_endpoint_auth_method": "none"})
        self.db.add(client)
        self.db.commit()
        self.app = self._build_app()
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> EhrStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="ehr-stand-in", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        self.db.remove()

    def new_launch(self, patient_id: str, app_context: str | None = None) -> str:
        launch = secrets.token_urlsafe(12)
        self.launches[launch] = patient_id
        if app_context is not None:
            self.app_contexts[launch] = app_context
        return launch

    # --- the Flask app -------------------------------------------------------------------------
    def _build_app(self) -> Flask:  # noqa: C901 - one place for the whole stand-in
        ehr = self
        app = Flask("ehr_stand_in")
        db = self.db

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                db.add(AuthorizationCode(
                    code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                    scope=req.scope, user_id=req.user.get_user_id(), patient=req.user.patient,
                    app_context=req.user.app_context,
                    code_challenge=req.payload.data.get("code_challenge"),
                    code_challenge_method=req.payload.data.get("code_challenge_method")))
                db.commit()

            def query_authorization_code(self, code: str, client: Any) -> Any:
                item = db.query(AuthorizationCode).filter_by(code=code, client_id=client.client_id).first()
                return item if item and not item.is_expired() else None

            def delete_authorization_code(self, authorization_code: Any) -> None:
                db.delete(authorization_code)
                db.commit()

            def authenticate_user(self, authorization_code: Any) -> User:
                return User(authorization_code.user_id, authorization_code.patient, authorization_code.app_context)

        def save_token(token: dict[str, Any], req: Any) -> None:
            ehr.token_requests.append(dict(request.form))
            patient = req.user.patient if ehr.issue_patient else None
            if patient:
                token["patient"] = patient  # SMART launch context travels in the token response
            if req.user.app_context:
                token["appContext"] = req.user.app_context
            fields = {k: v for k, v in token.items() if k not in ("patient", "appContext")}
            db.add(Token(client_id=req.client.client_id, user_id=req.user.get_user_id(), patient=patient, **fields))
            db.commit()

        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": self.token_lifetime}
        server = AuthorizationServer(app, query_client=create_query_client_func(db, Client), save_token=save_token)
        server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        protector = ResourceProtector()
        protector.register_token_validator(create_bearer_token_validator(db, Token)())

        @app.teardown_appcontext
        def _remove(_exc: object) -> None:
            db.remove()

        @app.get("/ehr/launch")
        def ehr_launch() -> Response:
            """The EHR launches an app URL (e.g. a CDS card's smart link) for a patient."""
            launch = ehr.new_launch(request.args["patient"], request.args.get("appContext"))
            query = urlencode({"iss": ehr.fhir_base, "launch": launch})
            return redirect(f"{request.args['app']}?{query}", 302)

        @app.get("/fhir/.well-known/smart-configuration")
        def smart_configuration() -> dict[str, Any]:
            conf: dict[str, Any] = {
                "authorization_endpoint": f"{ehr.base_url}/auth/authorize",
                "token_endpoint": f"{ehr.base_url}/auth/token",
                "grant_types_supported": ["authorization_code"],
                "scopes_supported": SCOPES.split(),
                "response_types_supported": ["code"],
                "capabilities": ["launch-ehr", "launch-standalone", "client-public", "context-ehr-patient",
                                 "context-standalone-patient", "permission-patient"],
            }
            conf["code_challenge_methods_supported"] = ["S256"] if ehr.advertise_pkce else ["plain"]
            return conf

        @app.route("/auth/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            launch = request.values.get("launch")
            if request.values.get("aud") != ehr.fhir_base:
                return {"error": "invalid_request", "error_description": "aud is not this FHIR server"}, 400
            if launch is not None and launch not in ehr.launches:
                return {"error": "invalid_request", "error_description": "unknown launch"}, 400
            patient = ehr.launches.get(launch) if launch else None
            try:
                grant = server.get_consent_grant(end_user=User(USER))
            except OAuth2Error as error:
                return dict(error.get_body()), 400
            if request.method == "GET":
                return render_template_string(CONSENT, client_id=grant.client.client_id,
                                              scope=grant.request.scope, patient=patient)
            if request.form.get("decision") != "allow":
                return server.create_authorization_response(grant_user=None, grant=grant)
            user = User(USER, patient or request.form.get("patient") or None, ehr.app_contexts.get(launch or ""))
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/auth/token")
        def issue_token() -> Any:
            return server.create_token_response()

        @app.route("/fhir/", defaults={"path": ""}, methods=["GET", "POST"])
        @app.route("/fhir/<path:path>", methods=["GET", "POST"])
        def fhir(path: str) -> Any:
            scopes = ["patient/Observation.write"] if request.method == "POST" else None
            try:
                token = protector.acquire_token(scopes)
            except OAuth2Error as error:  # authlib's own 401/403 answer (raises an HTTPException)
                protector.raise_error_response(error)
            ehr.fhir_requests.append((request.method, path, token.patient))
            if not _in_compartment(path, request, token.patient):
                outcome = {"resourceType": "OperationOutcome",
                           "issue": [{"severity": "error", "code": "forbidden",
                                      "diagnostics": "outside the token's patient compartment"}]}
                return Response(json.dumps(outcome), 403, content_type="application/fhir+json")
            upstream = requests.request(
                request.method, f"{ehr.upstream}/{path}", params=request.args, data=request.get_data(),
                headers={"Accept": "application/fhir+json",
                         "Content-Type": request.headers.get("Content-Type", "application/fhir+json")},
                timeout=30, allow_redirects=False)
            body = upstream.content.replace(ehr.upstream.encode(), ehr.fhir_base.encode())
            return Response(body, upstream.status_code,
                            content_type=upstream.headers.get("Content-Type", "application/fhir+json"))

        return app


def _in_compartment(path: str, req: Any, patient: str | None) -> bool:
    """Reads and searches name the token's patient; written resources have it as subject."""
    if patient is None:
        return False
    parts = [p for p in path.split("/") if p]
    if req.method == "GET":
        if parts[:1] == ["Patient"]:
            return parts[1:2] == [patient]
        return req.args.get("patient") in (patient, f"Patient/{patient}")
    try:
        bundle = json.loads(req.get_data() or b"{}")
    except ValueError:
        return False
    subjects = {((e.get("resource") or {}).get("subject") or {}).get("reference") for e in bundle.get("entry", [])}
    return subjects == {f"Patient/{patient}"}
