"""A transcript off the audio's clock by different amounts in different parts, aligned piece by piece."""

from __future__ import annotations

import random

import pytest

from redaction import piecewise_clock
from redaction.beside_transcript import ALIGNED_S, MOVE_MAX_S
from redaction.piecewise_clock import GAP_S, RATE_MAX, ClockMap, Piece, Step, align, anchors, piece_of, pieces, rate_of, realign
from redaction.spans import SPOKEN, Detection, Source
from redaction.words import TimedWord

TEXTS = ("thank", "you", "for", "calling", "my", "card", "number", "is", "please", "the", "and", "expiry", "date",
         "code", "four", "one", "two", "okay")


def said(count: int = 120, seed: int = 7, start_s: float = 1.0) -> list[TimedWord]:
    """``count`` words as said: one every 0.45-0.75 s, common ones said again and again."""
    rng, out, at_s = random.Random(seed), [], start_s
    for _ in range(count):
        out.append(TimedWord(round(at_s, 3), round(at_s + 0.3, 3), rng.choice(TEXTS)))
        at_s += 0.45 + 0.3 * rng.random()
    return out


def heard_of(words: list[TimedWord], seed: int = 11) -> list[TimedWord]:
    """``words`` as a recognizer hears them: one in five missed, each timed up to 0.1 s off."""
    rng = random.Random(seed)
    out = []
    for w in words:
        if rng.random() < 0.8:
            jitter_s = rng.uniform(-0.1, 0.1)
            out.append(TimedWord(max(0.0, w.start_s + jitter_s), max(0.0, w.end_s + jitter_s), w.text))
    return out


def shifted(words: list[TimedWord], by_s, after_s: float = 0.0) -> list[TimedWord]:  # noqa: ANN001
    """``words`` starting at or after ``after_s`` ``by_s`` later."""
    return [TimedWord(w.start_s + by_s, w.end_s + by_s, w.text) if w.start_s >= after_s else w for w in words]


def test_a_transcript_on_the_clock_comes_out_exactly_as_given():
    for count, seed in ((120, 7), (900, 5)):  # up to 10 minutes of words: no line fitted on the heard words' jitter
        truth = said(count, seed)
        for heard_seed in (11, 12, 13):
            clock = align(truth, heard_of(truth, heard_seed))
            assert clock is not None and {(p.shift_s, p.rate) for p in clock.pieces} == {(0.0, 0.0)}
            assert clock.words(truth) == truth


def test_a_transcript_right_in_its_first_half_and_2_s_late_in_its_second_is_moved_back_piece_by_piece():
    truth = said()
    half_s = truth[60].start_s
    split = shifted(truth, 2.0, half_s)
    clock = align(split, heard_of(truth))
    assert clock is not None and [p.shift_s for p in clock.pieces] == [0.0, pytest.approx(-2.0, abs=0.1)]
    assert clock.pieces[0].end_s < half_s <= clock.pieces[1].start_s
    assert clock.max_shift_s == clock.pieces[1].shift_s
    mapped = clock.words(split)
    first = [k for k, w in enumerate(split) if w.start_s <= clock.pieces[0].end_s]
    assert len(first) > 50 and mapped[:len(first)] == truth[:len(first)]  # the right part exactly as given
    # between the pieces (where the step is, unknown) the shift goes from one's to the other's
    assert all(abs(m.start_s - t.start_s) <= 0.1 for m, t in zip(mapped, truth)
               if not clock.pieces[0].end_s < t.start_s < clock.pieces[1].start_s - 2.0)
    assert [m.text for m in mapped] == [t.text for t in truth]


def stretched_by(words: list[TimedWord], rate: float) -> list[TimedWord]:
    """``words`` timed ``rate`` times where they were said."""
    return [TimedWord(round(w.start_s * rate, 3), round(w.end_s * rate, 3), w.text) for w in words]


def test_a_transcript_timed_at_another_rate_is_moved_along_one_line():
    """Held-out seeds 133-135, bench stretch:1.03: with each piece moved by one amount a word inside it
    was up to ALIGNED_S off, and card spans missed digits' edges (944 -> 941/959 masked)."""
    truth = said(160)
    for rate in (1.03, 0.97):
        clock = align(stretched_by(truth, rate), heard_of(truth))
        # the whole call one piece, its move going 1 / rate - 1 s per second of the transcript
        assert clock is not None and len(clock.pieces) == 1
        assert clock.pieces[0].rate == pytest.approx(1 / rate - 1, abs=0.003)
        moved = clock.words(stretched_by(truth, rate))
        assert max(abs(m.start_s - t.start_s) for m, t in zip(moved, truth)) <= 0.1
        assert abs(clock.max_shift_s) > 2.5


