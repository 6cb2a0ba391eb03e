"""Drop empty members: the CDS Hooks contract (§1.0) forbids null, "", [] and {} anywhere.

The only empty value a response may carry is `"cards": []`, which the caller adds around the cards.
`False` and `0` are values, not emptiness, and are kept.
"""

from __future__ import annotations

from typing import Any


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def clean(obj: Any) -> Any:
    """Return a copy of `obj` with None / "" / [] / {} removed at every depth (tuples become lists).

    A container that only held empty members is itself empty and is removed from its parent.
    """
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            value = clean(value)
            if not _is_empty(value):
                out[key] = value
        return out
    if isinstance(obj, (list, tuple)):
        return [v for v in (clean(item) for item in obj) if not _is_empty(v)]
    return obj
