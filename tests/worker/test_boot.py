"""Backends built once at start: nothing heavy is made before a call needs it."""

import pytest

from worker.calls import recognizers
from worker.boot import build_backends
from worker.errors import UsageError
from worker.settings import Settings


class Ears:
    name, version = "ears", "3"

    def __init__(self):
        self.streams = 0

    def recognize(self, blocks, rate_hz):
        self.streams += 1
        return iter(())


def test_the_recognizer_is_made_when_a_call_first_needs_it(monkeypatch, tmp_path):
    made = []
    monkeypatch.setattr(recognizers, "make_recognizer", lambda settings: made.append(Ears()) or made[-1])
    backends = build_backends(Settings(data_dir=tmp_path))
    assert made == []  # no model loaded at start
    assert (backends.recognizer.name, backends.recognizer.version) == ("ears", "3") and len(made) == 1
    list(backends.recognizer.recognize([], 8000))
    list(backends.recognizer.recognize([], 8000))
    assert len(made) == 3 and [ears.streams for ears in made] == [0, 1, 1]  # one per stream


def test_no_recognizer_and_a_bad_choice_are_known_at_start(tmp_path):
    assert build_backends(Settings(data_dir=tmp_path, recognizer="none")).recognizer is None
    with pytest.raises(UsageError, match="CALLREC_RECOGNIZER 'wav2vec' is not one of"):
        build_backends(Settings(data_dir=tmp_path, recognizer="wav2vec"))


def test_a_backend_handed_in_is_not_built(tmp_path):
    ears = Ears()
    backends = build_backends(Settings(data_dir=tmp_path, recognizer="wav2vec"), recognizer=ears)
    assert backends.recognizer is ears
    with pytest.raises(TypeError, match="no backend named 'transport'"):
        build_backends(Settings(data_dir=tmp_path), transport=object())
