"""Drop empty members: the CDS Hooks contract (§1.0) forbids null, "", [] and {} anywhere.

The only empty value a response may carry is `"cards": []`, which the caller adds around the cards.
`False` and `0` are values, not emptiness, and are kept.
"""

from __future__ import annotations

from typing import Any


_CONTAINERS = (dict, list, tuple)


def clean(obj: Any) -> Any:
    """Return a copy of `obj` with None / "" / [] / {} removed at every depth (tuples become lists).

    A container that only held empty members is itself empty and is removed from its parent.
    Runs on every card of every call, so one pass with inline tests (no helper call per member).
    """
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if isinstance(value, _CONTAINERS):
                value = clean(value)
                if not value:
                    continue
            elif value is None or (isinstance(value, str) and not value):
                continue
            out[key] = value
        return out
    if isinstance(obj, (list, tuple)):
        items: list[Any] = []
        for value in obj:
            if isinstance(value, _CONTAINERS):
                value = clean(value)
                if not value:
                    continue
            elif value is None or (isinstance(value, str) and not value):
                continue
            items.append(value)
        return items
    return obj
