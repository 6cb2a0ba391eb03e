"""Measurement's hand-written __init__ (fhir_mappings.facts) must stay the dataclass it replaces."""

import dataclasses
import inspect
from datetime import date

import pytest

from fhir_mappings.facts import Measurement


def test_init_parameters_are_the_fields_with_their_defaults():
    params = list(inspect.signature(Measurement.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Measurement)
    assert [(p.name, p.default) for p in params] == [
        (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default) for f in fields
    ]


def test_measurement_is_frozen_comparable_hashable_and_replaceable():
    m = Measurement("lymphocytes", date(2026, 5, 1), "Observation/l1", "http://loinc.org|731-0", "Lymphocytes",
                    value=0.4, unit="10*9/L")
    assert m == Measurement(analyte="lymphocytes", date=date(2026, 5, 1), reference="Observation/l1",
                            code="http://loinc.org|731-0", display="Lymphocytes", value=0.4, unit="10*9/L")
    assert hash(m) == hash(dataclasses.replace(m))
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.value = 1.0  # type: ignore[misc]
    changed = dataclasses.replace(m, value=0.9, derived="x")
    assert (changed.value, changed.derived, changed.unit, m.value) == (0.9, "x", "10*9/L", 0.4)
