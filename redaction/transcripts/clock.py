"""Putting transcript words on the recording's clock.

A provider transcribes either the recording (words already on its clock) or the whole call
(call clock). The assembly's time map knows where each moment of the call landed in the
recording; pass its ``to_recording_s`` here. Words said while nothing was recorded (hold,
queue) are dropped: there is no audio of them to mask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from redaction.spans import Detection
from redaction.words import TimedWord

ToRecording = Callable[[float], "float | None"]


def to_recording_clock(words: Sequence[TimedWord], to_recording_s: ToRecording) -> tuple[TimedWord, ...]:
    """Each word mapped through ``to_recording_s`` (call seconds -> recording seconds or None).

    A word cut at one edge keeps its recorded part: the missing edge takes the other's time
    minus (plus) the word's length, clipped at zero.
    """
    out = []
    for word in words:
        start, end = to_recording_s(word.start_s), to_recording_s(word.end_s)
        if start is None and end is None:
            continue
        length = word.end_s - word.start_s
        if start is None:
            start = max(0.0, end - length)
        if end is None:
            end = start + length
        out.append(TimedWord(start, max(start, end), word.text, word.confidence))
    return tuple(out)


def detections_to_recording_clock(detections: Sequence[Detection], to_recording_s: ToRecording) -> tuple[Detection, ...]:
    """Detections (provider-redacted spans, whole segments) mapped like words: a span cut at
    one edge keeps its recorded part; a span with nothing recorded is dropped."""
    out = []
    for detection in detections:
        word = TimedWord(detection.start_s, detection.end_s, "")
        for mapped in to_recording_clock([word], to_recording_s):
            out.append(replace(detection, start_s=mapped.start_s, end_s=mapped.end_s))
    return tuple(out)
