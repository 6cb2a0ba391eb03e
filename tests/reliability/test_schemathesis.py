"""schemathesis against /openapi.json, in-process (WSGI), positive and negative data, bounded examples.

Checks: no 5xx, every status / content type / header / body is the one the description declares, and
data that breaks the request schema is refused with a 4xx. Auth is ON, as in production: every case
gets a freshly signed client JWT for its exact path (`aud`, new `jti`), so bodies reach the parsers;
cases schemathesis sends without the header must get the described 401.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from reliability_helpers import AS_OF, FHIR
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cds_service import openapi
from essdai_cds.app import create_app
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey

MAX_EXAMPLES = 40  # per operation and mode; the whole file stays well under the suite's 90 s
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]

BASE = "https://cds.example.org"
_DIR = tempfile.TemporaryDirectory(prefix="essdai-schemathesis-")
KEY = EhrKey.generate()
APP = create_app({"AUTH_ENABLED": True, "PUBLIC_BASE_URL": BASE,
                  "TRUSTED_ISSUERS": [{"iss": DEFAULT_ISSUER,
                                       "jwks_file": str(KEY.write_jwks(Path(_DIR.name) / "jwks.json"))}],
                  "DATABASE_URL": f"sqlite:///{Path(_DIR.name) / 'cds.db'}", "FHIR_ALLOWLIST": [FHIR],
                  "ASSESSMENT_DATE": AS_OF.isoformat(), "LOG_LEVEL": "WARNING"})
openapi.init_app(APP)  # no-op once create_app wires it

schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=MAX_EXAMPLES, deterministic=True)


@schema.auth()
class ClientJwt:
    """A fresh ES384 client JWT per case, `aud` = the public base URL + the case's path."""

    def get(self, case, ctx):  # noqa: ANN001, ANN201 (schemathesis protocol)
        return KEY

    def set(self, case, data, ctx):  # noqa: ANN001, ANN201
        token = data.sign(issuer=DEFAULT_ISSUER, audience=BASE + case.formatted_path)
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case):
    case.call_and_validate(checks=CHECKS)