def test_without_the_line_a_transcript_at_another_rate_is_moved_by_one_amount_a_piece(monkeypatch):
    monkeypatch.setattr(piecewise_clock, "LINEAR", False)
    truth = said(160)
    stretched = stretched_by(truth, 1.03)
    clock = align(stretched, heard_of(truth))
    assert clock is not None and len(clock.pieces) > 3 and clock.max_shift_s < -2.0
    assert {p.rate for p in clock.pieces} == {0.0}
    errors_s = [abs(m.start_s - t.start_s) for m, t in zip(clock.words(stretched), truth)]
    assert 0.2 < max(errors_s) <= ALIGNED_S + 0.1


def test_a_transcript_late_by_one_amount_is_moved_by_it_not_along_a_line():
    truth = said(160)
    clock = align(shifted(truth, 2.0), heard_of(truth))
    assert clock is not None and [(p.shift_s, p.rate) for p in clock.pieces] == [(pytest.approx(-2.0, abs=0.05), 0.0)]


def test_the_rate_is_the_least_squares_slope_bounded():
    assert rate_of([(float(t), 0.5 - 0.03 * t + (0.02 if t % 2 else -0.02)) for t in range(20)]) == pytest.approx(
        -0.03, abs=0.002)
    assert rate_of([(0.0, 0.0), (1.0, 0.5)]) == RATE_MAX and rate_of([(0.0, 0.0), (1.0, -0.5)]) == -RATE_MAX
    assert rate_of([(1.0, 0.2)]) == 0.0 and rate_of([]) == 0.0 and rate_of([(1.0, 0.0), (1.0, 0.3)]) == 0.0


def test_a_piece_takes_its_line_only_where_the_line_fits_its_words_better_and_off_the_clock():
    """Tune seed 304, stretch:1.03: a piece of 12 s drifting 0.36 s, fitted by its median, came out
    within ALIGNED_S of 0 and was kept on the clock, its end 0.3 s off."""
    drifting = [(float(t), -0.5 - 0.03 * t) for t in range(0, 40, 2)]
    assert piece_of(drifting) == Piece(0.0, 38.0, pytest.approx(-0.5), pytest.approx(-0.03))
    assert piece_of([(6.0 + t, -0.18 - 0.03 * t) for t in range(13)]) == Piece(
        6.0, 18.0, pytest.approx(-0.18), pytest.approx(-0.03))
    # noise about one offset: a line drifting less than LINE_DRIFT_S is none
    noisy = [(float(t), -2.0 + (0.05 if t % 4 else -0.05)) for t in range(0, 40, 2)]
    assert piece_of(noisy) == Piece(0.0, 38.0, pytest.approx(-2.0, abs=0.06))
    # too short for a line (LINE_SPAN_S): one offset
    assert piece_of([(t / 2, -1.0 - 0.1 * t) for t in range(10)]) == Piece(0.0, 4.5, pytest.approx(-1.45))
    # a line within ALIGNED_S of 0 at both ends is on the clock: every time kept exactly
    assert piece_of([(float(t), -0.1 + 0.01 * t) for t in range(0, 40, 2)]) == Piece(0.0, 38.0, 0.0)


def test_a_lines_move_goes_on_beyond_its_piece_and_meets_the_next_piece_linearly():
    clock = ClockMap((Piece(10.0, 20.0, -1.0, -0.1), Piece(30.0, 40.0, -3.0)))
    # in the piece and before it along its line; between pieces from its end's -2 s to the next's -3 s
    assert [clock.at(t) for t in (5.0, 10.0, 15.0, 20.0, 25.0, 35.0)] == [
        pytest.approx(4.5), 9.0, pytest.approx(13.5), pytest.approx(18.0), pytest.approx(22.5), 32.0]
    assert clock.max_shift_s == -3.0 and ClockMap((Piece(10.0, 50.0, -1.0, -0.1),)).max_shift_s == pytest.approx(-5.0)
    # the line reaches the next piece's move: one clock at another rate, no step between them
    assert clock.steps() == []
    assert ClockMap((Piece(10.0, 20.0, -1.0), Piece(30.0, 40.0, -2.0, -0.1))).steps() == []  # nor back from it
    # the line's end and the next piece's start differ, as does the line at its start: a step
    assert ClockMap((Piece(10.0, 20.0, -1.0, -0.1), Piece(30.0, 40.0, -4.0))).steps() == [
        Step(pytest.approx(18.0), 26.0, pytest.approx(-2.0), -4.0)]
    assert ClockMap((Piece(10.0, 20.0, -1.0, -0.1), Piece(30.0, 40.0, -2.2))).steps() == []


