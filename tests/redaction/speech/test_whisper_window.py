"""One Whisper window to timed words: speech Whisper skipped (a long gap between its words, or a
word it stretched over it) is decoded again on its own."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from redaction.numbers import digits_said
from redaction.speech.whisper_window import RATE_HZ, UNHEARD_S, FasterWhisperWindows

WINDOW_S = 20.0


class ScriptedModel:
    """faster-whisper's stand-in: what it says depends on how many samples it is given."""

    def __init__(self, by_size: dict[int, list[tuple[float, float, str]]]) -> None:
        self.by_size = by_size
        self.sizes: list[int] = []
        self.kwargs: dict = {}  # the last call's options

    def transcribe(self, audio: np.ndarray, **kwargs):
        self.sizes.append(audio.size)
        self.kwargs = kwargs
        words = [SimpleNamespace(start=a, end=b, word=" " + text, probability=0.9)
                 for a, b, text in self.by_size.get(audio.size, [])]
        return [SimpleNamespace(words=words)], None


def window(*speech_s: tuple[float, float]) -> np.ndarray:
    """``WINDOW_S`` of a quiet line with loud noise (speech, to the energy test) over ``speech_s``."""
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1e-3, round(WINDOW_S * RATE_HZ)).astype(np.float32)
    for a, b in speech_s:
        x[round(a * RATE_HZ) : round(b * RATE_HZ)] = rng.normal(0.0, 0.1, round(b * RATE_HZ) - round(a * RATE_HZ))
    return x


def samples(a_s: float, b_s: float) -> int:
    return round(b_s * RATE_HZ) - round(a_s * RATE_HZ)


def said(words) -> list[tuple[float, float, str]]:
    return [(round(w.start_s, 3), round(w.end_s, 3), w.text) for w in words]


def test_a_word_stretched_over_skipped_speech_gives_way_to_its_span_heard_again() -> None:
    # "much," runs 8.2 s over an expiry date and a code: heard again from 1 s before it to 1 s
    # after, the words whose middle lies within its span stand in for it, on the window's clock
    audio = window((1.0, 2.0), (3.5, 5.0), (10.0, 10.3))
    first = [(1.0, 1.4, "thank"), (1.4, 1.6, "you"), (1.6, 9.8, "much,"), (10.0, 10.3, "bye")]
    again = [(0.2, 0.6, "you"), (1.0, 1.3, "much,"), (3.0, 3.3, "four"), (4.0, 4.3, "two"), (9.5, 9.8, "bye")]
    model = ScriptedModel({audio.size: first, samples(0.6, 10.8): again})
    windows = FasterWhisperWindows(model)
    assert said(windows.words(audio)) == [
        (1.0, 1.4, "thank"), (1.4, 1.6, "you"), (1.6, 1.9, "much,"), (3.6, 3.9, "four"), (4.6, 4.9, "two"),
        (10.0, 10.3, "bye"),
    ]
    assert model.sizes == [audio.size, samples(0.6, 10.8)]
    windows.words(audio.copy())  # remembered with what was heard again
    assert len(model.sizes) == 2


def test_speech_in_a_long_gap_between_words_is_heard_again() -> None:
    audio = window((1.0, 2.0), (4.0, 6.0), (12.0, 12.5))
    first = [(1.0, 1.4, "what"), (1.4, 2.0, "date?"), (12.0, 12.5, "lovely")]
    again = [(0.5, 1.0, "date?"), (3.0, 3.5, "oh"), (3.5, 4.0, "four"), (11.0, 11.5, "lovely")]
    model = ScriptedModel({audio.size: first, samples(1.0, 13.0): again})
    assert said(FasterWhisperWindows(model).words(audio)) == [
        (1.0, 1.4, "what"), (1.4, 2.0, "date?"), (4.0, 4.5, "oh"), (4.5, 5.0, "four"), (12.0, 12.5, "lovely"),
    ]
    assert model.sizes == [audio.size, samples(1.0, 13.0)]


