"""safety is pure: it imports nothing from the HTTP edge, storage, templating or FHIR models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SAFETY = Path(__file__).resolve().parents[2] / "safety"
FORBIDDEN = {"flask", "requests", "sqlalchemy", "jinja2", "fhir", "cds_service", "cards", "scoring",
             "essdai_devtools", "werkzeug", "urllib", "http", "socket", "sqlite3"}
ALLOWED_PROJECT = {"fhir_mappings", "safety"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(SAFETY.rglob("*.py")), ids=lambda p: str(p.relative_to(SAFETY)))
def test_safety_module_imports_nothing_forbidden(path):
    imported = _imports(path)
    assert {n for n in imported if n.split(".")[0] in FORBIDDEN} == set()
    project = {n for n in imported if n.split(".")[0] in {"fhir_mappings"}}
    assert project <= {"fhir_mappings.facts", "fhir_mappings.code_tables.essdai_codesystem"}


def test_fhir_resources_is_not_imported_by_safety_code():
    offenders = [p for p in SAFETY.rglob("*.py") if "fhir.resources" in p.read_text(encoding="utf-8")]
    assert offenders == []
