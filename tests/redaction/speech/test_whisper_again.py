"""WhisperRecognizer.recognize_again: verification hears only what masking may have changed."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.speech import whisper as whisper_module
from redaction.speech.gate import GatedRegion
from redaction.speech.whisper import WHISPER_RATE_HZ, WhisperRecognizer, still_flagged
from redaction.speech.windows import CONTEXT_S
from redaction.words import TimedWord

RATE = 8000


def region(start_s: float, end_s: float, *sure_at_s: float) -> GatedRegion:
    return GatedRegion(start_s, end_s, 0.9, tuple(TimedWord(t, t + 0.3, "four") for t in sure_at_s))


def test_a_region_is_still_flagged_near_a_mask_with_a_sure_number_word_outside_it() -> None:
    masks = [(10.0, 12.0)]
    assert still_flagged(region(9.0, 14.0, 13.0), masks)  # a sure word past the mask
    assert not still_flagged(region(9.0, 14.0, 10.5), masks)  # its only sure word is the mask's tone
    assert not still_flagged(region(9.0, 14.0), masks)  # the network is sure of nothing
    assert not still_flagged(region(20.0, 24.0, 21.0), masks)  # 8 s from the mask: heard as it was
    assert still_flagged(region(14.9, 16.0, 15.0), masks)  # within CONTEXT_S of the mask
    assert not still_flagged(region(15.1, 16.0, 15.5), masks)
    assert not still_flagged(region(1.0, 3.0, 2.0), [])


class ScriptedGate:
    """Stands in for the number gate: passes the given regions once the audio reaches their end."""

    regions: list[GatedRegion] = []
    passes_every_region = False  # a scripted selection: long spans are cut blind

    def __init__(self, network: object = None, min_number_mass: float = 0.0) -> None:
        self._now_s = 0.0
        self._left = list(self.regions)

    @property
    def open_from_s(self) -> float:  # no region still to come starts before it
        return min([self._now_s] + [r.start_s for r in self._left])

    def feed(self, samples: np.ndarray):
        self._now_s += samples.size / RATE
        while self._left and self._left[0].end_s <= self._now_s:
            yield self._left.pop(0)

    def finish(self):
        yield from self._left
        self._left = []


class Windows:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def words(self, audio: np.ndarray) -> list:
        self.seconds.append(audio.size / WHISPER_RATE_HZ)
        return []

    def restart(self) -> None:
        pass


def test_recognize_again_hears_only_the_regions_still_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    ScriptedGate.regions = [region(10.0, 12.0, 10.5, 13.5), region(40.0, 42.0, 40.5), region(80.0, 82.0, 81.0)]
    monkeypatch.setattr(whisper_module, "NumberGate", ScriptedGate)
    audio = np.zeros(100 * RATE, np.float32)
    blocks = [audio[i : i + 4000] for i in range(0, audio.size, 4000)]
    first = Windows()
    list(WhisperRecognizer(first).recognize(iter(blocks), RATE))
    # two packed in one window (with a separator), the third in a window of its own (WINDOW_S)
    assert first.seconds == [pytest.approx(2 * (2.0 + 2 * CONTEXT_S) + 0.5), pytest.approx(2.0 + 2 * CONTEXT_S)]
    again = Windows()
    masks = [(10.2, 11.0), (40.2, 41.0)]  # region 2's only sure word is masked; region 3 is far from a mask
    list(WhisperRecognizer(again).recognize_again(iter(blocks), RATE, masks))
    assert again.seconds == [pytest.approx(2.0 + 2 * CONTEXT_S)]
    nothing = Windows()
    list(WhisperRecognizer(nothing).recognize_again(iter(blocks), RATE, [(60.0, 61.0)]))
    assert nothing.seconds == []
