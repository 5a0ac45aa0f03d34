"""Where Whisper listens: context, merging, bounded pieces, packing."""

from __future__ import annotations

import pytest

from redaction.speech.windows import (
    CONTEXT_S, CUT_GAP_S, CUT_PAD_S, CUT_SEARCH_S, MAX_PIECE_S, MERGE_GAP_S, OVERLAP_S, SEPARATOR_S, WINDOW_S, Piece,
    SpanBuilder, fits, pack_offsets, to_call_time,
)


def test_a_region_gets_context_on_both_sides_clipped_at_zero_and_the_audio_end() -> None:
    spans = SpanBuilder()
    assert spans.add(1.0, 4.0) == []
    assert spans.finish(end_limit_s=6.5) == [Piece(0.0, 6.5, 0.0, 6.5)]


def test_regions_whose_context_nearly_touches_are_one_piece() -> None:
    spans = SpanBuilder()
    spans.add(10.0, 12.0)
    gap = 2 * CONTEXT_S + MERGE_GAP_S  # end + context .. start - context = MERGE_GAP_S apart
    assert spans.add(12.0 + gap, 13.0 + gap) == []
    assert spans.finish() == [Piece(7.0, 16.0 + gap, 7.0, 16.0 + gap)]


def test_a_farther_region_closes_the_span() -> None:
    spans = SpanBuilder()
    spans.add(10.0, 12.0)
    closed = spans.add(20.0, 21.0)
    assert closed == [Piece(7.0, 15.0, 7.0, 15.0)]
    assert spans.finish() == [Piece(17.0, 24.0, 17.0, 24.0)]


def test_the_span_closes_once_no_region_to_come_can_reach_it() -> None:
    spans = SpanBuilder()
    spans.add(10.0, 12.0)  # span 7 .. 15
    assert spans.close_before(15.0 + MERGE_GAP_S + CONTEXT_S) == []  # a region starting there would merge
    assert spans.close_before(15.0 + MERGE_GAP_S + CONTEXT_S + 0.01) == [Piece(7.0, 15.0, 7.0, 15.0)]
    assert spans.open_start_s is None


def test_a_long_span_is_cut_into_overlapping_pieces_that_share_the_overlap() -> None:
    spans = SpanBuilder()
    out = spans.add(3.0, 60.0)  # span 0 .. 63
    out += spans.finish()
    assert all(p.duration_s <= MAX_PIECE_S for p in out)
    assert out[0] == Piece(0.0, MAX_PIECE_S, 0.0, MAX_PIECE_S - OVERLAP_S / 2)
    for a, b in zip(out, out[1:]):
        assert b.start_s == pytest.approx(a.end_s - OVERLAP_S)
        assert b.own_from_s == a.own_to_s  # every moment is owned by exactly one piece
    assert out[-1].end_s == out[-1].own_to_s == 63.0


def test_a_long_span_is_cut_in_its_latest_pause_and_the_pieces_barely_overlap() -> None:
    spans = SpanBuilder()
    # pauses between regions: 6-6.5 (before the piece's last CUT_SEARCH_S), 12-12.8, and
    # 16-16.05 (shorter than CUT_GAP_S: no pause)
    assert MAX_PIECE_S - CUT_SEARCH_S > 6.25 and 12.4 > MAX_PIECE_S - CUT_SEARCH_S
    regions = [(3.0, 6.0), (6.5, 12.0), (12.8, 16.0), (16.0 + CUT_GAP_S / 2, 24.0)]
    out = [p for a, b in regions for p in spans.add(a, b)] + spans.finish()  # span 0 .. 27
    assert out == [Piece(0.0, 12.4 + CUT_PAD_S, 0.0, 12.4), Piece(12.4 - CUT_PAD_S, 27.0, 12.4, 27.0)]


def test_a_selection_of_regions_is_cut_blind_for_its_gaps_may_hide_speech() -> None:
    spans = SpanBuilder(pauses=False)  # the number gate's regions, or verification's
    regions = [(3.0, 10.0), (10.5, 20.0), (20.8, 26.0), (26.5, 40.0)]
    out = [p for a, b in regions for p in spans.add(a, b)] + spans.finish()
    assert out[0] == Piece(0.0, MAX_PIECE_S, 0.0, MAX_PIECE_S - OVERLAP_S / 2)
    assert out[1].start_s == MAX_PIECE_S - OVERLAP_S


def test_a_pause_early_in_a_piece_is_not_cut_in() -> None:
    spans = SpanBuilder()
    early_s = MAX_PIECE_S - CUT_SEARCH_S - 1.0  # a pause's middle before the piece's last CUT_SEARCH_S
    out = spans.add(3.0, early_s - 0.25) + spans.add(early_s + 0.25, 60.0) + spans.finish()
    assert out[0] == Piece(0.0, MAX_PIECE_S, 0.0, MAX_PIECE_S - OVERLAP_S / 2)  # cut blind


def test_an_open_span_waits_for_the_regions_that_may_hold_a_later_pause() -> None:
    spans = SpanBuilder()
    assert spans.add(3.0, 12.0) == []
    assert spans.add(12.5, 16.0) == []  # span 0 .. 19: longer than a piece, but a pause may follow
    out = spans.add(16.5, 30.0)  # the pause 16-16.5 lies in the first piece
    assert out == [Piece(0.0, 16.25 + CUT_PAD_S, 0.0, 16.25)]
    assert spans.finish() == [Piece(16.25 - CUT_PAD_S, 33.0, 16.25, 33.0)]


def test_pieces_are_packed_with_separators_into_one_window() -> None:
    pieces = [Piece(7.0, 15.0, 7.0, 15.0), Piece(100.0, 110.0, 100.0, 110.0)]
    placed = pack_offsets(pieces)
    assert [p.offset_s for p in placed] == [0.0, 8.0 + SEPARATOR_S]
    assert to_call_time(placed, 3.0) == (placed[0], 10.0)
    assert to_call_time(placed, 8.2) == (placed[0], 15.0)  # in the separator: clipped to the piece
    assert to_call_time(placed, 8.5 + 4.0) == (placed[1], 104.0)
    assert to_call_time(placed, -1.0) is None
    assert fits(pieces, Piece(0.0, WINDOW_S - 19.0, 0.0, 1.0))
    assert not fits(pieces, Piece(0.0, WINDOW_S - 18.0, 0.0, 1.0))


def test_pieces_for_gated_regions_are_what_whisper_hears() -> None:
    from redaction.speech.windows import pieces_for

    assert pieces_for([(1.0, 4.0), (5.0, 6.0), (40.0, 41.0)], 42.0) == [
        Piece(0.0, 9.0, 0.0, 9.0), Piece(37.0, 42.0, 37.0, 42.0)]
    assert pieces_for([], 10.0) == []
