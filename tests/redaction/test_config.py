"""Redaction settings: bad values refused when made, the padding a recognizer's finding may get."""

from __future__ import annotations

import pytest

from redaction.config import RedactionConfig


@pytest.mark.parametrize("field", ["pad_before_ms", "pad_after_ms", "speech_pad_ms"])
def test_negative_padding_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match="padding must not be negative"):
        RedactionConfig(**{field: -1.0})


def test_bad_mask_and_mask_channels_are_refused() -> None:
    with pytest.raises(ValueError, match="mask must be one of"):
        RedactionConfig(mask="bleep")
    with pytest.raises(ValueError, match="mask_channels must be one of"):
        RedactionConfig(mask_channels="left")


def test_a_recognizers_finding_is_padded_by_both_paddings() -> None:
    config = RedactionConfig(pad_before_ms=150, pad_after_ms=100, speech_pad_ms=450)
    assert config.spoken_pad_s == pytest.approx((0.6, 0.55))
