"""Composition root: the `essdai-cds` CLI, the WSGI app built from both HTTP edges (cds_service, worksheet)."""
