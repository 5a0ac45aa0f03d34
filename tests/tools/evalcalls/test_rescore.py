"""Re-scoring recorded words: per call, with this tree's card logic or the recorded masks."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from tools.evalcalls import rescore

R = 8000


def _record(words: list[tuple[float, float, str]], final_s: list[tuple[float, float]]) -> dict:
    # the agent asks (0-2 s), the caller reads a 16-digit card one digit a 0.4 s (from 3 s), the agent speaks again
    spans = [(0, 2 * R, "other", 0), *[(round((3 + 0.4 * i) * R), round((3.3 + 0.4 * i) * R), "card", 1) for i in range(16)],
             (10 * R, 12 * R, "other", 0)]
    return {"call": "en-us/card/seed1/0", "voice": "en-us", "kind": "card", "seed": 1, "words": words,
            "pauses": [], "spans": spans, "final_s": final_s}


CARD = "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6".split()
WORDS = [(0.0, 0.3, "can"), (0.4, 0.7, "I"), (0.8, 1.1, "take"), (1.2, 1.5, "the"), (1.6, 1.9, "card"),
         (2.0, 2.3, "number?"), *[(3 + 0.4 * i, 3.3 + 0.4 * i, d) for i, d in enumerate(CARD)],
         (10.0, 10.5, "thank"), (10.6, 11.0, "you.")]


def test_per_call_scores_this_trees_masks_and_the_recorded_ones():
    # the card logic masks the card from its first digit to its last (padded); the recorded masks
    # hid only the first eight digits: 8 audible in a row, a leaky card
    r = _record(WORDS, final_s=[(2.9, 6.2)])
    assert rescore.per_call([r]) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]
    assert rescore.per_call([r], recorded=True) == ["en-us/card/seed1/0 digits 8/16 leaky 1 speech masked 0.0/4.0 s"]
    # a mask running on over the agent's first half second after the card: 0.5 s of other speech
    r = _record(WORDS, final_s=[(2.5, 10.5)])
    assert rescore.per_call([r], recorded=True) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.5/4.0 s"]


def test_rescoring_ends_masks_with_the_recorded_speech_regions():
    # Whisper timed the last digit on over the pause (9.0-9.9 s) to the agent's "thank you" (from
    # 10 s); the recognizer's speech regions say the card ended at 9.5 s: the mask ends near there
    words = WORDS[:-3] + [(9.0, 9.9, "6"), (10.0, 10.5, "thank"), (10.6, 11.0, "you.")]
    r = {**_record(words, final_s=[]), "sounds": [], "speech": [(0.0, 2.4), (2.9, 9.5), (10.0, 11.1)]}
    assert rescore.speech_of(r) == [(0.0, 2.4), (2.9, 9.5), (10.0, 11.1)]
    assert rescore.per_call([r]) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]
    unsaid = {**r, "speech": None, "sounds": None}
    assert rescore.per_call([unsaid]) == [
        "en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.2/4.0 s"]  # no regions said: to 9.9 s + 0.25 s padding
    # ... stopped 0.12 s into the pause it ends in (redaction.pauses, as the call's pauses were recorded)
    paused = {**unsaid, "pauses": [(2.4, 2.9), (9.5, 10.0)]}
    assert rescore.pauses_of(paused) == [(2.4, 2.9), (9.5, 10.0)]
    assert rescore.per_call([paused]) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]
    assert rescore.speech_of({**r, "speech": None, "sounds": None}) is None  # its recognizer said neither


def test_an_older_records_speech_regions_are_found_again_in_its_calls_audio(monkeypatch):
    # a record written before diagnose kept them: the gate's regions in the (cached) call, without
    # the quiet each keeps around it; a record whose recognizer said no sounds said no speech either
    rng = np.random.default_rng(0)
    audio = np.full(6 * R, 1e-4, np.float32) * rng.standard_normal(6 * R).astype(np.float32)
    for a, b in ((1.0, 2.0), (4.0, 4.6)):
        audio[round(a * R) : round(b * R)] = 0.1 * rng.standard_normal(round((b - a) * R))
    asked = []
    monkeypatch.setattr(rescore, "make_call", lambda *a, **k: asked.append((a, k)) or SimpleNamespace(audio=audio))
    r = {**_record(WORDS, final_s=[]), "call": "mb-de4-en/card/seed249/0/gen", "sounds": []}
    found = rescore.speech_of(r)
    assert asked == [(("mb-de4-en", "card", 249, 0), {"script": "gen"})]
    assert [(round(a, 1), round(b, 1)) for a, b in found] == [(1.0, 2.0), (4.0, 4.6)]
    assert rescore.speech_of({**r, "sounds": None}) is None
    # ... and its pauses (redaction.pauses), as the engine finds them in what it hears
    del r["pauses"]
    assert [(round(a, 1), round(b, 1)) for a, b in rescore.pauses_of(r)] == [(0.0, 1.0), (2.0, 4.0), (4.6, 6.0)]
    assert rescore.pauses_of({**r, "pauses": [(2.0, 4.0)]}) == [(2.0, 4.0)] and len(asked) == 2


def test_the_command_line_prints_a_line_a_call_for_several_files(tmp_path, capsys, monkeypatch):
    files = []
    for name in ("a.jsonl", "b.jsonl"):
        path = tmp_path / name
        path.write_text(json.dumps(_record(WORDS, final_s=[])) + "\n")
        files.append(str(path))
    monkeypatch.setattr("sys.argv", ["rescore", "--calls", *files])
    assert rescore.main() == 0
    assert capsys.readouterr().out.splitlines() == [
        "a.jsonl en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s",
        "b.jsonl en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]


def _cached_dual_call(monkeypatch) -> None:
    """``_record``'s call as the cache holds it: the agent (0-2 s, 10-12 s) and the caller's card, by speaker."""
    from tools.evalcalls.calls import EvalCall, Span

    spans = (Span(0, 2 * R, "other", 0, "agent"),
             *[Span(round((3 + 0.4 * i) * R), round((3.3 + 0.4 * i) * R), "card", 1, "caller") for i in range(16)],
             Span(10 * R, 12 * R, "other", 0, "agent"))
    audio = np.zeros(13 * R, np.float32)
    for span in spans:
        audio[span.start : span.end] = 0.1 * np.random.default_rng(span.start).standard_normal(span.end - span.start)
    monkeypatch.setattr(rescore, "make_call", lambda *a, **k: EvalCall("en-us", "card", 1, 0, audio, spans))


def test_a_call_made_dual_channel_is_masked_by_speaker(monkeypatch):
    # Whisper timed the card's last digit on over the pause to the agent's "thank you" (9.0-9.9 s);
    # mono, its mask (9.9 s + padding, no pauses recorded) takes the agent's first 0.15 s; dual-channel,
    # the digit is the caller's (the sound under it and half a second before), so only the caller's
    # channel is masked
    _cached_dual_call(monkeypatch)
    words = WORDS[:-3] + [(9.0, 9.9, "6"), (10.0, 10.5, "thank"), (10.6, 11.0, "you.")]
    r = {**_record(words, final_s=[]), "sounds": None}
    assert rescore.per_call([r]) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.2/4.0 s"]
    assert rescore.per_call([r], dual=True) == ["en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]
    call, masks = rescore.dual_masks_of(r)
    assert masks["agent"] == [] and [(round(a, 2), round(b, 2)) for a, b in masks["caller"]] == [(2.7, 10.15)]
    # the caller echoed on the agent's line (-20 dB): the card masked on both channels, as it is heard on both
    _, echoing = rescore.dual_masks_of(r, echo_db=-20.0)
    assert echoing["agent"] == echoing["caller"] == masks["caller"]


def test_a_call_made_dual_channel_masks_the_chains_of_number_sounds_on_both_channels(monkeypatch):
    # Whisper wrote nothing over the card; the network heard a number sound for each digit in the
    # answer to the card ask (``sound_chains.added_chains``): masked as mono masks it, on both channels
    _cached_dual_call(monkeypatch)
    sounds = [(round(3.1 + 0.4 * i, 2), 0.9) for i in range(16)]
    r = {**_record(WORDS[:6], final_s=[]), "sounds": sounds, "speech": None}  # the ask's words only
    assert rescore.per_call([r]) == rescore.per_call([r], dual=True) == [
        "en-us/card/seed1/0 digits 16/16 leaky 0 speech masked 0.0/4.0 s"]
    _, masks = rescore.dual_masks_of(r)
    assert masks["agent"] == masks["caller"] and [(round(a, 2), round(b, 2)) for a, b in masks["caller"]] == [(2.8, 9.35)]
