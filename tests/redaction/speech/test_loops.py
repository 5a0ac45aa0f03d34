"""Whisper's decoding loops: one word five times in a row, two or three number words over and over,
a phrase with a number word written three times."""

from __future__ import annotations

import pytest

from redaction.speech.loops import LOOP_WORDS, without_loops
from redaction.speech.whisper_window import WindowWord
from redaction.words import TimedWord


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        # two number words over and over (second strangers mb-hu1-en seed 104: over the agent's words)
        ("on 3, 9, 4, one, two, one, two, one, two, one, two, one, two, bye", "on 3, 9, 4, bye"),
        ("11, 7, 11, 7, 11, 7, 11, 7, shortly.", "shortly."),
        ("6, 0, 2, 6, 0, 2, 6, 0, 2, and", "and"),
        # a card's digits alternating six or seven times, or repeating three by three twice, stay
        ("4, 1, 2, 1, 2, 1, 2, 5", "4, 1, 2, 1, 2, 1, 2, 5"),
        ("7, 1, 8, 7, 1, 8, 3", "7, 1, 8, 7, 1, 8, 3"),
        # words that are no numbers are Whisper's to repeat
        ("bye, now, bye, now, bye, now, bye, now", "bye, now, bye, now, bye, now, bye, now"),
        ("thank you thank you thank you thank you", "thank you thank you thank you thank you"),
    ],
)
def test_a_loop_of_two_or_three_number_words_is_dropped(said: str, kept: str) -> None:
    assert kept_of(said) == (kept, kept)


def test_one_word_five_times_in_a_row_is_a_loop_whatever_its_punctuation() -> None:
    said = ["on", *["0,"] * 3, "0.", "0", "and", *["5,"] * (LOOP_WORDS - 1), "bye"]
    words = [TimedWord(0.3 * k, 0.3 * k + 0.25, t) for k, t in enumerate(said)]
    assert [w.text for w in without_loops(words)] == ["on", "and", "5,", "5,", "5,", "5,", "bye"]


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        # a phrase with a number word in it written over and over: its first writing stays (second
        # strangers mb-de1-en seed 332, a harmless call: "was the one who" over 14 s, each "one" masked)
        ("He was the one who was the one who was the one who was the one It's not",
         "He was the one who It's not"),
        ("near the 1 -3, near the 1 -3, near the 1 -3, near", "near the 1 -3,"),
        ("the 19th November, 19th November, 19th November, thanks", "the 19th November, thanks"),
        ("call 10, 30 on 10, 30 on 10, 30 on", "call 10, 30 on"),
        # written twice is speech (a caller saying it again), and a phrase without a number word is Whisper's
        ("the 3 time, the 3 time, yes", "the 3 time, the 3 time, yes"),
        ("I can. I can. I can. I can.", "I can. I can. I can. I can."),
    ],
)
def test_a_phrase_with_a_number_word_written_three_times_keeps_its_first_writing(said: str, kept: str) -> None:
    assert kept_of(said) == (kept, kept)


def kept_of(said: str) -> tuple[str, str]:
    """What ``without_loops`` keeps of the words ``said`` (one every 0.3 s), as timed words and as
    a window's words."""
    texts = said.split()
    timed = [TimedWord(1.0 + 0.3 * k, 1.25 + 0.3 * k, t) for k, t in enumerate(texts)]
    in_window = [WindowWord(1.0 + 0.3 * k, 1.25 + 0.3 * k, t, 0.9) for k, t in enumerate(texts)]
    return " ".join(w.text for w in without_loops(timed)), " ".join(w.text for w in without_loops(in_window))
