"""How well the recognizer followed a call: the mean of its words' confidence, doubtful under a line."""

from __future__ import annotations

import pytest

from redaction.hearing import DOUBTFUL_BELOW, Hearing, hearing_of
from redaction.words import TimedWord


def _words(*confidences: float) -> list[TimedWord]:
    return [TimedWord(0.5 * k, 0.5 * k + 0.3, "word", c) for k, c in enumerate(confidences)]


def test_the_mean_of_the_words_confidence_and_whether_it_is_doubtful() -> None:
    assert hearing_of(_words(0.9, 0.5, 0.7)) == Hearing(3, pytest.approx(0.7))
    assert not hearing_of(_words(0.9, 0.5, 0.7)).doubtful
    assert hearing_of(_words(0.2, 0.3, 0.9)).doubtful  # 0.4667
    assert not hearing_of(_words(DOUBTFUL_BELOW)).doubtful  # the line itself is not under it
    assert hearing_of(_words(DOUBTFUL_BELOW - 0.001)).doubtful
    nothing = hearing_of([])
    assert nothing == Hearing(0, None) and not nothing.doubtful
    assert nothing.to_dict() == {"words": 0, "mean_confidence": None, "doubtful": False}
    assert hearing_of(_words(0.2, 0.3, 0.9)).to_dict() == {"words": 3, "mean_confidence": 0.467, "doubtful": True}
