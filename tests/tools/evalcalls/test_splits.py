"""The held-out split stays out of the tests: no test fixture or test reads a held-out speaker."""

from __future__ import annotations

import re
from pathlib import Path

from tools.evalcalls import splits

TESTS = Path(__file__).resolve().parents[2]
HELD_OUT_SPEAKERS = [v.removeprefix("fsdd-") for v in splits.HELD_OUT if v.startswith("fsdd-")]


def test_there_are_held_out_speakers_to_look_for():
    assert HELD_OUT_SPEAKERS == ["nicolas", "theo"]


def test_no_fixture_is_made_from_a_held_out_speaker():
    for path in TESTS.rglob("*"):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            text = path.read_text(errors="replace") if path.suffix in (".md", ".txt", ".json") else ""
            for speaker in HELD_OUT_SPEAKERS:
                assert speaker not in path.name.lower(), path
                assert not re.search(rf"\bspeaker {speaker}\b|_{speaker}_", text), path


def test_no_test_reads_a_held_out_speaker():
    this = Path(__file__).resolve()
    for path in TESTS.rglob("*.py"):
        if path.resolve() == this:
            continue
        text = path.read_text()
        for speaker in HELD_OUT_SPEAKERS:
            assert not re.search(rf"fsdd-{speaker}\b|_{speaker}_|{speaker}_digits", text), (path, speaker)


def test_strangers_are_tune_voices_whose_calls_only_strangers_speak_in():
    assert set(splits.STRANGERS) <= set(splits.TUNE) and not set(splits.STRANGERS) & set(splits.HELD_OUT)
    assert all(splits.split_of(v) == "tune" for v in splits.STRANGERS)
    assert splits.conversation_of("mb-de4-en") == splits.STRANGERS
    assert splits.conversation_of("en-us+f1") == splits.CONVERSATION["tune"]
    assert splits.conversation_of("mb-us1") == splits.CONVERSATION["held-out"]
    # none of them is one of MBROLA's English voices (held out) or a Festival voice
    assert not any(v.startswith(("mb-us", "mb-en")) or "kal" in v for v in splits.STRANGERS)


def test_the_second_strangers_set_is_apart_from_the_first_and_speaks_only_among_itself():
    assert set(splits.STRANGERS_2) <= set(splits.TUNE) and not set(splits.STRANGERS_2) & set(splits.HELD_OUT)
    assert not set(splits.STRANGERS_2) & set(splits.STRANGERS)
    assert all(splits.conversation_of(v) == splits.STRANGERS_2 for v in splits.STRANGERS_2)
    assert not any(v.startswith(("mb-us", "mb-en")) or "kal" in v for v in splits.STRANGERS_2)
