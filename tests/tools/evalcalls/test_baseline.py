"""The bench's baseline: every run of 3 or more number words masked, first word's start to last word's end."""

from __future__ import annotations

from tools.evalcalls.baseline import number_runs, weight


def test_a_numeral_counts_its_digits_and_a_spelled_number_one_word() -> None:
    assert [weight(t) for t in ("4111,", "$49.99", "Four", "double", "oh.", "card")] == [4, 4, 1, 1, 1, 0]


def test_runs_of_three_or_more_number_words_are_masked_and_shorter_ones_kept() -> None:
    words = [(0.0, 0.4, "card"), (0.5, 0.8, "four"), (0.9, 1.2, "one,"), (1.3, 1.6, "thanks"),
             (2.0, 2.3, "four"), (2.4, 2.9, "11"), (3.0, 3.2, "bye"), (4.0, 4.6, "123")]
    assert number_runs(words) == [(2.0, 2.9), (4.0, 4.6)]
