"""The one-way data flow is a rule of the design: check it on the import graph.

    core (pure, clinical)  fhir_mappings -> scoring / safety -> cards
    pipeline               resources -> facts -> results, validated (imports core only)
    shared infrastructure  configuration, fhir_access, storage (non-clinical; import core, never an edge)
    edges                  cds_service, worksheet, screening: side by side, none importing another
    composition root       essdai_cds: the CLI and the app built from the HTTP edges (imports anything)

scoring/ and safety/ are pure: no I/O libraries, no FHIR models. Nothing below an edge imports an edge
or the composition root; core packages never import the pipeline or the shared infrastructure.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

EDGES = {"cds_service", "worksheet", "screening"}
INFRA = {"configuration", "fhir_access", "storage"}
ABOVE_CORE = EDGES | INFRA | {"pipeline", "essdai_cds", "essdai_devtools"}
IO_LIBS = {"flask", "requests", "sqlalchemy"}

FORBIDDEN = {
    "scoring": IO_LIBS | ABOVE_CORE | {"jinja2", "fhir", "cards", "safety"},
    "safety": IO_LIBS | ABOVE_CORE | {"jinja2", "fhir", "cards", "scoring"},
    "fhir_mappings": IO_LIBS | ABOVE_CORE | {"jinja2", "cards", "scoring", "safety"},
    "cards": IO_LIBS | ABOVE_CORE,
    "pipeline": IO_LIBS | ABOVE_CORE - {"pipeline"},
    **{infra: EDGES | {"essdai_cds", "essdai_devtools"} for infra in INFRA},
    **{edge: (EDGES - {edge}) | {"essdai_cds", "essdai_devtools"} for edge in EDGES},
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
