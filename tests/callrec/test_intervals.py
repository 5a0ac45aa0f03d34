"""callrec.intervals.union: the one interval union the layers share (audio.beep's pauses,
redaction.spans' sample intervals, worker.calls.metadata's masked seconds)."""

from __future__ import annotations

import pytest

from callrec.intervals import union


def test_overlapping_and_touching_spans_are_joined_in_order():
    assert union([(5, 7), (0, 2), (1, 3), (3, 4), (8, 9)]) == [(0, 4), (5, 7), (8, 9)]
    assert union([(0.0, 10.0), (2.5, 3.0)]) == [(0.0, 10.0)]  # one inside another
    assert union([(2.0, 2.0), (1.0, 3.0)]) == [(1.0, 3.0)]


def test_a_gap_joins_spans_at_most_that_far_apart_and_no_further():
    assert union([(0, 10), (15, 20), (26, 30)], gap=5) == [(0, 20), (26, 30)]
    assert union([(0.0, 1.0), (1.0 + 1e-10, 2.0), (2.1, 3.0)], gap=1e-9) == [(0.0, 2.0), (2.1, 3.0)]


def test_empty_input_and_empty_spans():
    assert union([]) == []
    assert union(iter([(1, 2)])) == [(1, 2)]  # any iterable, read once
    assert union([(3, 3)]) == [(3, 3)]  # kept: a caller that has none drops them first


def test_values_keep_their_type():
    joined = union([(1, 2), (2, 4)])
    assert joined == [(1, 4)] and all(type(v) is int for span in joined for v in span)


@pytest.mark.parametrize("spans", [[(0, 1)], [(4, 9), (0, 1)]])
def test_the_input_is_not_changed(spans):
    before = list(spans)
    union(spans)
    assert spans == before
