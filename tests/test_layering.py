"""The one-way data flow is a rule of the design: check it on the import graph.

scoring/ and safety/ are pure: no I/O libraries, no FHIR models, no HTTP edge. fhir_mappings never
imports scoring, safety, cards or the service. cards never imports the service.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "scoring": {"flask", "requests", "sqlalchemy", "jinja2", "fhir", "cds_service", "cards", "safety", "essdai_devtools"},
    "safety": {"flask", "requests", "sqlalchemy", "jinja2", "fhir", "cds_service", "cards", "scoring", "essdai_devtools"},
    "fhir_mappings": {"flask", "requests", "sqlalchemy", "jinja2", "cds_service", "cards", "scoring", "safety", "essdai_devtools"},
    "cards": {"flask", "requests", "sqlalchemy", "cds_service", "essdai_devtools"},
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        str(f.relative_to(ROOT)): sorted(_imported_roots(f) & FORBIDDEN[package]) for f in files
    }
    assert {f: bad for f, bad in offenders.items() if bad} == {}
