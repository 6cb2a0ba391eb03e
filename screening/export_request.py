"""What to ask a Bulk Data server for: only the resource types and codes the rules read.

Derived from the one declaration of what a patient's assessment reads, the patient-view prefetch
(`fhir_access.patient_queries.PATIENT_VIEW_PREFETCH`, whose code lists come from the code tables): its
resource types become `_type` (plus `Medication`, joined by reference), and each search that narrows by code
becomes one `_typeFilter` query, the patient and paging parameters removed. Repeated `_typeFilter`
parameters for one type are alternatives (a logical OR, Bulk Data IG 2.0 `$export`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fhir_access.patient_queries import PATIENT_VIEW_PREFETCH

# parameters that only place a patient query in a compartment or page it: not part of a filter
_NOT_FILTERS = {"patient", "subject", "_count", "_sort", "_include", "_revinclude", "_elements", "_summary"}
LEVELS = ("system", "patient", "group")


@dataclass(frozen=True)
class ExportRequest:
    level: str = "system"  # system | patient | group
    group_id: str | None = None
    types: tuple[str, ...] = ()
    type_filters: tuple[str, ...] = ()
    since: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def path(self) -> str:
        if self.level == "group":
            return f"Group/{self.group_id}/$export"
        return "Patient/$export" if self.level == "patient" else "$export"

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = [("_outputFormat", "application/fhir+ndjson")]
        if self.types:
            out.append(("_type", ",".join(self.types)))
        out.extend(("_typeFilter", f) for f in self.type_filters)
        if self.since:
            out.append(("_since", self.since))
        out.extend(self.extra.items())
        return out

    def parameters_resource(self) -> dict[str, Any]:
        """The same request as a FHIR Parameters body, for a POST kick-off."""
        return {"resourceType": "Parameters",
                "parameter": [{"name": k, "valueString": v} for k, v in self.params()]}


def rule_reads(config: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(`_type` list, `_typeFilter` queries) for what the rules read under `config` (codesystem URL etc.)."""
    types: list[str] = []
    filters: list[str] = []
    unfiltered: set[str] = set()
    for key in PATIENT_VIEW_PREFETCH.values():
        template = key.render_template(config)
        rtype, _, query = template.partition("?")
        rtype = rtype.split("/")[0]
        if rtype not in types:
            types.append(rtype)
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in _NOT_FILTERS]
        if kept:
            filters.append(f"{rtype}?{urlencode(kept, safe='|,:/')}")
        else:
            unfiltered.add(rtype)
    # a type read unfiltered by any key needs no filter at all (a filter would only narrow it)
    filters = [f for f in filters if f.split("?")[0] not in unfiltered]
    if "Medication" not in types:
        types.append("Medication")
    return tuple(types), tuple(filters)
