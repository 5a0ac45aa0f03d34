"""Evaluation calls: deterministic, cached exactly, and their ground truth lies on the speech."""

from __future__ import annotations

import numpy as np
import pytest

from tools.evalcalls import calls, splits
from tools.evalcalls.calls import make_call
from tools.evalcalls.voices import RATE_HZ, EspeakVoice, espeak_installed

needs_espeak = pytest.mark.skipif(not espeak_installed(), reason="needs Debian's espeak-ng (libespeak-ng.so.1)")
needs_fsdd = pytest.mark.skipif(not any(calls.FSDD_DIR.glob("0_jackson_*.wav")), reason="needs ../shared/data/fsdd-dev")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREC_EVAL_CACHE", str(tmp_path / "cache"))


def _check_spans(call: calls.EvalCall) -> None:
    spans = call.spans
    assert all(0 <= s.start < s.end <= call.audio.size for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:])), "spans overlap or are out of order"


@needs_espeak
def test_a_card_call_is_deterministic_and_its_digits_add_up():
    a = make_call("en-gb-scotland", "card", 3, 1, cache=False)
    b = make_call("en-gb-scotland", "card", 3, 1, cache=False)
    assert np.array_equal(a.audio, b.audio) and a.spans == b.spans
    assert a.audio.dtype == np.float32 and np.abs(a.audio).max() <= 1.0
    _check_spans(a)
    card = sum(s.digits for s in a.spans if s.kind == "card")
    expiry = sum(s.digits for s in a.spans if s.kind == "expiry")
    code = sum(s.digits for s in a.spans if s.kind == "code")
    assert (card, code) in ((16, 3), (15, 4))
    assert 3 <= expiry <= 4
    assert all(s.role == "caller" for s in a.spans if s.sensitive)
    assert all(s.digits == 0 for s in a.spans if not s.sensitive)


@needs_espeak
def test_a_harmless_call_has_numbers_but_nothing_sensitive():
    call = make_call("en-029+f2", "harmless", 1, 0, cache=False)
    _check_spans(call)
    assert not any(s.sensitive for s in call.spans)
    assert any(s.kind == "harmless" for s in call.spans)


@needs_espeak
def test_the_cache_returns_the_call_it_stored():
    fresh = make_call("en-us", "card", 2, 0)
    assert list(calls.cache_dir().rglob("*.npz"))
    cached = make_call("en-us", "card", 2, 0)
    assert np.array_equal(fresh.audio, cached.audio) and fresh.spans == cached.spans


@needs_espeak
def test_sensitive_spans_hold_speech_and_the_pauses_between_turns_do_not():
    call = make_call("en-gb-x-rp+m4", "card", 1, 0, cache=False)
    frame = RATE_HZ // 100

    def level_db(a: int, b: int) -> float:
        x = call.audio[a:b].astype(np.float64)
        return 10 * np.log10(np.mean(x * x) + 1e-20)

    lead_in = level_db(0, min(s.start for s in call.spans) - frame)  # noise only
    for span in call.spans:
        if span.sensitive:
            assert level_db(span.start, span.end) > lead_in + 10.0
            assert 0.08 <= (span.end - span.start) / RATE_HZ <= 1.6


@needs_espeak
def test_connected_speech_spans_match_the_words_said_alone():
    """The word events of one synthesis place each digit where it is said: every span is about
    as long as the same word synthesised on its own."""
    voice = EspeakVoice("en-us", rate_wpm=160, pitch=50)
    rng = np.random.default_rng(0)
    units = ["the number is", "four", "seven", "one,", "double eight", "twenty seven."]
    said = voice.say(units, rng)
    assert len(said.spans) == len(units)
    for unit, (a, b) in zip(units, said.spans):
        alone = voice.say([unit], rng)
        (c, d), = alone.spans
        assert 0.6 <= (b - a) / (d - c) <= 1.6, unit


@needs_espeak
@needs_fsdd
def test_a_human_call_reads_digits_from_the_real_speaker():
    call = make_call("fsdd-jackson", "card", 1, 0, cache=False)
    _check_spans(call)
    sensitive = [s for s in call.spans if s.sensitive]
    assert all(s.digits == 1 for s in sensitive)  # digit by digit: no "twenty seven", no "April"
    assert sum(s.digits for s in sensitive if s.kind == "card") in (15, 16)


def test_unknown_voice_and_kind_are_refused():
    with pytest.raises(ValueError, match="neither"):
        make_call("festival-kal", "card", 1, 0)
    with pytest.raises(ValueError, match="kind"):
        make_call("en-us", "cards", 1, 0)


def test_festival_voices_are_in_no_split():
    for voice in (*splits.TUNE, *splits.HELD_OUT, *sum(splits.CONVERSATION.values(), ())):
        assert "festival" not in voice and "flite" not in voice and "kal" not in voice
    assert not set(splits.TUNE) & set(splits.HELD_OUT)
    assert set(splits.UNSEEN) <= set(splits.HELD_OUT)
    assert not set(splits.CONVERSATION["held-out"]) & set(splits.TUNE)
    assert not set(splits.CONVERSATION["tune"]) & set(splits.HELD_OUT)


