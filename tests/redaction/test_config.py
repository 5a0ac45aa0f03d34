"""Redaction settings: bad values refused when made, the padding a recognizer's finding may get."""

from __future__ import annotations

import pytest

from redaction.config import RedactionConfig


@pytest.mark.parametrize("field", ["pad_before_ms", "pad_after_ms", "speech_pad_ms"])
@pytest.mark.parametrize("bad", [-1.0, -1000.0, float("nan"), float("inf")])
def test_negative_or_not_finite_padding_is_refused_naming_its_field(field: str, bad: float) -> None:
    """A NaN was taken (a traceback in redaction.spans); the three paddings in one message
    read as one card-length digit run (``got -####.# / ###.# / ###.# ms``)."""
    with pytest.raises(ValueError) as refused:
        RedactionConfig(**{field: bad})
    assert str(refused.value) == f"{field} must be a finite number of ms, 0 or more, got {bad!r}"


def test_bad_mask_and_mask_channels_are_refused() -> None:
    with pytest.raises(ValueError, match="mask must be one of"):
        RedactionConfig(mask="bleep")
    with pytest.raises(ValueError, match="mask_channels must be one of"):
        RedactionConfig(mask_channels="left")


def test_a_recognizers_finding_is_padded_by_both_paddings() -> None:
    config = RedactionConfig(pad_before_ms=150, pad_after_ms=100, speech_pad_ms=450)
    assert config.spoken_pad_s == pytest.approx((0.6, 0.55))
