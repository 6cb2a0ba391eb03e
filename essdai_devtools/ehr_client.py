"""`essdai-cds call`: call the service the way an EHR (or the CDS Hooks sandbox) does.

GET discovery, render each prefetch template of the hook's services against the FHIR server (GET,
like the sandbox: templates with unresolved tokens are skipped, a failed fetch omits the key), sign
an ES384 JWT per request (`aud` = the exact endpoint URL, fresh `jti`), POST the hook and return
the cards. Prefetch modes (cds-hooks-contract.md §1.3):
  full               every key; searchsets with `next` links are followed and merged into one Bundle
                     (templates without `_count` are asked for pages of 1000)
  none               no `prefetch` member: the service must query `fhirServer` itself
  partial            every other key (sorted), the rest missing
  operation-outcome  like full, but one key (the first search, sorted) holds an OperationOutcome
  paginated          searches sent with a small `_count`, first page only, `next` link included
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from essdai_devtools.orders import as_draft_orders, baricitinib_draft, selections

DEFAULT_ISSUER = "https://ehr.essdai-devtools.invalid"  # .invalid never resolves: nothing to fetch
DEFAULT_USER = "Practitioner/devtools-rheumatologist"
MODES = ("full", "none", "partial", "operation-outcome", "paginated")
HOOKS = ("patient-view", "order-select", "order-sign")
PATIENT_SCOPES = ("patient/Patient.read patient/Observation.read patient/Condition.read "
                  "patient/MedicationRequest.read patient/MedicationStatement.read patient/Medication.read "
                  "patient/AllergyIntolerance.read patient/Immunization.read")
FULL_PAGE = 1000  # page size asked for when a template sets none (sekmet's maximum; its default is 20)
TOKEN = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
USER_TOKENS = {"userPractitionerId": "Practitioner", "userPractitionerRoleId": "PractitionerRole",
               "userPatientId": "Patient", "userRelatedPersonId": "RelatedPerson"}
TODAY_TOKEN = re.compile(r"today\(\)\s*(?:([+-])\s*(\d+)\s*days?)?$")


class EhrKey:
    """The client's signing key (ES384 by default, as the CDS Hooks sandbox; RS384 as Epic's default),
    with its `kid` and public JWK Set."""

    ALGORITHMS = ("ES384", "RS384")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, kid: str | None = None) -> None:
        self.private_key = private_key
        self.kid = kid or f"devtools-{uuid.uuid4()}"
        self.alg = "RS384" if isinstance(private_key, rsa.RSAPrivateKey) else "ES384"

    @classmethod
    def generate(cls, alg: str = "ES384") -> EhrKey:
        if alg not in cls.ALGORITHMS:
            raise ValueError(f"alg must be one of {', '.join(cls.ALGORITHMS)}")
        if alg == "RS384":
            return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return cls(ec.generate_private_key(ec.SECP384R1()))

    @classmethod
    def from_pem(cls, path: Path, kid: str | None = None) -> EhrKey:
        data = Path(path).read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise ValueError(f"{path}: not an EC or RSA private key")
        kid_file = Path(str(path) + ".kid")
        if kid is None and kid_file.exists():
            kid = kid_file.read_text(encoding="utf-8").strip()
        return cls(key, kid)

    def write_pem(self, path: Path) -> None:
        """Unencrypted PKCS8 PEM (dev/demo only) plus '<path>.kid'."""
        Path(path).write_bytes(self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        Path(str(path) + ".kid").write_text(self.kid, encoding="utf-8")

    def jwks(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.RSAAlgorithm if self.alg == "RS384" else jwt.algorithms.ECAlgorithm
        jwk = json.loads(algorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return {"keys": [jwk]}

    def write_jwks(self, path: Path) -> Path:
        Path(path).write_text(json.dumps(self.jwks(), indent=2), encoding="utf-8")
        return Path(path)

    def sign(self, *, issuer: str, audience: str, lifetime: int = 300, jku: str | None = None,
             extra: dict[str, Any] | None = None) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
        claims.update(extra or {})
        headers = {"kid": self.kid, "typ": "JWT"}
        if jku:
            headers["jku"] = jku
        return jwt.encode(claims, self.private_key, algorithm=self.alg, headers=headers)


class JwksServer:
    """`with JwksServer(key) as url:` serves the key's JWK Set on 127.0.0.1 (a stdlib thread)."""

    PATH = "/.well-known/jwks.json"

    def __init__(self, *keys: EhrKey, port: int = 0) -> None:
        body = json.dumps({"keys": [k for key in keys for k in key.jwks()["keys"]]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                if self.path.split("?")[0] != JwksServer.PATH:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="jwks", daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{self.PATH}"

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


# --- prefetch --------------------------------------------------------------------------------------

def render_template(template: str, context: dict[str, Any], today: date | None = None) -> str | None:
    """Replace prefetch tokens; None when a token cannot be resolved (the key is then skipped)."""
    unresolved = False

    def value(match: re.Match[str]) -> str:
        nonlocal unresolved
        name = match.group(1)
        if name.startswith("context."):
            v = context.get(name.removeprefix("context."))
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                return str(v)
        elif name in USER_TOKENS:
            kind, _, ident = str(context.get("userId", "")).partition("/")
            if kind == USER_TOKENS[name] and ident:
                return ident
        elif (m := TODAY_TOKEN.match(name)) is not None:  # 3.0-ballot token the sandbox resolves
            d = today or date.today()
            if m.group(1):
                d += timedelta(days=int(m.group(2)) * (1 if m.group(1) == "+" else -1))
            return d.isoformat()
        unresolved = True
        return match.group(0)

    rendered = TOKEN.sub(value, template)
    return None if unresolved else rendered


def with_count(query: str, count: int) -> str:
    """Set (or replace) `_count` on a relative search."""
    parts = urlsplit(query)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "_count"]
    params.append(("_count", str(count)))
    return urlunsplit(parts._replace(query=urlencode(params, safe="|,:/")))


def is_search(query: str) -> bool:
    return "?" in query or "/" not in query.strip("/")


def operation_outcome(text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "exception", "diagnostics": text}]}


