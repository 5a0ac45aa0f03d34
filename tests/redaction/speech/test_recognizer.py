
import numpy as np
import pytest
import soxr

from redaction.errors import RedactionInputError
from redaction.recognizer import Recognizer
from redaction.speech.recognizer import BuiltinRecognizer
from redaction.speech.vocabulary import DIGITS, OTHER

#: What tools/speech/make_fixture.py reads into the fixture: fsdd jackson, a tune speaker the
#: network was trained on (its takes included), so every digit must be heard; how it does on
#: speakers it never met is bench/redaction_speech.py's question, not a unit test's.
SAID = ["four", "zero", "nine", "two"]


@pytest.fixture(scope="module")
def recognizer() -> BuiltinRecognizer:
    return BuiltinRecognizer()


def edit_distance(a: list[str], b: list[str]) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def test_is_a_recognizer(recognizer):
    usable: Recognizer = recognizer  # type-checks against the protocol
    assert (usable.name, usable.version) == ("builtin-digits", "1")


def test_hears_the_tune_speakers_digits(recognizer, audio, blocks):
    words = list(recognizer.recognize(blocks(audio, 4000), 8000))
    heard = [w.text for w in words if w.text != OTHER]
    assert all(w in DIGITS or w == "oh" for w in heard)
    assert edit_distance(heard, SAID) == 0
    # times are ordered, inside the audio, and cover the speech (digits 0.5 .. 2.99 s)
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(words, words[1:]))
    assert 0.3 <= words[0].start_s <= 0.6
    assert 2.8 <= words[-1].end_s <= audio.size / 8000
    assert all(0.0 <= w.confidence <= 1.0 for w in words)


def test_block_size_does_not_change_words(recognizer, audio, blocks):
    a = list(recognizer.recognize(blocks(audio, 333), 8000))
    b = list(recognizer.recognize([audio], 8000))
    assert [(w.text, w.start_s, w.end_s) for w in a] == [(w.text, w.start_s, w.end_s) for w in b]


def test_other_rates_are_resampled(recognizer, audio, blocks):
    wide = soxr.resample(audio, 8000, 16000).astype(np.float32)
    a = [(w.text, round(w.start_s, 1)) for w in recognizer.recognize(blocks(wide, 8192), 16000)]
    b = [(w.text, round(w.start_s, 1)) for w in recognizer.recognize([audio], 8000)]
    assert [t for t, _ in a] == [t for t, _ in b]
    assert all(abs(x - y) <= 0.1 for (_, x), (_, y) in zip(a, b))


def test_silence_and_line_noise_give_no_words(recognizer, blocks):
    rng = np.random.default_rng(1)
    quiet = (rng.standard_normal(8000 * 30) * 1e-3).astype(np.float32)  # -60 dBFS hiss, 30 s
    assert list(recognizer.recognize(blocks(quiet, 8000), 8000)) == []


def test_stereo_blocks_are_refused(recognizer):
    with pytest.raises(RedactionInputError, match="mono"):
        list(recognizer.recognize([np.zeros((100, 2), np.float32)], 8000))


def test_bad_rate_is_refused(recognizer):
    with pytest.raises(RedactionInputError, match="sample rate"):
        list(recognizer.recognize([np.zeros(100, np.float32)], 0))


class ScriptedNetwork:
    """A real stand-in for DigitNetwork: returns the next scripted posteriors per region."""

    def __init__(self, script: list[list[dict[str, float]]]) -> None:
        self.script = list(script)

    def posteriors(self, features: np.ndarray) -> np.ndarray:
        from tests.redaction.speech.test_decoding import posteriors

        frames = self.script.pop(0)
        return posteriors(frames + [{}] * (features.shape[0] // 2 - len(frames)))


def bursts(count: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    parts = []
    for _ in range(count):
        parts += [np.zeros(8000, np.float32), (rng.standard_normal(4000) * 0.1).astype(np.float32)]
    return np.concatenate(parts + [np.zeros(8000, np.float32)])


SURE_DIGITS = [{}, {"four": 0.9}, {}, {"five": 0.9}, {}, {"six": 0.9}, {}]
UNSURE_DIGIT = [{}, {"seven": 0.4}, {}]


def test_after_a_group_of_digits_unsure_digits_count():
    recognizer = BuiltinRecognizer(ScriptedNetwork([SURE_DIGITS, UNSURE_DIGIT]))
    words = list(recognizer.recognize([bursts(2)], 8000))
    assert [w.text for w in words] == ["four", "five", "six", "seven"]


def test_without_digits_before_an_unsure_digit_is_other_speech():
    recognizer = BuiltinRecognizer(ScriptedNetwork([UNSURE_DIGIT, UNSURE_DIGIT]))
    words = list(recognizer.recognize([bursts(2)], 8000))
    assert [w.text for w in words] == [OTHER, OTHER]
