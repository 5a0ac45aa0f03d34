"""The digits of card data said in words, and free text quoting them (quotes.py)."""

from __future__ import annotations

import pytest

from redaction.transcripts import quotes


def test_the_digits_said_by_each_run_of_number_words() -> None:
    said = ["forty-five", "thirty-two", "oh", "one", "fifty-one", "December", "twenty-seven", "seven", "three", "one"]
    assert quotes.said_digits(said) == ["453201511227731"]  # one run: "December" says 12
    assert quotes.said_digits(["four", "one", "and", "four", "one", "one", "one"]) == ["4111"]  # "41": too short
    assert quotes.said_digits([]) == []


def test_a_long_run_is_cut_into_overlapping_pieces() -> None:
    run = "0123456789" * 5  # 50 digits
    said = quotes.said_digits([" ".join(run)])
    assert said == [run[0:32], run[13:45], run[26:50]]
    assert all(run[i : i + 19] in said[min(i // 13, 2)] for i in range(0, 32))  # every run of a card's length whole


@pytest.mark.parametrize(("tokens", "hit"), [
    (["card", "ending", "oh", "three", "six", "six."], [2, 3, 4, 5]),
    (["ending", "03", "66"], [1, 2]),
    (["ending", "double", "six", "and", "three"], []),
    (["it", "costs", "three", "sixty", "six"], []),  # 366: three digits
    (["oh", "three", "then", "six", "six"], []),  # not one stretch
])
def test_a_stretch_of_number_words_saying_a_run_of_a_cards_digits_is_a_quote(tokens: list[str], hit: list[int]) -> None:
    cores = quotes.Cores.of((), ["0366", "4532"])
    assert quotes.quoting(enumerate(tokens), cores) == hit