class EhrClient:
    """An EHR stand-in: `EhrClient(service_base, fhir_base, issuer, key).patient_view("p1", mode="none")`."""

    def __init__(
        self,
        service_base: str,
        fhir_base: str,
        issuer: str = DEFAULT_ISSUER,
        key: EhrKey | None = None,
        *,
        fhir_token: str | None = None,
        user_id: str = DEFAULT_USER,
        page_size: int = 5,
        timeout: float = 60,
        jku: str | None = None,
        today: date | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.service_base = service_base.rstrip("/")
        self.fhir_base = fhir_base.rstrip("/")
        self.issuer = issuer
        self.key = key or EhrKey.generate()
        self.fhir_token = fhir_token
        self.user_id = user_id
        self.page_size = page_size
        self.timeout = timeout
        self.jku = jku
        self.today = today
        self.http = session or requests.Session()
        self._discovery: dict[str, Any] | None = None
        self.last_responses: dict[str, dict[str, Any]] = {}  # service id -> response of the last hook call
        self.last_requests: dict[str, dict[str, Any]] = {}  # service id -> request body sent

    # --- HTTP to the service ------------------------------------------------------------------
    def _auth(self, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key.sign(issuer=self.issuer, audience=url, jku=self.jku)}"}

    def get_discovery(self) -> requests.Response:
        url = f"{self.service_base}/cds-services"
        return self.http.get(url, headers={"Accept": "application/json", **self._auth(url)}, timeout=self.timeout)

    def discovery(self, refresh: bool = False) -> dict[str, Any]:
        if self._discovery is None or refresh:
            resp = self.get_discovery()
            resp.raise_for_status()
            self._discovery = resp.json()
        return self._discovery

    def services_for(self, hook: str) -> list[dict[str, Any]]:
        return [s for s in self.discovery().get("services", []) if s.get("hook") == hook]

    def post_hook(self, service_id: str, body: dict[str, Any]) -> requests.Response:
        url = f"{self.service_base}/cds-services/{service_id}"
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self._auth(url)}
        return self.http.post(url, data=json.dumps(body), headers=headers, timeout=self.timeout)

    # --- FHIR ---------------------------------------------------------------------------------
    def _fhir_get(self, url: str) -> requests.Response:
        headers = {"Accept": "application/fhir+json"}
        if self.fhir_token:
            headers["Authorization"] = f"Bearer {self.fhir_token}"
        if not url.startswith(("http://", "https://")):
            url = f"{self.fhir_base}/{url.lstrip('/')}"
        return self.http.get(url, headers=headers, timeout=self.timeout)

    def fetch(self, query: str, *, follow: bool) -> dict[str, Any] | None:
        """GET one prefetch query; None if it failed (the key is then omitted, as the sandbox does)."""
        try:
            resp = self._fhir_get(query)
        except requests.RequestException:
            return None
        if resp.status_code != 200:
            return None
        doc = resp.json()
        if not follow or doc.get("resourceType") != "Bundle":
            return doc
        entries = list(doc.get("entry", []))
        nxt = _next_link(doc)
        while nxt:
            page = self._fhir_get(nxt)
            if page.status_code != 200:
                return None
            body = page.json()
            entries.extend(body.get("entry", []))
            nxt = _next_link(body)
        merged = {k: v for k, v in doc.items() if k not in ("link", "entry")}
        merged["link"] = [lnk for lnk in doc.get("link", []) if lnk.get("relation") == "self"]
        if entries:
            merged["entry"] = entries
        if not merged["link"]:
            del merged["link"]
        return merged

    def prefetch(self, service: dict[str, Any], context: dict[str, Any], mode: str = "full",
                 page_size: int | None = None) -> dict[str, Any] | None:
        if mode not in MODES:
            raise ValueError(f"unknown prefetch mode {mode!r}; one of {', '.join(MODES)}")
        if mode == "none":
            return None
        templates = dict(sorted((service.get("prefetch") or {}).items()))
        if mode == "partial":
            templates = {k: v for i, (k, v) in enumerate(templates.items()) if i % 2 == 0}
        out: dict[str, Any] = {}
        for key, template in templates.items():
            query = render_template(template, context, self.today)
            if query is None:
                continue
            if mode == "paginated" and is_search(query):
                query = with_count(query, page_size or self.page_size)
            elif is_search(query) and "_count=" not in query:
                query = with_count(query, FULL_PAGE)  # fewer round trips; the pages are merged anyway
            result = self.fetch(query, follow=mode != "paginated")
            if result is not None:
                out[key] = result
        if mode == "operation-outcome" and out:
            searches = [k for k, t in templates.items() if k in out and is_search(t)]
            victim = (searches or sorted(out))[0]
            out[victim] = operation_outcome(f"devtools: prefetch of '{victim}' failed (simulated)")
        return out

    # --- hooks --------------------------------------------------------------------------------
    def fhir_authorization(self, patient_id: str) -> dict[str, Any] | None:
        if not self.fhir_token:
            return None
        return {"access_token": self.fhir_token, "token_type": "Bearer", "expires_in": 300,
                "scope": PATIENT_SCOPES, "subject": "essdai-cds", "patient": patient_id}

    def request_body(self, service: dict[str, Any], context: dict[str, Any], mode: str,
                     page_size: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"hook": service["hook"], "hookInstance": str(uuid.uuid4()),
                                "fhirServer": self.fhir_base, "context": context}
        auth = self.fhir_authorization(context["patientId"])
        if auth:
            body["fhirAuthorization"] = auth
        prefetch = self.prefetch(service, context, mode, page_size)
        if prefetch:  # CDS Hooks sends no empty objects: no keys means no `prefetch` member
            body["prefetch"] = prefetch
        return body

    def call_hook(self, hook: str, context: dict[str, Any], mode: str = "full", service_id: str | None = None,
                  page_size: int | None = None) -> dict[str, dict[str, Any]]:
        """POST to every service of `hook` (or just `service_id`); service id -> response JSON."""
        services = [s for s in self.services_for(hook) if service_id in (None, s["id"])]
        if not services:
            raise LookupError(f"discovery lists no service for hook {hook!r}"
                              + (f" with id {service_id!r}" if service_id else ""))
        responses: dict[str, dict[str, Any]] = {}
        requests_sent: dict[str, dict[str, Any]] = {}
        for service in services:
            body = self.request_body(service, context, mode, page_size)
            resp = self.post_hook(service["id"], body)
            requests_sent[service["id"]] = body
            if resp.status_code != 200:
                self.last_requests = requests_sent
                raise HookError(service["id"], resp)
            responses[service["id"]] = resp.json()
        self.last_responses, self.last_requests = responses, requests_sent
        return responses

    def _merged(self, responses: dict[str, dict[str, Any]]) -> dict[str, Any]:
        merged: dict[str, Any] = {"cards": [c for r in responses.values() for c in r.get("cards", [])]}
        actions = [a for r in responses.values() for a in r.get("systemActions", [])]
        if actions:
            merged["systemActions"] = actions
        return merged

    def context(self, patient_id: str) -> dict[str, Any]:
        return {"userId": self.user_id, "patientId": patient_id}

    def patient_view(self, patient_id: str, mode: str = "full", service_id: str | None = None,
                     page_size: int | None = None) -> dict[str, Any]:
        return self._merged(self.call_hook("patient-view", self.context(patient_id), mode, service_id, page_size))

    def order_select(self, patient_id: str, draft_orders: dict[str, Any] | None = None, mode: str = "full",
                     service_id: str | None = None) -> dict[str, Any]:
        bundle = as_draft_orders(draft_orders or baricitinib_draft(patient_id, today=self.today))
        ctx = {**self.context(patient_id), "selections": selections(bundle), "draftOrders": bundle}
        return self._merged(self.call_hook("order-select", ctx, mode, service_id))

    def order_sign(self, patient_id: str, draft_orders: dict[str, Any] | None = None, mode: str = "full",
                   service_id: str | None = None) -> dict[str, Any]:
        bundle = as_draft_orders(draft_orders or baricitinib_draft(patient_id, today=self.today))
        ctx = {**self.context(patient_id), "draftOrders": bundle}
        return self._merged(self.call_hook("order-sign", ctx, mode, service_id))

    def feedback(self, service_id: str, card_uuid: str, outcome: str = "overridden", *,
                 override_reason: dict[str, str] | None = None, comment: str | None = None,
                 accepted_suggestions: tuple[str, ...] = ()) -> requests.Response:
        """POST CDS Hooks 2.0 feedback ({"feedback": [...]}) for one card."""
        item: dict[str, Any] = {"card": card_uuid, "outcome": outcome,
                                "outcomeTimestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if outcome == "accepted":
            item["acceptedSuggestions"] = [{"id": s} for s in accepted_suggestions]
        if override_reason or comment:
            reason: dict[str, Any] = {}
            if override_reason:
                reason["reason"] = override_reason
            if comment:
                reason["userComment"] = comment
            item["overrideReason"] = reason
        url = f"{self.service_base}/cds-services/{service_id}/feedback"
        headers = {"Content-Type": "application/json", **self._auth(url)}
        return self.http.post(url, data=json.dumps({"feedback": [item]}), headers=headers, timeout=self.timeout)


class HookError(RuntimeError):
    def __init__(self, service_id: str, response: requests.Response) -> None:
        super().__init__(f"{service_id}: HTTP {response.status_code}: {response.text[:500]}")
        self.service_id = service_id
        self.response = response


def _next_link(bundle: dict[str, Any]) -> str | None:
    return next((lnk.get("url") for lnk in bundle.get("link", []) if lnk.get("relation") == "next"), None)


# --- CLI -------------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--service-url", required=True, help="service base URL (discovery is BASE/cds-services)")
    p.add_argument("--fhir", required=True, help="FHIR server base URL (sent as fhirServer)")
    p.add_argument("--patient", required=True, help="Patient id (context.patientId)")
    p.add_argument("--hook", choices=HOOKS, default="patient-view")
    p.add_argument("--mode", choices=MODES, default="full", help="how prefetch is sent (default full)")
    p.add_argument("--order", type=Path, help="draft order JSON (a request resource or a Bundle); order hooks "
                                              "default to baricitinib 2 mg once daily")
    p.add_argument("--service", help="call only this service id (default: every service of the hook)")
    p.add_argument("--key", type=Path, help="ES384 private key PEM (default: a new key for this call)")
    p.add_argument("--issuer", default=DEFAULT_ISSUER, help=f"JWT iss (default {DEFAULT_ISSUER})")
    p.add_argument("--jwks-out", type=Path, help="write the client's public JWK Set here")
    p.add_argument("--fhir-token", help="bearer token for the FHIR server (also sent as fhirAuthorization)")
    p.add_argument("--user", default=DEFAULT_USER, help=f"context.userId (default {DEFAULT_USER})")
    p.add_argument("--page-size", type=int, default=5, help="_count in paginated mode (default 5)")
    p.add_argument("--feedback", choices=FEEDBACK_OUTCOMES,
                   help="then post CDS Hooks feedback for every card returned (accepted: with all its "
                        "suggestions, a card without any is skipped; overridden: with its first override reason); "
                        "one line per card on stderr")


FEEDBACK_OUTCOMES = ("accepted", "overridden")


def post_feedback(client: EhrClient, outcome: str) -> bool:
    """Feedback for every card of the last hook call, as a clinician acting on each would send it; True if
    every post was stored. One line per card on stderr: service, card uuid, HTTP status, the answer."""
    ok = True
    for service_id, response in client.last_responses.items():
        for card in response.get("cards", []):
            if outcome == "accepted":
                suggestions = tuple(s["uuid"] for s in card.get("suggestions", []) if s.get("uuid"))
                if not suggestions:  # CDS Hooks 2.0: an accepted outcome names the suggestions accepted
                    print(f"feedback {service_id} card {card['uuid']}: not sent (no suggestion to accept)",
                          file=sys.stderr)
                    continue
                resp = client.feedback(service_id, card["uuid"], "accepted", accepted_suggestions=suggestions)
            else:
                reasons = card.get("overrideReasons") or [None]
                resp = client.feedback(service_id, card["uuid"], "overridden", override_reason=reasons[0])
            ok = ok and resp.status_code == 200
            print(f"feedback {service_id} card {card['uuid']}: {outcome} -> HTTP {resp.status_code} "
                  f"{resp.text.strip()[:200]}", file=sys.stderr)
    return ok


def run(args: argparse.Namespace) -> int:
    key = EhrKey.from_pem(args.key) if args.key else EhrKey.generate()
    if args.jwks_out:
        key.write_jwks(args.jwks_out)
    elif not args.key:
        print("essdai-cds call: using a new signing key; the service will only trust it if configured "
              "(use --key, or --jwks-out to export it)", file=sys.stderr)
    client = EhrClient(args.service_url, args.fhir, args.issuer, key, fhir_token=args.fhir_token,
                       user_id=args.user, page_size=args.page_size)
    order = json.loads(args.order.read_text(encoding="utf-8")) if args.order else None
    try:
        if args.hook == "patient-view":
            result = client.patient_view(args.patient, args.mode, args.service)
        elif args.hook == "order-select":
            result = client.order_select(args.patient, order, args.mode, args.service)
        else:
            result = client.order_sign(args.patient, order, args.mode, args.service)
    except HookError as exc:
        print(f"essdai-cds call: {exc}", file=sys.stderr)
        return 1
    except (requests.RequestException, LookupError) as exc:
        print(f"essdai-cds call: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    sys.stdout.flush()
    if args.feedback:
        try:
            return 0 if post_feedback(client, args.feedback) else 1
        except requests.RequestException as exc:
            print(f"essdai-cds call: feedback: {exc}", file=sys.stderr)
            return 1
    return 0
