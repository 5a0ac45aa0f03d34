"""JSON objects whose field names all differ, for every layer that reads JSON from outside.

``json`` keeps the last of two equal names, so a field given twice could hide a value (a
manifest's ``recording``, a transcript word's time or text) behind one the reader never
checked. Manifests, API bodies and provider transcripts refuse a repeated name alike, each
with its own error: ``json.loads(text, object_pairs_hook=unique_object_hook(refuse))``. They
refuse alike a string holding half a surrogate pair (``holds_lone_surrogate``).
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


#: A JSON escape of half a surrogate pair ("\\ud83d"): json.loads joins a whole pair into one
#: character and keeps a lone half, which no UTF-8 text can hold (writing it out fails).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def holds_lone_surrogate(text: str, document: Any) -> bool:
    """Whether ``document`` (``text`` parsed) holds, in a string or a key, half a surrogate pair.
    A transcript's copy could not be written (``redaction.transcripts``); an API body's URL was a
    500 where Redis took it (session 56). Walked without recursion, and only when ``text`` has
    such an escape."""
    if not _SURROGATE_ESCAPE.search(text):
        return False
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