def test_a_part_with_too_few_words_in_common_where_the_pieces_beside_it_disagree_is_not_anchored():
    truth = said(160)
    split = shifted(truth, 2.0, truth[80].start_s)
    heard = heard_of(truth)
    assert align(split, heard) is not None
    # the recognizer heard nothing of more than 2 * GAP_S s around the middle: the step is somewhere there
    middle_s = truth[80].start_s
    deaf = [w for w in heard if abs(w.start_s - middle_s) > GAP_S + 1.0]
    assert align(split, deaf) is None
    # where the pieces either side agree the gap is bridged
    assert align(truth, deaf) is not None


def test_a_transcript_with_no_pieces_further_off_than_move_max_s_or_piecewise_off_is_not_aligned(monkeypatch):
    truth = said()
    heard = heard_of(truth)
    assert align(truth[:3], heard) is None  # too few words for a piece
    assert align(shifted(truth, MOVE_MAX_S + 0.5, truth[60].start_s), heard) is None
    assert align([], heard) is None and align(truth, []) is None
    monkeypatch.setattr(piecewise_clock, "PIECEWISE", False)
    assert align(shifted(truth, 2.0, truth[60].start_s), heard) is None


def test_anchors_are_one_monotone_chain_of_the_same_words():
    words = [TimedWord(1.0, 1.2, "the"), TimedWord(2.0, 2.2, "card"), TimedWord(3.0, 3.2, "the"),
             TimedWord(4.0, 4.2, "is")]
    heard = [TimedWord(1.1, 1.3, "The"), TimedWord(2.9, 3.1, "the,"), TimedWord(4.2, 4.4, "is")]
    # "the" heard at 2.9 s is the one said at 3.0 (the one at 1.0 is taken by the first "the")
    assert anchors(words, heard) == [(1.0, pytest.approx(0.1)), (3.0, pytest.approx(-0.1)), (4.0, pytest.approx(0.2))]
    # a word heard further than MATCH_S from any of the transcript's is no anchor; none crosses another
    assert anchors(words, [TimedWord(9.5, 9.7, "card"), TimedWord(1.0, 1.2, "is")]) == [(4.0, -3.0)]


def test_words_far_from_their_neighbours_offsets_and_runs_shorter_than_a_piece_are_left_out():
    matched = [(float(t), 0.0) for t in range(6)] + [(6.0, 3.0)] + [(float(t), -2.0) for t in range(7, 10)]
    assert pieces(matched) == [Piece(0.0, 5.0, 0.0)]  # the outlier dropped, the last run of 3 too short


def test_between_pieces_the_shift_goes_linearly_and_beyond_them_it_is_theirs():
    clock = ClockMap((Piece(10.0, 20.0, 0.0), Piece(30.0, 40.0, -2.0)))
    assert [clock.at(t) for t in (5.0, 15.0, 25.0, 35.0, 50.0)] == [5.0, 15.0, 24.0, 33.0, 48.0]
    assert ClockMap((Piece(1.0, 5.0, -3.0),)).at(2.0) == 0.0  # none before 0
    span = Detection(34.0, 36.0, SPOKEN, "card_number", "transcript", 1.0, Source.TRANSCRIPT)
    assert clock.spans([span]) == [Detection(32.0, 34.0, SPOKEN, "card_number", "transcript", 1.0, Source.TRANSCRIPT)]
    [word] = clock.words([TimedWord(24.0, 26.0, "the")])
    assert (word.start_s, word.end_s, word.text) == (pytest.approx(23.2), pytest.approx(25.2), "the")  # its length kept


def test_an_hour_long_calls_transcript_is_aligned_without_comparing_every_pair_of_words():
    truth = said(6000, seed=3)  # about an hour of words: every pair compared would take minutes
    split = shifted(truth, 2.0, truth[3000].start_s)
    heard = heard_of(truth)
    clock = align(split, heard)  # about 0.3 s on one core (a benchmark's matter, not a test's)
    assert clock is not None and clock.max_shift_s == pytest.approx(-2.0, abs=0.1)


