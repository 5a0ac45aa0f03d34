"""Card data planted where a provider writes text (fuzz.py) is in no string of the document
written back, on every fixture, or the document is refused with a TranscriptError naming none."""

from __future__ import annotations

import json
import random
import zlib
from collections import Counter
from pathlib import Path

import pytest

from redaction import transcripts
from redaction.transcripts.base import WriteBack
from tests.redaction.transcripts import fuzz, test_assemblyai_sentences, test_subtitles, test_twilio, test_whisper_cpp
from tests.redaction.transcripts.conftest import provider_documents

#: Write-backs a document (two plants each); every fixture's together take about 3 s.
TRIALS = 12
#: Added to each fixture's own seed (its name's CRC-32): a new SEED is a new draw of every plant.
SEED = 20261207


def outcomes(path: Path, count: int = TRIALS) -> list[fuzz.Outcome]:
    text = path.read_text(encoding="utf-8")
    return list(fuzz.trials(text, transcripts.recognise(text), SEED + zlib.crc32(path.name.encode()), count))


def outcomes_of(name: str, text: str, fmt: str, count: int = TRIALS) -> list[fuzz.Outcome]:
    return list(fuzz.trials(text, fmt, SEED + zlib.crc32(name.encode()), count))


#: Words of the documents built for the formats without a card-free fixture of their own.
SAID = ["thanks", "for", "calling", "how", "can", "I", "help", "you", "with", "your", "order", "today"]


def built() -> dict[str, tuple[str, str]]:
    """Twilio's (its published response has no times), whisper.cpp's, AssemblyAI's sentences and
    paragraphs and WebVTT's (tags, settings, a comment) documents, by their tests' helpers:
    name -> (text, format)."""
    twilio = test_twilio.timed([(w, 1.0 + 0.4 * k, 1.3 + 0.4 * k) for k, w in enumerate(SAID)], 1.0, 6.0)
    tokens = [test_whisper_cpp.token(" " + w, 400 * k, 400 * k + 300, 1000 + k, 0.9) for k, w in enumerate(SAID)]
    cpp = test_whisper_cpp.document(test_whisper_cpp.segment(0, 5000, tokens))
    half = [(w, 1000 + 400 * k, 1300 + 400 * k) for k, w in enumerate(SAID)]
    sentences = {kind: test_assemblyai_sentences.response(kind, test_assemblyai_sentences.sentence(half[:6]),
                                                          test_assemblyai_sentences.sentence(half[6:], "B"))
                 for kind in ("sentences", "paragraphs")}
    return {"twilio-timed": (json.dumps(twilio), "twilio"), "whisper-cpp-ojf": (json.dumps(cpp), "whisper-cpp"),
            **{f"assemblyai-{kind}": (json.dumps(document), "assemblyai-sentences") for kind, document in sentences.items()},
            "webvtt-tags": (test_subtitles.VTT.replace("4111 1111</i>\n1111 1111.", "on its way</i>\nto you."), "webvtt")}


@pytest.mark.parametrize("path", provider_documents(), ids=lambda path: path.name)
def test_card_data_planted_where_a_provider_writes_text_is_written_back_nowhere(path: Path) -> None:
    found = outcomes(path)
    for outcome in found:  # the failure names where and how, never the digits
        assert not outcome.left, (outcome.how, outcome.where, outcome.plant.kind, outcome.refused is not None)
    assert len(found) >= TRIALS or path.name == "speechmatics-realtime-empty.json"  # it says nothing


@pytest.mark.parametrize("name", sorted(built()))
def test_card_data_planted_in_the_documents_built_for_the_other_formats_is_written_back_nowhere(name: str) -> None:
    text, fmt = built()[name]
    assert transcripts.recognise(text) == fmt
    found = outcomes_of(name, text, fmt)
    assert len(found) >= TRIALS and not any(o.refused for o in found)
    for outcome in found:
        assert not outcome.left, (outcome.how, outcome.where, outcome.plant.kind)


def test_every_kind_of_plant_is_planted_every_way_and_some_documents_are_refused() -> None:
    kinds = Counter((o.plant.kind, o.how) for path in provider_documents() for o in outcomes(path, 2))
    assert {kind for kind, _ in kinds} == {"card", "spoken", "expiry", "code"}
    assert {how for _, how in kinds} >= {"whole", "append", "split"}
    refused = [o for o in outcomes(Path(__file__).parent / "fixtures" / "real" / "twilio-docs-sentences.json", 1)]
    assert [o.refused is not None for o in refused] == [True, True]  # null times: refused whatever it holds


def test_the_fuzzer_finds_a_write_back_that_redacts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcripts, "write_back", lambda transcript: WriteBack(transcript.source))
    found = outcomes(Path(__file__).parent / "fixtures" / "whisper.json", 5)
    assert len(found) == 10 and all(o.left for o in found)


def test_planted_card_numbers_pass_the_luhn_check_and_their_groups_are_the_marks() -> None:
    rng = random.Random(7)
    cards = [fuzz.luhn_card(rng, length) for length in (15, 16) for _ in range(100)]
    assert all(c.isdigit() and fuzz.luhn_valid(c) for c in cards) and {len(c) for c in cards} == {15, 16}
    assert not fuzz.luhn_valid(cards[0][:-1] + str((int(cards[0][-1]) + 1) % 10))
    plants = [fuzz.draw_plant(random.Random(seed), True, []) for seed in range(100)]
    cards = [p for p in plants if p.kind == "card"]
    for plant in cards:  # split: a group a word, the last maybe with punctuation
        assert plant.marks == (*[t.rstrip(",.?") for t in plant.tokens], "".join(plant.marks[:-1]))
        assert fuzz.luhn_valid(plant.marks[-1])
    assert {tuple(map(len, p.marks[:-1])) for p in cards} == {(4, 4, 4, 4), (4, 6, 5)}  # American Express too
    assert fuzz.draw_plant(random.Random(4), True, []).tokens == ("4672", "1106", "8403", "8850,")


@pytest.mark.parametrize(("marks", "texts", "left"), [
    (("4111", "4111111111111111"), ["x 41111111111111112"], ["4111", "4111111111111111"]),
    (("731",), ["code 7310", "1731"], []),
    (("731",), ["code 731."], ["731"]),
    (("12/27",), ["expiry 12/27"], ["12/27"]),
])
def test_a_mark_left_in_a_string_is_a_leak_and_a_short_one_only_as_a_number_of_its_own(
        marks: tuple[str, ...], texts: list[str], left: list[str]) -> None:
    assert fuzz.leaks(fuzz.Plant("card", (), marks), texts) == left


@pytest.mark.parametrize("name", ["assemblyai-go-sdk-subtitles.srt", "webvtt-tags"])
def test_the_fuzzer_plants_in_subtitles_every_way_and_finds_a_write_back_that_redacts_nothing(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(__file__).parent / "fixtures" / "real" / name
    text, fmt = (path.read_text(encoding="utf-8"), "srt") if path.exists() else built()[name]
    hows = {o.how for o in outcomes_of(name, text, fmt, 30)}
    ways = {"whole", "append", "split", "identifier", "settings", "tag"}
    assert hows == (ways | {"comment"} if fmt == "webvtt" else ways)
    monkeypatch.setattr(transcripts, "write_back", lambda transcript: WriteBack(transcript.source))
    found = outcomes_of(name, text, fmt, 5)
    assert len(found) >= 5 and all(o.left for o in found)  # (a plant finds no cue away from another's in 3)
