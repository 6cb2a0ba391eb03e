"""The ESSDAI card's link to the worksheet (CDS Hooks Link: label, url, type).

- SMART (default): `type: "smart"`, url = WORKSHEET_URL (the launch URL, `<base>/worksheet/launch`);
  the EHR adds `iss` and `launch` when it launches it. `appContext` names the card's patient; an EHR
  that returns it in the token response lets the worksheet refuse a launch for another patient.
- Demo (WORKSHEET_OPEN_ACCESS, an open FHIR server): `type: "absolute"`, url =
  `<base>/worksheet/open?iss=<fhirServer>&patient=<id>`. It names the patient and the server and
  carries no secret (no token, no credential).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urljoin

from configuration.worksheet import WorksheetSettings

LABEL = "Open the ESSDAI worksheet"


def card_link(config: Mapping[str, Any], *, fhir_server: str | None, patient_id: str,
              environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The link for one patient-view call, or None when no worksheet URL is configured."""
    url = config.get("WORKSHEET_URL")
    if not url:
        return None
    if WorksheetSettings.from_config(config, environ).open_access:
        if not fhir_server:
            return None
        query = urlencode({"iss": fhir_server, "patient": patient_id})
        return {"label": LABEL, "url": f"{urljoin(url.rstrip('/') + '/', '../open')}?{query}", "type": "absolute"}
    return {"label": LABEL, "url": url, "type": "smart", "appContext": json.dumps({"patient": patient_id})}
