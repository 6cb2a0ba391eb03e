"""WSGI entry point with the worksheet (`gunicorn cds_service.worksheet.wsgi:app`): the service's app
(`cds_service.wsgi`) plus `init_app`, a no-op once `create_app` registers the worksheet itself."""

from __future__ import annotations

from cds_service.worksheet import init_app
from cds_service.wsgi import app

init_app(app)