def test_mu_law_codes_round_trip_exactly():
    x = np.random.default_rng(0).uniform(-1, 1, 4000).astype(np.float32)
    y = calls.mu_law_decode(calls.mu_law_codes(x))
    assert np.array_equal(calls.mu_law_decode(calls.mu_law_codes(y)), y)
    assert np.max(np.abs(y - x)) < 0.05


@needs_espeak
def test_a_call_in_the_unseen_script_is_another_call_cached_apart():
    dev = make_call("en-us", "card", 2, 0)
    unseen = make_call("en-us", "card", 2, 0, script="unseen")
    assert unseen.name == "en-us/card/seed2/0/unseen" and dev.name == "en-us/card/seed2/0"
    assert unseen.audio.size != dev.audio.size
    _check_spans(unseen)
    assert sorted(p.name for p in calls.cache_dir().rglob("*.npz")) == ["en-us-card-2-0-unseen.npz", "en-us-card-2-0.npz"]
    cached = make_call("en-us", "card", 2, 0, script="unseen")
    assert np.array_equal(cached.audio, unseen.audio) and cached.spans == unseen.spans and cached.script == "unseen"
    with pytest.raises(ValueError, match="script must be one of dev, unseen, alt, alt-us"):
        make_call("en-us", "card", 2, 0, script="festival")


def test_a_noisier_line_puts_the_noise_under_the_callers_speech_the_same_each_time():
    t = np.arange(4 * RATE_HZ) / RATE_HZ
    audio = np.zeros(t.size, np.float32)
    audio[RATE_HZ : 2 * RATE_HZ] = 0.3 * np.sin(2 * np.pi * 500 * t[: RATE_HZ])  # the agent, louder
    audio[3 * RATE_HZ :] = 0.05 * np.sin(2 * np.pi * 700 * t[: RATE_HZ])  # the caller
    spans = (calls.Span(RATE_HZ, 2 * RATE_HZ, "other", 0, "agent"), calls.Span(3 * RATE_HZ, 4 * RATE_HZ, "other", 0, "caller"))
    call = calls.EvalCall("en-us", "card", 1, 0, audio, spans)
    noisy = calls.with_line_noise(call, 10.0)
    assert noisy.spans == call.spans and noisy.audio.size == audio.size and noisy.audio.dtype == np.float32
    assert np.array_equal(noisy.audio, calls.with_line_noise(call, 10.0).audio)
    other = calls.EvalCall("en-us", "card", 2, 0, audio, spans)
    assert not np.array_equal(noisy.audio[: RATE_HZ], calls.with_line_noise(other, 10.0).audio[: RATE_HZ])
    caller_db = 10 * np.log10(np.mean(np.square(audio[3 * RATE_HZ :], dtype=np.float64)))
    quiet_db = 10 * np.log10(np.mean(np.square(noisy.audio[: RATE_HZ], dtype=np.float64)))
    # 10 dB under the caller (not the louder agent), less what the telephone band leaves out of white noise
    assert caller_db - 13.0 < quiet_db < caller_db - 9.5
    with pytest.raises(ValueError, match="number of dB"):
        calls.with_line_noise(call, float("nan"))
    with pytest.raises(ValueError, match="no caller speech"):
        calls.with_line_noise(calls.EvalCall("en-us", "card", 1, 0, audio, spans[:1]), 10.0)


def _spread_db(x: np.ndarray) -> float:
    frames = x[: x.size // 80 * 80].reshape(-1, 80).astype(np.float64)
    energy_db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return float(np.percentile(energy_db, 90) - np.percentile(energy_db, 10))


@needs_espeak
def test_babble_is_tune_voices_saying_filler_behind_the_call_the_same_each_time():
    from tools.evalcalls import babble  # noqa: PLC0415

    assert all(splits.split_of(voice) == "tune" for voice in babble.BABBLE_VOICES)
    source = make_call("en-us", "harmless", babble.BABBLE_SEEDS[0], 0)
    stream = babble._stream("en-us", babble.BABBLE_SEEDS[0])  # noqa: SLF001
    assert stream.size == source.audio.size
    for span in source.spans:  # its harmless numbers and anything else but filler: silent
        assert (span.kind == "other") == bool(np.any(stream[span.start : span.end])), span
    talk = babble.babble(20 * RATE_HZ, np.random.default_rng(1))
    assert talk.size == 20 * RATE_HZ and np.array_equal(talk, babble.babble(20 * RATE_HZ, np.random.default_rng(1)))
    # four talkers come and go: their frames spread far wider than white noise's
    assert _spread_db(talk) > 10.0 > _spread_db(np.random.default_rng(1).standard_normal(20 * RATE_HZ))
    call = make_call("en-us", "card", 2, 0)
    noisy = calls.with_line_noise(call, 10.0, "babble")
    assert np.array_equal(noisy.audio, calls.with_line_noise(call, 10.0, "babble").audio)
    assert not np.array_equal(noisy.audio, calls.with_line_noise(call, 10.0).audio)
    with pytest.raises(ValueError, match="unknown noise kind"):
        calls.with_line_noise(call, 10.0, "traffic")
