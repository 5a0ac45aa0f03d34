"""One rule for JSON objects from outside: a name given twice is refused, naming it, never its value."""

from __future__ import annotations

import json
import re

import pytest

from callrec.jsonfields import GIVEN_TWICE, NAME_CHARS, unique_object_hook


class Twice(Exception):
    pass


HOOK = unique_object_hook(Twice)


def test_objects_with_distinct_names_are_built_as_json_builds_them() -> None:
    text = '{"a": 1, "b": {"c": [1, {"d": null}]}, "A": 2}'
    assert json.loads(text, object_pairs_hook=HOOK) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": 1, "a": 1}', '{"x": {"card": "4111", "card": "4111"}}',
                                  '[{"ok": 1}, {"t": 1, "u": 2, "t": 3}]'])
def test_a_name_given_twice_is_refused_with_the_name_only(text: str) -> None:
    with pytest.raises(Twice) as info:
        json.loads(text, object_pairs_hook=HOOK)
    assert str(info.value) in {"a", "card", "t"} and "4111" not in str(info.value)


def test_a_long_repeated_name_is_cut() -> None:
    name = "n" * 500
    with pytest.raises(Twice) as info:
        json.loads(json.dumps({name: 1})[:-1] + f', "{name}": 2}}', object_pairs_hook=HOOK)
    assert str(info.value) == name[:NAME_CHARS]


def test_the_layers_share_the_wording() -> None:
    from redaction.errors import TranscriptError
    from redaction.transcripts.base import load_json
    from worker.calls.manifest import unique_fields
    from worker.errors import ManifestError

    with pytest.raises(TranscriptError, match=re.escape(f"field 'k' {GIVEN_TWICE}")):
        load_json('{"k": 1, "k": 2}', "aws")
    with pytest.raises(ManifestError, match=re.escape(f"'k': a field {GIVEN_TWICE}")):
        json.loads('{"k": 1, "k": 2}', object_pairs_hook=unique_fields)