def test_a_decoding_loop_is_dropped_and_the_speech_under_it_heard_again() -> None:
    # "-9" written 16 times over 10 s of an expiry date and a code: dropped as a loop
    # (loops.without_loops), the speech under it is a gap like any other
    audio = window((1.0, 1.4), (4.0, 6.0), (12.5, 13.0))
    loop = [(2.0 + 0.6 * k, 2.5 + 0.6 * k, "-9") for k in range(16)]
    first = [(1.0, 1.4, "card"), *loop, (12.5, 13.0, "bye")]
    again = [(3.0, 3.5, "oh"), (3.5, 4.0, "four"), (4.0, 4.5, "-9"), (4.5, 5.0, "-9"), (4.5, 5.0, "-9"), (4.5, 5.0, "-9"),
             (4.5, 5.0, "-9")]
    model = ScriptedModel({audio.size: first, samples(0.4, 13.5): again})
    assert said(FasterWhisperWindows(model).words(audio)) == [
        (1.0, 1.4, "card"), (3.4, 3.9, "oh"), (3.9, 4.4, "four"), (12.5, 13.0, "bye")]
    assert model.sizes == [audio.size, samples(0.4, 13.5)]


def test_a_decoding_loop_is_dropped_but_four_equal_digits_are_kept() -> None:
    audio = window()
    loop = [(1.0 + 0.1 * k, 1.1 + 0.1 * k, "0,") for k in range(12)]
    kept = [(3.0 + 0.2 * k, 3.1 + 0.2 * k, "5,") for k in range(4)]
    model = ScriptedModel({audio.size: [(0.5, 0.9, "on"), *loop, (2.5, 2.9, "and"), *kept, (4.0, 4.2, "bye")]})
    assert [w.text for w in FasterWhisperWindows(model).words(audio)] == ["on", "and", "5,", "5,", "5,", "5,", "bye"]


def test_the_windows_edges_count_as_words_and_what_is_heard_again_stays_in_the_window() -> None:
    audio = window((0.5, 1.5), (5.0, 6.0), (14.0, 19.0))
    first = [(5.0, 6.0, "hello")]
    model = ScriptedModel({
        audio.size: first,
        samples(0.0, 6.0): [(0.5, 1.0, "yes"), (5.0, 6.0, "hello")],
        samples(5.0, 20.0): [(0.0, 1.0, "hello"), (9.0, 9.5, "bye")],
    })
    assert said(FasterWhisperWindows(model).words(audio)) == [(0.5, 1.0, "yes"), (5.0, 6.0, "hello"),
                                                              (14.0, 14.5, "bye")]
    assert model.sizes == [audio.size, samples(0.0, 6.0), samples(5.0, 20.0)]


def test_silence_and_the_whole_window_are_not_heard_again() -> None:
    # a pause, or a word Whisper stretched over one, would be heard the same way; so would
    # the whole window
    audio = window((1.0, 1.5), (3.5, 3.9), (12.0, 14.0))
    first = [(1.0, 1.5, "been"), (1.5, 1.5 + UNHEARD_S + 0.1, "waiting"), (12.0, 12.0 + UNHEARD_S, "right")]
    model = ScriptedModel({audio.size: first})
    assert said(FasterWhisperWindows(model).words(audio)) == first
    assert model.sizes == [audio.size]
    whole = ScriptedModel({audio.size: [(0.5, 19.5, "you")]})
    assert said(FasterWhisperWindows(whole).words(window((0.0, WINDOW_S)))) == [(0.5, 19.5, "you")]
    assert len(whole.sizes) == 1


def test_a_stretched_word_heard_again_alone_keeps_its_first_times() -> None:
    audio = window((1.0, 4.0), (4.0, 4.5))
    first = [(1.0, 4.0, "been"), (4.0, 4.5, "waiting")]
    model = ScriptedModel({audio.size: first, samples(0.0, 5.0): [(1.0, 1.4, "been"), (4.0, 4.5, "waiting")]})
    assert said(FasterWhisperWindows(model).words(audio)) == first
    assert len(model.sizes) == 2


