"""The clinician ESSDAI worksheet: a SMART on FHIR web app served by the CDS service under /worksheet.

    init_app(app)                       register the blueprint (idempotent); call from create_app
    card_link(config, fhir_server=..., patient_id=...)   the ESSDAI card's link to the worksheet
    WORKSHEET_CONFIG_KEYS               its configuration keys (ConfigKey, like cds_service.config)

The page shows the 12 ESSDAI domains with their evidence and EULAR level definitions, takes the
findings, whole-domain ratings and ESSPRI items, recomputes with `scoring.assess` on the server, and
saves one validated transaction Bundle with the user's token. See routes.py for the endpoints.
"""

from __future__ import annotations

import logging

from flask import Flask

from cds_service.storage import EXTENSION_KEY as STORAGE_KEY
from cds_service.worksheet.links import card_link
from cds_service.worksheet.routes import EXTENSION_KEY, WorksheetState, bp
from cds_service.worksheet.sealing import Sealer, stored_secret
from cds_service.worksheet.settings import WORKSHEET_CONFIG_KEYS, WorksheetSettings

log = logging.getLogger("essdai_cds.worksheet")


def init_app(app: Flask) -> None:
    """Register the worksheet on `app` (built by `cds_service.app.create_app`); a second call does nothing."""
    if EXTENSION_KEY in app.extensions:
        return
    settings = WorksheetSettings.from_config(app.config)
    secret = settings.secret_key or stored_secret(app.extensions[STORAGE_KEY].engine)
    app.extensions[EXTENSION_KEY] = WorksheetState(settings, Sealer(secret))
    if settings.open_access:
        log.warning("WORKSHEET_OPEN_ACCESS is on: the worksheet opens without sign-in (demo only)")
    app.register_blueprint(bp)


__all__ = ["WORKSHEET_CONFIG_KEYS", "card_link", "init_app"]
