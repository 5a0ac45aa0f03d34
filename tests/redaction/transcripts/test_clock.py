"""Call-clock words onto the recording clock through a time map callable."""

from __future__ import annotations

from redaction.transcripts import to_recording_clock
from redaction.words import TimedWord


def call_to_recording(call_s: float) -> float | None:
    """Recorded: call 40-120 s -> recording 0-80 s, call 150-300 s -> recording 80-230 s."""
    if 40.0 <= call_s <= 120.0:
        return call_s - 40.0
    if 150.0 <= call_s <= 300.0:
        return call_s - 70.0
    return None


def test_words_move_to_the_recording_clock_and_unrecorded_words_go() -> None:
    words = [
        TimedWord(10.0, 10.5, "queue"),
        TimedWord(50.0, 50.4, "four"),
        TimedWord(130.0, 130.3, "hold"),
        TimedWord(160.0, 160.5, "five", 0.7),
    ]
    mapped = to_recording_clock(words, call_to_recording)
    assert [(round(w.start_s, 3), round(w.end_s, 3), w.text, w.confidence) for w in mapped] == [
        (10.0, 10.4, "four", 1.0),
        (90.0, 90.5, "five", 0.7),
    ]


def test_a_word_cut_at_an_edge_keeps_its_recorded_part() -> None:
    mapped = to_recording_clock([TimedWord(119.8, 120.4, "six"), TimedWord(149.9, 150.3, "one")], call_to_recording)
    assert [(round(w.start_s, 3), round(w.end_s, 3)) for w in mapped] == [(79.8, 80.4), (79.9, 80.3)]
