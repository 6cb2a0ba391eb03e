"""Reading FHIR input: a Bundle of any type, NDJSON, a single resource, or a JSON array.

`read_input` takes a path, "-" (stdin) or a binary/text file object and returns plain resource
dicts (Bundles are flattened, nested ones too). Transaction bundles that use `urn:uuid:` fullUrls
(carebundle, Synthea) are made readable: a resource without an id gets the uuid as its id, and
the references that the mappings follow (subject, patient, medicationReference, result, ...) are
rewritten from "urn:uuid:..." to "Type/id". Unreadable or non-FHIR input raises `InputError`
(a `ValueError`) with a one-line message.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Union

from fhir_mappings.primitives import local_reference

Source = Union[str, os.PathLike, IO[bytes], IO[str]]

# reference-bearing elements the mappings read; only these are rewritten for urn:uuid fullUrls
REFERENCE_FIELDS = ("subject", "patient", "medicationReference", "result", "hasMember", "derivedFrom", "basedOn",
                    "partOf", "encounter", "focus")
_MAX_DEPTH = 5


class InputError(ValueError):
    """Input that is not readable FHIR JSON (one-line message; `source` names what was read)."""

    def __init__(self, message: str, source: str | None = None) -> None:
        self.source = source
        super().__init__(message)


def read_input(source: Source) -> list[dict[str, Any]]:
    """Every resource in `source`: a path, "-" for stdin, or an open file object."""
    if source == "-":
        name = "stdin"
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
    else:
        name = str(getattr(source, "name", None) or "input")
    try:
        if source == "-":
            data: bytes | str = sys.stdin.buffer.read()
        elif hasattr(source, "read"):
            data = source.read()  # type: ignore[union-attr]
        else:
            data = Path(source).read_bytes()  # type: ignore[arg-type]
    except OSError as err:
        raise InputError(f"cannot read {name}: {err.strerror or err}", str(name)) from None
    return parse_input(data, name=str(name))


def parse_input(data: bytes | str, *, name: str = "input") -> list[dict[str, Any]]:
    """Every resource in FHIR JSON text (a Bundle, a resource, an array) or NDJSON."""
    if isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif isinstance(data, str) and data.startswith("\ufeff"):
        data = data[1:]
    if not data.strip():
        raise InputError(f"{name}: empty input", name)
    try:
        obj = json.loads(data)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text", name) from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply", name) from None
    except ValueError as err:
        if getattr(err, "msg", "") != "Extra data":
            raise InputError(f"{name}: not JSON ({_short(err)})", name) from None
        return _ndjson(data, name)
    return resources_from(obj, name=name)


def _short(err: ValueError) -> str:
    msg = getattr(err, "msg", None)
    line = getattr(err, "lineno", None)
    return f"{msg} at line {line}" if msg and line else str(err).splitlines()[0]


def _ndjson(data: bytes | str, name: str) -> list[dict[str, Any]]:
    lines = data.splitlines()
    objs: list[Any] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            objs.append(json.loads(line))
        except RecursionError:
            raise InputError(f"{name}: line {number} is nested too deeply", name) from None
        except ValueError as err:
            raise InputError(f"{name}: line {number} is not JSON ({getattr(err, 'msg', err)})", name) from None
    for number, obj in enumerate(objs, 1):
        if not isinstance(obj, dict) or not isinstance(obj.get("resourceType"), str):
            raise InputError(f"{name}: NDJSON item {number} is not a FHIR resource (no resourceType)", name)
    return resources_from(objs, name=name)


def resources_from(obj: Any, *, name: str = "input") -> list[dict[str, Any]]:
    """Flatten parsed FHIR JSON (Bundle / resource / list of either) into resources."""
    out: list[dict[str, Any]] = []
    aliases: dict[str, str] = {}
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
                raise InputError(f"{name}: item {i} is not a FHIR resource (no resourceType)", name)
            _collect(item, out, aliases, 0)
    elif isinstance(obj, dict):
        if not isinstance(obj.get("resourceType"), str):
            raise InputError(f"{name}: not a FHIR resource (no resourceType)", name)
        _collect(obj, out, aliases, 0)
    else:
        raise InputError(f"{name}: not a FHIR resource, Bundle or array", name)
    if aliases:
        out = [_rewrite(r, aliases) for r in out]
    return out


def _collect(resource: dict[str, Any], out: list[dict[str, Any]], aliases: dict[str, str], depth: int) -> None:
    if resource.get("resourceType") != "Bundle":
        out.append(resource)
        return
    if depth >= _MAX_DEPTH:
        return
    entries = resource.get("entry")
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        res = entry.get("resource")
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            continue  # request-only or response entries
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url.startswith("urn:"):
            rid = res.get("id")
            if not rid:
                rid = full_url.rsplit(":", 1)[-1]
                res = {**res, "id": rid}
            aliases[full_url] = f"{res['resourceType']}/{rid}"
        if res.get("resourceType") == "Bundle":
            _collect(res, out, aliases, depth + 1)
        else:
            out.append(res)


def _rewrite(resource: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key in REFERENCE_FIELDS:
        value = resource.get(key)
        if isinstance(value, dict):
            new = _rewrite_ref(value, aliases)
            if new is not value:
                changed[key] = new
        elif isinstance(value, list):
            items = [_rewrite_ref(v, aliases) if isinstance(v, dict) else v for v in value]
            if any(a is not b for a, b in zip(items, value)):
                changed[key] = items
    return {**resource, **changed} if changed else resource


def _rewrite_ref(ref: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    target = aliases.get(ref.get("reference"))  # type: ignore[arg-type]
    return {**ref, "reference": target} if target else ref


def patients_in(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """Patient ids present: Patient resources first (in order), then patients only referenced."""
    ids: dict[str, None] = {}
    referenced: dict[str, None] = {}
    for res in resources:
        if not isinstance(res, dict):
            continue
        if res.get("resourceType") == "Patient":
            if isinstance(res.get("id"), str):
                ids[res["id"]] = None
            continue
        subject = res.get("subject") or res.get("patient")
        ref = local_reference(subject.get("reference")) if isinstance(subject, dict) else None
        if ref and ref.startswith("Patient/"):
            referenced[ref[len("Patient/"):]] = None
    for pid in referenced:
        ids.setdefault(pid, None)
    return list(ids)
