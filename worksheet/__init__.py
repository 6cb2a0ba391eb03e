"""The clinician ESSDAI worksheet: a SMART on FHIR web app, an edge of its own, served under /worksheet
of the app `essdai_cds.app.create_app` composes.

    init_app(app)                       register the blueprint (idempotent); called by create_app

Its configuration keys and the ESSDAI card's link to it live below the edges (configuration.worksheet,
configuration.worksheet_link): the CDS service builds the link without importing the worksheet.

The page shows the 12 ESSDAI domains with their evidence and EULAR level definitions, takes the
findings, whole-domain ratings and ESSPRI items, recomputes with `scoring.assess` on the server, and
saves one validated transaction Bundle with the user's token. See routes.py for the endpoints.
"""

from __future__ import annotations

import logging

from flask import Flask

from storage import EXTENSION_KEY as STORAGE_KEY
from worksheet.routes import EXTENSION_KEY, WorksheetState, bp
from worksheet.sealing import stored_secret
from configuration.worksheet import WorksheetSettings

log = logging.getLogger("essdai_cds.worksheet")


def init_app(app: Flask) -> None:
    """Register the worksheet on `app` (built by `essdai_cds.app.create_app`); a second call does nothing."""
    if EXTENSION_KEY in app.extensions:
        return
    settings = WorksheetSettings.from_config(app.config)
    storage = app.extensions[STORAGE_KEY]
    configured = settings.secret_key

    def from_database() -> str:
        storage.usable()  # opened, and its SQLite file not deleted: create_tables would make a new one
        secret = stored_secret(storage.engine)
        storage.usable()  # a key read from, or written to, a file deleted meanwhile is not kept
        return secret

    app.extensions[EXTENSION_KEY] = WorksheetState(settings, (lambda: configured) if configured else from_database)
    if settings.open_access:
        log.warning("WORKSHEET_OPEN_ACCESS is on: the worksheet opens without sign-in (demo only)")
    app.register_blueprint(bp)


def open_key(app: Flask) -> None:
    """Read (or create, in the service database) the sealing key now instead of on first use."""
    app.extensions[EXTENSION_KEY].sealer  # noqa: B018 - the property reads or creates the key


__all__ = ["init_app", "open_key"]
