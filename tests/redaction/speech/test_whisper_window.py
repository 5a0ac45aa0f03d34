"""whisper_window: the options each window is transcribed with (a fake model records them)."""

from __future__ import annotations

import re

import numpy as np

from redaction.speech.whisper_window import PROMPT, FasterWhisperWindows


class RecordingModel:
    """Stands in for faster-whisper's model: records each transcribe call's options."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def transcribe(self, audio, **kwargs):  # noqa: ANN001, ANN201
        self.calls.append(kwargs)
        return [], None


def test_every_window_is_prompted_with_a_card_read_digit_by_digit() -> None:
    model = RecordingModel()
    windows = FasterWhisperWindows(model)
    assert windows.words(np.zeros(16000, np.float32)) == []
    assert windows.words(np.ones(16000, np.float32) * 0.1) == []
    assert [c["initial_prompt"] for c in model.calls] == [PROMPT, PROMPT]
    # digits apart, as numerals: a grouped prompt ("4929 1234") made Whisper collapse digits
    digits = re.findall(r"\d+", PROMPT)
    assert digits and all(len(d) == 1 for d in digits) and len(digits) == 16 + 4 + 3
    assert not re.search(r"[a-z]+ (one|two|three|four|five|six|seven|eight|nine|zero)\b", PROMPT.lower())


def test_the_prompt_is_made_up_digits_not_a_valid_card_number() -> None:
    card = [int(d) for d in re.findall(r"\d", PROMPT)[:16]]
    total = sum(d if k % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for k, d in enumerate(reversed(card)))
    assert total % 10 != 0


def test_the_prompt_can_be_switched_off_for_measuring() -> None:
    model = RecordingModel()
    FasterWhisperWindows(model, initial_prompt=None).words(np.zeros(16000, np.float32))
    assert model.calls[0]["initial_prompt"] is None and model.calls[0]["condition_on_previous_text"] is False