def test_number_words_and_words_no_longer_than_the_limit_are_not_heard_again() -> None:
    # a digit string's token timed long is the timing rules' to place (timing.py)
    audio = window((1.0, 13.0))
    first = [(1.0, 1.0 + UNHEARD_S, "right"), (3.0, 9.0, "4532"), (9.0, 13.0, "twenty,")]
    model = ScriptedModel({audio.size: first})
    assert said(FasterWhisperWindows(model).words(audio)) == first
    assert model.sizes == [audio.size]


def test_no_window_is_skipped_for_whispers_no_speech_probability() -> None:
    # with its log-probability test off, faster-whisper's no-speech test alone would
    # skip 30 s of speech, however sure the words decoded there (the whole-window test below)
    model = ScriptedModel({})
    FasterWhisperWindows(model).words(np.zeros(RATE_HZ, np.float32))
    assert model.kwargs["log_prob_threshold"] is None and model.kwargs["no_speech_threshold"] is None


def test_a_whole_window_of_an_expiry_date_and_a_code_is_heard(whisper_model) -> None:
    # a tune call (fsdd-jackson+high, seed 107): from the card's end on, 30 s holding the expiry
    # date and the code, which faster-whisper's no-speech test skipped whole (no word in it: 7
    # digits audible; cards 1.34's session)
    from scipy.signal import resample_poly

    from tools.evalcalls import calls
    from tools.evalcalls.voices import espeak_installed

    if not espeak_installed() or not any(calls.FSDD_DIR.glob("0_jackson_*.wav")):
        pytest.skip("needs Debian's espeak-ng and ../shared/data/fsdd-dev to make the call")
    call = calls.make_call("fsdd-jackson+high", "card", 107, 0, cache=False)
    x = resample_poly(call.audio, 2, 1).astype(np.float32)[22 * RATE_HZ : 52 * RATE_HZ]
    skipped = FasterWhisperWindows(whisper_model, no_speech_threshold=0.6).words(x)
    digits = "".join(digits_said(w.text) for w in FasterWhisperWindows(whisper_model).words(x))
    # (6-7 digits as a rule; once, on a loaded machine, 5: MKL's float kernels may add in another
    # order, and a beam search then part another way)
    assert skipped == [] and len(digits) >= 4


def test_after_a_restart_a_sampled_window_is_heard_as_in_a_fresh_process(whisper_model, audio) -> None:
    # CTranslate2 seeds its decoding thread's generator at the thread's first draw only: without
    # a restart, what a fallback decode samples depends on every decode the process made before
    from scipy.signal import resample_poly

    x = resample_poly(audio, 2, 1).astype(np.float32)  # the four digits, at Whisper's 16 kHz

    def sampled() -> FasterWhisperWindows:
        return FasterWhisperWindows(whisper_model, temperature=[1.5])  # each decode samples; no cache shared

    whisper_model.restart_sampling()
    first = sampled().words(x)
    later = sampled().words(x)  # the same window, the generator moved on
    restarted = sampled()
    restarted.restart()
    assert later != first and restarted.words(x) == first


def test_a_decoder_that_drew_is_replaced_at_the_next_passs_first_draw_not_its_start(
        whisper_model, audio, monkeypatch: pytest.MonkeyPatch) -> None:
    # a pass that draws nothing (no fallback decode: most passes) loads no model; one that draws
    # samples as in a fresh process, whatever the stale decoder decoded before its first draw
    import ctranslate2
    from scipy.signal import resample_poly

    x = resample_poly(audio, 2, 1).astype(np.float32)
    loads: list[str] = []
    real = ctranslate2.models.Whisper

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        loads.append(args[0])
        return real(*args, **kwargs)

    def sampled() -> FasterWhisperWindows:
        return FasterWhisperWindows(whisper_model, temperature=[1.5])  # each decode samples; no cache shared

    monkeypatch.setattr(ctranslate2.models, "Whisper", counted)
    whisper_model.restart_sampling()
    fresh = sampled().words(x)  # the first draw after a restart
    before = len(loads)
    windows = FasterWhisperWindows(whisper_model)
    windows.restart()  # the decoder drew in the pass before
    assert windows.words(x) and len(loads) == before  # a beam search: the decoder that drew serves it
    windows.restart()
    assert len(loads) == before
    assert sampled().words(x) == fresh and len(loads) == before + 1  # its first draw: one load, seeded afresh
