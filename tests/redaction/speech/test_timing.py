"""Number words' spans from Whisper's timestamps: neighbours, slack, stretched words cut, silence trimmed at the edges."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.speech.timing import (EDGE_SLACK_S, END_PAUSE_S, FRAME_S, MAX_SECONDS_PER_DIGIT, SECONDS_PER_DIGIT,
                                     SPEECH_MARGIN_S, START_PAUSE_S, STRETCH_SLACK_S, Speech, number_spans)
from redaction.words import TimedWord


def speech_map(start_s: float, end_s: float, talking_s: list[tuple[float, float]]) -> Speech:
    """A speech map from ``start_s`` to ``end_s`` with speech in ``talking_s``."""
    times = start_s + FRAME_S * np.arange(round((end_s - start_s) / FRAME_S))
    return Speech(start_s, np.array([any(a <= t < b for a, b in talking_s) for t in times + 1e-9]))


def spans(words: list[TimedWord]) -> list[tuple[float, float]]:
    return [(round(w.start_s, 3), round(w.end_s, 3)) for w in words]


W = TimedWord


def test_without_a_speech_map_numbers_span_to_neighbours_or_widen_by_the_slack() -> None:
    words = [W(1.0, 1.5, "card"), W(3.0, 3.2, "4111"), W(5.0, 5.4, "and"), W(6.0, 6.4, "four"), W(8.0, 8.3, "ok")]
    assert spans(number_spans(words, 0.0, 10.0)) == [
        (1.0, 1.5), (1.5, 5.0), (5.0, 5.4), (round(6.0 - EDGE_SLACK_S, 3), round(6.4 + EDGE_SLACK_S, 3)), (8.0, 8.3)]
    assert spans(number_spans([W(3.0, 3.2, "4111")], 2.0, 9.0)) == [(2.0, 9.0)]  # alone: the piece's edges


def test_a_stretched_numeral_keeps_only_the_speech_at_its_outer_edges() -> None:
    # "card" ends at 1.5 s, a pause to 2.0 s, the digits 2.0-4.6 s, a pause, "thanks" at 5.0 s;
    # Whisper timed the numeral 4.0-4.2 s (a fraction of the digits' time).
    words = [W(1.0, 1.5, "card"), W(4.0, 4.2, "4111-1111"), W(5.0, 5.4, "thanks")]
    speech = speech_map(0.0, 10.0, [(1.0, 1.5), (2.0, 4.6), (5.0, 5.4)])
    assert spans(number_spans(words, 0.0, 10.0, speech)) == [
        (1.0, 1.5), (2.0 - SPEECH_MARGIN_S, 4.6 + SPEECH_MARGIN_S), (5.0, 5.4)]


def test_a_last_digit_timed_into_the_pause_after_it_ends_with_its_speech() -> None:
    # "5" "9": the 9 is said 2.0-2.4 s, Whisper timed it 2.0-2.9 s (into the pause before "got").
    words = [W(1.5, 2.0, "5"), W(2.0, 2.9, "9."), W(3.0, 3.2, "got")]
    speech = speech_map(0.0, 5.0, [(1.5, 2.4), (3.0, 3.2)])
    assert spans(number_spans(words, 0.0, 5.0, speech)) == [(1.3, 2.0), (2.0, 2.4 + SPEECH_MARGIN_S), (3.0, 3.2)]


def test_the_next_speakers_onset_after_a_pause_is_not_the_numbers_end() -> None:
    # "3" said 2.0-2.35 s, a pause, the agent's "your" from 2.75 s, which Whisper timed from 3.0 s:
    # the digit's span reaches the next word, and speech lies inside it (the onset)
    words = [W(1.5, 2.0, "1"), W(2.0, 2.2, "3,"), W(3.0, 3.3, "your")]
    speech = speech_map(0.0, 5.0, [(1.5, 2.35), (2.35 + END_PAUSE_S, 3.3)])
    assert spans(number_spans(words, 0.0, 5.0, speech))[1] == (2.0, 2.35 + SPEECH_MARGIN_S)
    # a shorter quiet is a gap between digits: the speech after it stays in the number
    speech = speech_map(0.0, 5.0, [(1.5, 2.35), (2.35 + END_PAUSE_S - 0.1, 3.3)])
    assert spans(number_spans(words, 0.0, 5.0, speech))[1] == (2.0, 3.0)


def test_a_numerals_last_group_after_a_pause_stays_in_it() -> None:
    # "4111 1111" as one token timed 1.0-1.4 s, its groups said 1.0-2.2 and 2.8-4.0 s, "thanks" at
    # 4.6 s: the speech before the pause is too short for eight digits (SECONDS_PER_DIGIT each)
    words = [W(0.5, 0.9, "card"), W(1.0, 1.4, "41111111"), W(4.6, 4.9, "thanks")]
    speech = speech_map(0.0, 6.0, [(0.5, 0.9), (1.0, 2.2), (2.2 + END_PAUSE_S + 0.2, 4.0), (4.6, 4.9)])
    assert 8 * SECONDS_PER_DIGIT > 2.2 - 0.9
    assert spans(number_spans(words, 0.0, 6.0, speech))[1] == (0.9, 4.0 + SPEECH_MARGIN_S)


def test_a_quiet_shorter_than_a_pause_before_a_number_stays_masked() -> None:
    # Whisper's first digit often starts late: the quiet before it is the gap after a digit
    # it gave the word before ("is" 1.0-1.6 s holds a digit said 1.3-1.6 s).
    words = [W(1.0, 1.6, "is"), W(1.6, 2.0, "9"), W(2.0, 2.4, "2"), W(3.5, 3.8, "thanks")]
    gap = START_PAUSE_S - 0.1
    speech = speech_map(0.0, 5.0, [(1.0, 1.6), (1.6 + gap, 2.4), (3.5, 3.8)])
    assert spans(number_spans(words, 0.0, 5.0, speech))[1] == (1.6, 2.0)
    # a real pause (START_PAUSE_S or more, from where the 9's span starts: 0.2 s before it) is left out
    words[0] = W(1.0, 1.3, "is")
    onset_s = 1.4 + START_PAUSE_S + 0.1
    speech = speech_map(0.0, 5.0, [(1.0, 1.3), (onset_s, 2.4), (3.5, 3.8)])
    assert spans(number_spans(words, 0.0, 5.0, speech))[1] == (round(onset_s - SPEECH_MARGIN_S, 3), 2.0)


def test_edges_between_two_number_words_stay_where_whisper_put_them() -> None:
    # A pause inside the run (1.2-2.0 s) stays masked: the card logic reads the run by its words' times.
    words = [W(0.5, 1.0, "four"), W(2.0, 2.5, "two")]
    speech = speech_map(0.0, 4.0, [(0.5, 1.0), (2.0, 2.5)])
    assert spans(number_spans(words, 0.0, 4.0, speech)) == [(0.3, 1.2), (1.8, 2.5 + SPEECH_MARGIN_S)]


def test_a_number_over_no_speech_at_all_keeps_its_times() -> None:
    words = [W(1.0, 1.5, "card"), W(3.0, 3.2, "4111"), W(5.0, 5.4, "and")]
    assert spans(number_spans(words, 0.0, 10.0, speech_map(0.0, 10.0, [(1.0, 1.5), (5.0, 5.4)]))) == [
        (1.0, 1.5), (1.5, 5.0), (5.0, 5.4)]
    # a map that does not reach the word (bad offsets) trims nothing either
    assert spans(number_spans(words, 0.0, 10.0, speech_map(20.0, 30.0, [(20.0, 30.0)]))) == [
        (1.0, 1.5), (1.5, 5.0), (5.0, 5.4)]


def test_trimming_never_starts_a_number_later_or_ends_it_earlier_than_its_speech() -> None:
    # Speech right up to the neighbours: nothing to trim.
    words = [W(1.0, 1.5, "card"), W(3.0, 3.2, "4111"), W(5.0, 5.4, "and")]
    speech = speech_map(0.0, 10.0, [(1.0, 5.4)])
    assert spans(number_spans(words, 0.0, 10.0, speech)) == [(1.0, 1.5), (1.5, 5.0), (5.0, 5.4)]


def test_the_speech_map_of_audio_follows_the_energy_detector() -> None:
    rate = 16000
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(4 * rate) * 1e-3).astype(np.float32)  # line noise
    x[rate : 2 * rate] = (rng.standard_normal(rate) * 0.1).astype(np.float32)  # speech 1.0-2.0 s
    speech = Speech.of(x, rate, 10.0)
    assert speech.frames.size == 400
    assert speech.within(10.0, 14.0) == pytest.approx((11.0, 12.0))
    assert speech.within(12.5, 14.0) is None
    assert speech.within(30.0, 31.0) is None
    assert speech.seconds(10.0, 14.0) == pytest.approx(1.0) and speech.seconds(11.5, 13.0) == pytest.approx(0.5)
    assert speech.seconds(12.5, 14.0) == 0.0 and speech.seconds(30.0, 31.0) == 0.0
    assert Speech.of(np.zeros(10, np.float32), rate, 0.0).within(0.0, 1.0) is None  # shorter than a frame
    silent = Speech.of(np.zeros(rate, np.float32), rate, 0.0)  # digital silence: under the absolute floor
    assert silent.within(0.0, 1.0) is None


def test_a_number_word_stretched_past_its_slowest_keeps_that_long_from_its_start() -> None:
    # A decoding loop timed "8," over 16 s: one digit takes at most MAX_SECONDS_PER_DIGIT.
    words = [W(1.0, 1.5, "card"), W(2.0, 18.0, "8,"), W(18.2, 18.5, "thanks")]
    longest_s = MAX_SECONDS_PER_DIGIT + STRETCH_SLACK_S
    assert spans(number_spans(words, 0.0, 20.0)) == [
        (1.0, 1.5), (round(2.0 - EDGE_SLACK_S, 3), round(2.0 + longest_s + EDGE_SLACK_S, 3)), (18.2, 18.5)]
    # ... and its end then moves in to the speech like any other number's
    speech = speech_map(0.0, 20.0, [(1.0, 1.5), (2.0, 2.5), (6.0, 18.5)])
    assert spans(number_spans(words, 0.0, 20.0, speech))[1] == (1.8, round(2.5 + SPEECH_MARGIN_S, 3))


def test_a_stretched_number_word_keeps_the_networks_sure_words_inside_it() -> None:
    words = [W(1.0, 1.5, "card"), W(2.0, 18.0, "8,"), W(18.2, 18.5, "thanks")]
    network = [W(2.1, 2.4, "eight"), W(9.0, 9.4, "four"), W(19.0, 19.3, "two")]  # the last is outside it
    assert spans(number_spans(words, 0.0, 20.0, None, network))[1] == (1.8, round(9.4 + EDGE_SLACK_S, 3))


def test_a_number_word_as_long_as_its_digits_take_at_the_slowest_keeps_its_times() -> None:
    longest_s = 4 * MAX_SECONDS_PER_DIGIT + STRETCH_SLACK_S
    words = [W(1.0, 1.5, "card"), W(2.0, 2.0 + longest_s, "4111"), W(9.0, 9.3, "thanks")]
    assert spans(number_spans(words, 0.0, 10.0))[1] == (1.8, round(2.0 + longest_s + EDGE_SLACK_S, 3))
