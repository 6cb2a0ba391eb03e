"""Optional structural check of a resource against the fhir.resources R4B model.

Not run by default: measured on 10,000 lab Observations, validating every used resource costs
far more than reading them (see the numbers in the fhir_mappings report / tests), so `extract`
only validates when asked (`validate=True`). The reading code is tolerant of malformed shapes
anyway: it never raises and reports what it cannot read.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping


@lru_cache(maxsize=None)
def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class  # imported lazily: heavy

    return get_fhir_model_class(resource_type)


def validation_error(resource: Mapping[str, Any]) -> str | None:
    """None when the resource validates, else a one-line description of the first error."""
    rtype = resource.get("resourceType")
    try:
        model = _model(str(rtype))
    except (KeyError, ValueError, LookupError):
        return f"unknown resourceType {rtype!r}"
    try:
        model.model_validate(dict(resource))
    except Exception as err:  # noqa: BLE001 - pydantic ValidationError and friends
        errors = getattr(err, "errors", None)
        if callable(errors):
            try:
                first = errors()[0]
                where = ".".join(str(p) for p in first.get("loc", ()))
                return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
            except Exception:  # noqa: BLE001
                pass
        return str(err).splitlines()[0]
    return None
