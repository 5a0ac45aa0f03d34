"""Masking by speaker against masking every channel, call by call: which run lost a unit, and where the other masked it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from redaction.config import RedactionConfig
from redaction.spans import Detection, Source
from tools.evalcalls import compare_channels
from tools.evalcalls.calls import EvalCall, Span

R = 8000


def _report(masked, by_channel, spans, rounds=1, added=0):
    return SimpleNamespace(masked=masked, masked_by_channel=by_channel, spans=spans,
                           verification=SimpleNamespace(rounds=rounds, spans_added=added, regions_masked_whole=0))


def _spoken(a, b, channel=None):
    return Detection(a, b, "spoken", "card_number", "recognizer:whisper", 0.9, Source.RECOGNIZER, channel)


def test_units_one_run_loses_name_the_run_and_the_pass_that_masked_them_in_the_other(monkeypatch):
    spans = (Span(10 * R, 12 * R, "card", 8, "caller"),  # masked both ways
             Span(14 * R, 15 * R, "expiry", 4, "caller"),  # "all": its verification masked it; "speaker": nobody
             Span(20 * R, 21 * R, "code", 3, "caller"),  # by speaker on the agent's channel only: lost
             Span(22 * R, 23 * R, "other", 0, "agent"))
    call = EvalCall("en-us", "card", 1, 0, np.zeros(30 * R, np.float32), spans)
    card, late, code = _spoken(9.9, 12.1), _spoken(13.9, 15.1), _spoken(19.9, 21.1)
    every = _report([(9.9, 12.1), (13.9, 15.1), (19.9, 21.1)], None, (card, late, code), rounds=2, added=1)
    agent_code = _spoken(19.9, 21.1, channel=1)
    split = _report([(9.9, 12.1), (19.9, 21.1)], (((9.9, 12.1),), ((9.9, 12.1), (19.9, 21.1))),
                    (_spoken(9.9, 12.1, 0), agent_code))
    runs = iter([(every, [card, code], False), (split, [split.spans[0], agent_code], False)])
    monkeypatch.setattr(compare_channels, "_run", lambda audio, recognizer, config: next(runs))

    out = compare_channels.compare_call(call, recognizer=None, config=RedactionConfig())

    assert out["all"]["masked"] == 15 and out["speaker"]["masked"] == 8
    assert out["verification"] == [{"rounds": 2, "added": 1, "whole": 0}, {"rounds": 1, "added": 0, "whole": 0}]
    assert [(u["kind"], u["lost_by"], u["masked_in"], u["shares"]) for u in out["apart"]] == [
        ("expiry", "speaker", "verification", [1.0, 0.0]), ("code", "speaker", "pass 1", [1.0, 0.0])]
    assert out["apart"][1]["speaker"] == [{"pass": 1, "entity": "card_number", "channel": 1, "start_s": 19.9,
                                        "end_s": 21.1}]
    assert "lost by speaker, masked by the other in verification: expiry 4 digits" in compare_channels.summarise([out])


def test_both_runs_hear_the_call_split_by_speaker_one_masking_every_channel_one_by_speaker(monkeypatch):
    spans = (Span(0, R, "other", 0, "agent"), Span(R, 2 * R, "card", 1, "caller"))
    audio = np.linspace(-0.5, 0.5, 2 * R, dtype=np.float32)
    call = EvalCall("en-us", "card", 1, 0, audio, spans)
    seen = []

    def run(audio, recognizer, config):
        seen.append((audio, config))
        return _report([], None, ()), [], False

    monkeypatch.setattr(compare_channels, "_run", run)
    compare_channels.compare_call(call, recognizer=None, config=RedactionConfig(mask_channels="speaker"))
    (every_audio, every_config), (split_audio, split_config) = seen
    assert split_audio is every_audio and split_audio.shape == (2 * R, 2)
    assert np.array_equal(split_audio.sum(axis=1), audio)
    assert not split_audio[:R, 0].any() and not split_audio[R:, 1].any()  # the agent first, on channel 1
    assert every_config.mask_channels == "all" and split_config.mask_channels == "speaker"


def test_with_an_echo_a_unit_is_masked_only_where_every_channel_masks_it(monkeypatch):
    spans = (Span(10 * R, 12 * R, "card", 8, "caller"),)
    call = EvalCall("en-us", "card", 1, 0, np.zeros(30 * R, np.float32), spans)
    card = _spoken(9.9, 12.1)
    every = _report([(9.9, 12.1)], None, (card,))
    split = _report([(9.9, 12.1)], (((9.9, 12.1),), ()), (_spoken(9.9, 12.1, 0),))  # the echo left unmasked
    for echo_db, lost in ((None, []), (-25.0, [("card", "speaker", [1.0, 0.0])])):
        runs = iter([(every, [card], False), (split, list(split.spans), False)])
        monkeypatch.setattr(compare_channels, "_run", lambda audio, recognizer, config: next(runs))
        out = compare_channels.compare_call(call, recognizer=None, config=RedactionConfig(), echo_db=echo_db)
        assert [(u["kind"], u["lost_by"], u["shares"]) for u in out["apart"]] == lost
        assert out["speaker"]["masked"] == (8 if echo_db is None else 0)
