"""Backends built once at start: nothing heavy is made before a call needs it."""

import pytest

from tests import malloc_arenas
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


class EarsAgain(Ears):
    """Ears that can also hear a masked output again (``recognizer.Relistening``)."""

    def __init__(self):
        super().__init__()
        self.again: list[tuple[tuple[float, float], ...]] = []

    def recognize_again(self, blocks, rate_hz, masked_s):
        self.again.append(tuple(masked_s))
        return iter(())


def test_verification_reaches_the_made_recognizers_recognize_again(monkeypatch, tmp_path):
    """The engine finds recognize_again on the on-demand wrapper and it reaches Whisper's (before:
    the wrapper had none, and the pipeline's verification heard the whole masked output again)."""
    made = []
    monkeypatch.setattr(recognizers, "make_recognizer", lambda settings: made.append(EarsAgain()) or made[-1])
    recognizer = build_backends(Settings(data_dir=tmp_path)).recognizer
    assert list(recognizer.recognize_again(iter([]), 8000, [(1.0, 2.5), (4.0, 4.5)])) == []
    assert [(ears.streams, ears.again) for ears in made] == [(0, [((1.0, 2.5), (4.0, 4.5))])]


def test_a_made_recognizer_without_recognize_again_hears_the_output_whole(monkeypatch, tmp_path):
    made = []
    monkeypatch.setattr(recognizers, "make_recognizer", lambda settings: made.append(Ears()) or made[-1])
    recognizer = build_backends(Settings(data_dir=tmp_path)).recognizer
    assert list(recognizer.recognize_again(iter([]), 8000, [(1.0, 2.5)])) == []
    assert [ears.streams for ears in made] == [1]  # a fresh one, through recognize


def test_the_engine_verifies_through_the_wrapper_with_recognize_again(monkeypatch, tmp_path):
    """redact_array with the built backends' recognizer: pass 1 through recognize, verification
    of the masked output through recognize_again with exactly the masks it wrote."""
    import numpy as np

    from redaction.engine import redact_array
    from redaction.words import TimedWord

    class Card(EarsAgain):
        def recognize(self, blocks, rate_hz):
            for _ in blocks:
                pass
            return iter([TimedWord(1.0 + 0.4 * k, 1.3 + 0.4 * k, "four") for k in range(16)])

    made = []
    monkeypatch.setattr(recognizers, "make_recognizer", lambda settings: made.append(Card()) or made[-1])
    recognizer = build_backends(Settings(data_dir=tmp_path)).recognizer
    _, report = redact_array(np.zeros(12 * 8000, np.float32), 8000, recognizer=recognizer)
    assert report.verified and len(report.masked) == 1
    assert [ears.again for ears in made if ears.again] == [[report.masked]]


class EarsSounding(Ears):
    """Ears that also say where they heard number sounds (``recognizer.Sounding``)."""

    def recognize_sounding(self, blocks, rate_hz, sounds, speech=None):
        sounds.extend([(1.25, 0.5), (2.5, 0.25)])
        if speech is not None:
            speech.append((1.0, 3.0))
        return iter(())


def test_pass_1_reaches_the_made_recognizers_number_sounds_when_it_has_them(monkeypatch, tmp_path):
    """The engine finds recognize_sounding on the on-demand wrapper (without it, the worker's
    masks never kept to the sounds Whisper's gate heard); a made recognizer without it hears
    through recognize and says no sounds."""
    for kind, sounds, streams in ((EarsSounding, [(1.25, 0.5), (2.5, 0.25)], 0), (Ears, [], 1)):
        made = []
        monkeypatch.setattr(recognizers, "make_recognizer", lambda settings: made.append(kind()) or made[-1])
        heard: list[tuple[float, float]] = []
        speech: list[tuple[float, float]] = []
        recognizer = build_backends(Settings(data_dir=tmp_path)).recognizer
        assert list(recognizer.recognize_sounding(iter([]), 8000, heard, speech)) == []
        assert heard == sounds and [ears.streams for ears in made] == [streams]
        assert speech == ([(1.0, 3.0)] if sounds else [])  # its speech regions reach the engine too


#: Builds the backends, then counts glibc's malloc arenas before and after a thread that allocates
#: (numpy: malloc).
_ARENAS_PROBE = """
import sys, threading
from pathlib import Path
import numpy as np
from worker.boot import build_backends
from worker.settings import Settings

build_backends(Settings(data_dir=Path(sys.argv[1]), recognizer="none"))
before = arenas()
thread = threading.Thread(target=lambda: [np.ones(1000).sum() for _ in range(100)])
thread.start()
thread.join()
print(before, arenas())
"""


def test_the_process_allocates_from_one_malloc_arena(tmp_path):
    # a thread's own arena kept what it freed: the lookahead's threads cost the ordinary
    # 6-minute call of bench/pipeline.py 503 MB of peak RSS against 377 MB without them
    assert malloc_arenas.before_and_after(_ARENAS_PROBE, str(tmp_path)) == (1, 1)
