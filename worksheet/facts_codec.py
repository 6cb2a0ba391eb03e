"""PatientFacts <-> plain JSON, so a page can carry the facts it was built from (sealed, see `sealing`)
and a live recompute does not read the FHIR server again.

Generic over the frozen dataclasses of `fhir_mappings.facts`: fields are read from the dataclass
definitions and their type hints, so a field added there is carried without a change here.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from functools import lru_cache
from typing import Any

from fhir_mappings import facts as facts_module
from fhir_mappings.facts import PatientFacts


class CodecError(ValueError):
    """The JSON does not describe PatientFacts (a bug, or a page from another version)."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass -> its carried fields (init, not private)


def _fields_of(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))
    return names


def encode(value: Any) -> Any:
    # every page seals its facts (a 5-year history is ~2,000 values): scalars first, field names looked up once
    cls = type(value)
    if cls in _SCALARS:
        return value
    if cls in (tuple, list):
        return [encode(v) for v in value]
    if hasattr(cls, "__dataclass_fields__"):
        return {name: encode(getattr(value, name)) for name in _fields_of(cls)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list, frozenset, set)):
        items = [encode(v) for v in value]
        return sorted(items) if isinstance(value, (frozenset, set)) else items
    return value


def encode_facts(facts: PatientFacts) -> dict[str, Any]:
    return encode(facts)


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(facts_module))


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        for option in options:  # date | None, str | None, float | None ...
            if option is date and isinstance(value, str):
                return date.fromisoformat(value)
        return value
    if hint is date:
        return date.fromisoformat(value)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_decode(item, v) for v in value)
    if origin is frozenset:
        return frozenset(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return decode(hint, value)
    return value


def decode(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise CodecError(f"{cls.__name__}: expected an object")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_") or f.name not in data:
            continue
        kwargs[f.name] = _decode(hints[f.name], data[f.name])
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise CodecError(f"{cls.__name__}: {exc}") from None


def decode_facts(data: Any) -> PatientFacts:
    try:
        return decode(PatientFacts, data)
    except (KeyError, IndexError, AttributeError) as exc:
        raise CodecError(f"PatientFacts: {type(exc).__name__}") from None
