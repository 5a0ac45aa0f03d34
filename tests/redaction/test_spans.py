"""Span planner: clipping, merging, one plan per channel."""

from __future__ import annotations

from redaction.spans import KEYED, Detection, MaskInterval, Source, covered, plan, plan_channels


def detection(start_s: float, end_s: float) -> Detection:
    return Detection(start_s, end_s, KEYED, "keyed_digit", "dtmf", 1.0, Source.DTMF)


def test_clips_to_the_audio() -> None:
    intervals = plan([detection(1.0, 1.1), detection(-0.2, 0.1), detection(9.95, 10.3)], rate_hz=1000, length=10_000)
    assert intervals == (MaskInterval(0, 100), MaskInterval(1000, 1100), MaskInterval(9950, 10_000))


def test_overlapping_and_nearly_touching_spans_merge() -> None:
    intervals = plan([detection(0.9, 1.2), detection(1.1, 1.4), detection(1.44, 1.7), detection(2.9, 3.2)],
                     rate_hz=1000, length=10_000)
    # 0.9-1.2 and 1.1-1.4 overlap; 1.44 starts 40 ms after 1.4 (< 50 ms): merged.
    assert intervals == (MaskInterval(900, 1700), MaskInterval(2900, 3200))


def test_covered_means_inside_one_interval() -> None:
    intervals = (MaskInterval(100, 200), MaskInterval(300, 400))
    assert covered(0.1, 0.2, intervals, 1000, 1000)
    assert not covered(0.15, 0.35, intervals, 1000, 1000)
    assert covered(0.35, 0.9, (MaskInterval(300, 500),), 1000, 500)  # clipped at the end of the audio
    assert covered(0.6, 0.7, (), 1000, 500)  # wholly past the end: no audio to mask
    assert not covered(0.45, 0.7, (), 1000, 500)


def test_report_form_rounds_and_names_every_field() -> None:
    assert Detection(1.23456, 2.0, "spoken", "expiry", "transcript:aws", 0.87654, Source.TRANSCRIPT).to_dict() == {
        "start_s": 1.235, "end_s": 2.0, "kind": "spoken", "entity": "expiry",
        "detector": "transcript:aws", "confidence": 0.877,
    }


def on(channel: int | None, start_s: float, end_s: float) -> Detection:
    return Detection(start_s, end_s, "spoken", "card_number", "recognizer:x", 1.0, Source.RECOGNIZER, channel)


PLANNING = {"rate_hz": 1000, "length": 10_000}


def test_each_channel_is_planned_with_what_it_said_and_what_no_channel_alone_said() -> None:
    masks = plan_channels([on(0, 1.0, 2.0), on(1, 1.5, 3.0), on(None, 5.0, 6.0)], 2, **PLANNING)
    assert masks.separate
    assert masks.on(0) == (MaskInterval(1000, 2000), MaskInterval(5000, 6000))
    assert masks.on(1) == (MaskInterval(1500, 3000), MaskInterval(5000, 6000))
    assert masks.anywhere == (MaskInterval(1000, 3000), MaskInterval(5000, 6000))
    assert masks.covers(on(0, 1.2, 1.8), 1000, 10_000)
    assert not masks.covers(on(1, 1.2, 1.8), 1000, 10_000)  # channel 1 is heard there
    assert not masks.covers(on(None, 1.2, 1.8), 1000, 10_000)  # no channel's: masked on both, or not
    assert masks.covers(on(None, 5.2, 5.8), 1000, 10_000)


def test_one_plan_for_every_channel_when_no_detection_is_one_channel_s() -> None:
    for detections, channels in (([on(None, 1.0, 2.0)], 2), ([on(0, 1.0, 2.0)], 1)):
        masks = plan_channels(detections, channels, **PLANNING)
        assert not masks.separate and masks.by_channel == ((MaskInterval(1000, 2000),),)
        assert masks.on(1) == masks.anywhere == (MaskInterval(1000, 2000),)
        assert masks.covers(on(1, 1.2, 1.8), 1000, 10_000)
