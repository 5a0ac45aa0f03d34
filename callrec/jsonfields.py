"""JSON objects whose field names all differ, for every layer that reads JSON from outside.

``json`` keeps the last of two equal names, so a field given twice could hide a value (a
manifest's ``recording``, a transcript word's time or text) behind one the reader never
checked. Manifests, API bodies and provider transcripts refuse a repeated name alike, each
with its own error: ``json.loads(text, object_pairs_hook=unique_object_hook(refuse))``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: The end of every message about a repeated name (``refuse`` is given the name only).
GIVEN_TWICE = "given twice in one object (which one counts would be a guess)"
#: Longest part of a repeated name shown in a message (a name is input too).
NAME_CHARS = 40
#: A field name as formats name their fields (``start``, ``speaker_label``, ``alternatives.0``):
#: letters, digits (3 at most), ``_ . -``, no space.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def field_shown(name: str) -> str:
    """A repeated field as a message may name it: ``field 'start'`` when ``name`` has the shape
    of a field name (``_FIELD_NAME``, 3 digits at most), else ``a field (name not shown)``: a
    key holding words or digits is someone's text (a transcript's), not a field's name."""
    if _FIELD_NAME.fullmatch(name) and sum(ch.isdigit() for ch in name) <= 3:
        return f"field {name!r}"
    return "a field (name not shown)"


def unique_object_hook(refuse: Callable[[str], Exception]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An ``object_pairs_hook`` that builds each object, raising ``refuse(name)`` (the name
    cut to NAME_CHARS characters, never a value) at the first name given twice."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in pairs:
            if name in result:
                raise refuse(str(name)[:NAME_CHARS])
            result[name] = value
        return result

    return hook