def test_a_heard_word_has_at_most_the_nearest_candidates_of_its_text():
    """A hostile transcript (10,000 of one word at one instant) made every heard copy of the word
    a pair with each (1,000 x 1,000 took 137 MB): the nearest CANDIDATES in time are its pairs."""
    times = [(10.0, rank) for rank in range(10_000)]
    assert piecewise_clock.candidates(times, 10.0, 10_000) == times[:64]  # all as near: the first
    spread = [(i * 0.01, i) for i in range(2_000)]  # one word every 10 ms: 0-20 s
    near = piecewise_clock.candidates(spread, 12.0, 2_000)
    assert len(near) == piecewise_clock.CANDIDATES and near[0] == spread[1168] and near[-1] == spread[1231]
    assert piecewise_clock.candidates(spread, 0.0, 2_000) == spread[:64]  # near the start: from the first
    assert piecewise_clock.candidates(spread[:10], 0.05, 10) == spread[:10]  # few: all within MATCH_S


def test_a_transcript_on_the_clock_is_realigned_only_where_a_piece_is_seconds_off(monkeypatch):
    truth = said()
    heard = heard_of(truth)
    split = shifted(truth, 2.0, truth[60].start_s)
    assert realign(truth, heard, on_clock=True) is None  # left exactly as it is
    assert realign(truth, heard, on_clock=False) is not None  # (off the clock, its map: every piece 0)
    assert realign(split, heard, on_clock=True).max_shift_s == pytest.approx(-2.0, abs=0.1)
    monkeypatch.setattr(piecewise_clock, "STEP_S", 2.5)
    assert realign(split, heard, on_clock=True) is None
    assert realign(split, heard, on_clock=False) is not None


def test_card_data_between_pieces_that_disagree_is_widened_by_their_difference_either_way():
    """Tune seeds 302-303, bench split:2: of the 10 digits left audible, 6 were lost by their timing:
    between two pieces the step lies somewhere unknown, and the interpolated shift misplaced the card
    data read there. There an end of a span of the transcript reaches to where it would lie if the step
    were on its other side (the stretch taken ALIGNED_S in from the pieces' matched words: those ends
    are where they were said)."""
    clock = ClockMap((Piece(10.0, 20.0, 0.0), Piece(30.0, 40.0, -2.0), Piece(50.0, 60.0, -2.2)))
    # transcript 20-30 s is 20-28 s on the audio's clock, the shift going 0 -> -2 s (the last two pieces agree)
    assert clock.steps() == [Step(20.0, 28.0, 0.0, -2.0)]

    def span(a: float, b: float) -> Detection:
        return Detection(a, b, SPOKEN, "card_number", "transcript", 1.0, Source.TRANSCRIPT)

    # 25 s on the clock is 26.25 s of the transcript (moved -1.25 s): said at 26.25 s or, the step before it, 24.25 s;
    # 27 s is 28.75 (moved -1.75 s): said at 28.75 or 26.75 s; 21 s is 21.25 (said at 21.25 or 19.25 s)
    spans = [span(25.0, 27.0), span(5.0, 8.0), span(19.0, 21.0), span(27.9, 35.0), span(19.0, 29.0)]
    assert clock.widened(spans) == [span(pytest.approx(24.25), pytest.approx(28.75)), span(5.0, 8.0),
                                    span(19.0, pytest.approx(21.25)), span(27.9, 35.0), span(19.0, 29.0)]
    # a step back onto the clock (-3 s, then 0) from near the call's start: none before 0
    # (0.2 s is 2.6 s of the transcript, moved -2.4 s: said at 2.6 or -0.4 s; 1 s is 3 s, moved -2 s)
    assert ClockMap((Piece(1.0, 2.0, -3.0), Piece(5.0, 6.0, 0.0))).widened([span(0.2, 1.0)]) == [
        span(0.0, pytest.approx(3.0))]


def test_a_word_without_length_stays_one_whatever_the_floating_point_sums_give():
    """Tune seeds 302-303, bench stretch:1.03: a transcript word 51.357-51.357 s moved between two
    pieces came out ending 1e-14 s before its start, and the call failed (nothing stored)."""
    clock = ClockMap((Piece(10.0, 20.0, 0.0), Piece(30.0, 40.0, -2.0)))
    [word] = clock.words([TimedWord(20.0707, 20.0707, "and")])
    assert word.start_s == word.end_s == clock.at(20.0707)


def test_a_run_on_one_offset_goes_on_past_a_line_fitted_on_its_jitter():
    """Tune seed 304, split:2: the line of an on-clock run's last words (their jitter sloping 0.02 s a
    second) missed its next matched words 10 s later by more than ALIGNED_S; the run ended there,
    those words too few for a piece, and the step's widened stretch grew from 10 to 20 s."""
    matched = [(float(t), 0.02 * (t - 10) + (0.08 if t % 2 else -0.08)) for t in range(2, 19)]
    matched += [(27.6, 0.0), (28.2, 0.05), (28.8, -0.02), (29.5, 0.03)]
    assert pieces(matched) == [Piece(2.0, 29.5, 0.0)]
