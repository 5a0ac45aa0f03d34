"""Number normalisation: what people and providers say for digits."""

from __future__ import annotations

import re

import pytest

from redaction import numbers
from redaction.numbers import atoms_of, digit_count, pieces, says_number
from redaction.words import TimedWord


def said(text: str) -> list[str]:
    """Digits per piece; '.' for an ordinary word, '_' for a filler."""
    words = [TimedWord(i * 0.5, i * 0.5 + 0.4, token) for i, token in enumerate(text.split())]
    return [p.digits or ("_" if p.filler else ".") for p in pieces(words)]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("four five three two", ["4", "5", "3", "2"]),
        ("4532 1488", ["4532", "1488"]),
        ("4532-1488,", ["4532", "1488"]),
        ("12/27", ["12", "27"]),
        ("oh nine", ["0", "9"]),
        ("O zero nought", ["0", "0", "0"]),
        ("double four", ["44"]),
        ("triple 7", ["777"]),
        ("W5, W2.", ["55", "22"]),  # Whisper tiny's "double five", "double two"
        ("W, W55 O5 A4", [".", ".", ".", "."]),  # a letter alone, or before other digits: no digits
        ("forty five", ["45"]),
        ("forty-five", ["45"]),
        ("nineteen", ["19"]),
        ("forty", ["40"]),
        ("twenty twenty five", ["20", "25"]),
        ("two thousand twenty five", ["2025"]),
        ("forty five hundred", ["4500"]),
        ("one hundred and five", ["105"]),
        ("December twenty seven", ["12", "27"]),
        ("four 5 forty six", ["4", "5", "46"]),
        ("4,111,111,111,111,111", ["4111111111111111"]),  # a digit string grouped in thousands
        ("5,551,234,567.", ["5551234567"]),
        ("1,250,000 and 123,456,789", [".", "_", "."]),  # quantities: under ten digits
    ],
)
def test_spoken_and_written_numbers(text: str, digits: list[str]) -> None:
    assert said(text) == digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4,111 1111 1111 1111", ["4111", "1111", "1111", "1111"]),  # a card's first group so written
        ("4111 1111 1111 1,111.", ["4111", "1111", "1111", "1111"]),
        ("4111 1,111 1,111 1,111", ["4111", "1111", "1111", "1111"]),
        ("1,250 1,300 1,400", [".", ".", "."]),  # a list of amounts: no plain digits in its run
        ("1.234 5678", ["1234", "5678"]),  # a period as thousands separator (de, it, es ...)
        ("4,111,111 4111", ["4111111", "4111"]),
        ("1,250 euros, 4,111 people", [".", ".", ".", "."]),  # amounts and counts beside words
        ("1,250 12", [".", "12"]),  # beside fewer than three digits
        ("$1,250 1111", [".", "1111"]),  # an amount with its sign
        ("12.75 1111", [".", "1111"]),  # a decimal
        ("1,250 and 1111", [".", "_", "1111"]),
    ],
)
def test_a_number_grouped_in_thousands_beside_digits_is_digits(text: str, digits: list[str]) -> None:
    """Found in session 47: "4,111 1111 1111 1111" kept its first group as an amount (heard, and
    left in the written-back transcript)."""
    assert said(text) == digits


def test_fillers_and_ordinary_words_are_kept_apart() -> None:
    assert said("it's four uh five and six okay") == [".", "4", "_", "5", "_", "6", "."]


def test_double_without_a_digit_is_an_ordinary_word() -> None:
    assert said("double check that") == [".", ".", "."]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("one moment. four five", [".", ".", "4", "5"]),
        ("just one second, six", [".", ".", ".", "6"]),
        ("1 sec", [".", "."]),
        ("one minute", [".", "."]),
        ("hang on one, moment", [".", ".", ".", "."]),
        # "one" before any other word, or part of a number, stays a digit
        ("one more time", ["1", ".", "."]),
        ("four one five", ["4", "1", "5"]),
        ("twenty-one seconds", ["21", "."]),
        ("one-one moment", ["1", "1", "."]),
        ("one", ["1"]),
    ],
)
def test_the_one_of_one_moment_is_no_digit(text: str, digits: list[str]) -> None:
    assert said(text) == digits


def test_pieces_know_their_words_and_times() -> None:
    words = [TimedWord(1.0, 1.3, "forty"), TimedWord(1.3, 1.6, "five"), TimedWord(2.0, 2.2, "double"), TimedWord(2.2, 2.5, "six")]
    found = pieces(words)
    assert [(p.digits, p.words, p.start_s, p.end_s) for p in found] == [("45", (0, 1), 1.0, 1.6), ("66", (2, 3), 2.0, 2.5)]
    assert "45" not in repr(found[0])


def test_atoms_do_not_show_their_digits_in_repr() -> None:
    assert [repr(a) for a in atoms_of("4532-1488", 3)] == ["Atom(kind='digits', word=3)"] * 2


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("March 28th", ["03", "28"]),  # "oh three, twenty eight" misheard
        ("December the 29th.", ["12", "_", "29"]),
        ("August 23rd in one", ["08", "23", ".", "1"]),
        ("the 31st of May", [".", ".", ".", "05"]),  # a date said day first: the day is a word
        ("the 5th literature", [".", ".", "."]),
        ("May 5th and 6th", ["05", "5", "_", "."]),
        ("December 20th, 28th.", ["12", "20", "28"]),  # the year written as an ordinal too
        ("December 20th, 28th, 30th", ["12", "20", "28", "."]),  # one year at most
        ("the 4th, 5th", [".", ".", "."]),  # no month
    ],
)
def test_an_ordinal_right_after_a_month_says_digits(text: str, digits: list[str]) -> None:
    assert said(text) == digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("“4532 1488”", ["4532", "1488"]),  # smart quotes (Whisper, captions)
        ("‘4532’ «1488»", ["4532", "1488"]),
        ("4532–1488—2345", ["4532", "1488", "2345"]),  # en and em dash
        ("4532‑1488", ["4532", "1488"]),  # non-breaking hyphen
        ("4532…", ["4532"]),
        ("４５３２，", ["4532"]),  # fullwidth digits and comma
        ("12／27", ["12", "27"]),
        ("4532\u200b1488 45\u00ad32", ["45321488", "4532"]),  # zero-width space, soft hyphen
        ("1，250", ["."]),  # a fullwidth thousands comma is still an amount
        ("4\u03031\u0303 1\u03231\u0323", ["41", "11"]),  # combining marks on digits (tilde, dot below)
        ("4\ufe0f\u20e31\ufe0f\u20e3", ["41"]),  # keycap digits (variation selector, enclosing keycap)
        ("45\u034f32 45\u20dd32", ["4532", "4532"]),  # combining grapheme joiner, enclosing circle
        ("4532\u31641488 45\uffa032", ["45321488", "4532"]),  # Hangul fillers (invisible letters)
    ],
    ids=["smart-double-quotes", "smart-single-and-guillemets", "en-and-em-dash", "non-breaking-hyphen",
         "ellipsis", "fullwidth-digits-and-comma", "fullwidth-slash", "zero-width-space-and-soft-hyphen",
         "fullwidth-thousands-comma", "combining-marks", "keycap-digits", "grapheme-joiner-and-enclosing-circle",
         "hangul-fillers"],
)
def test_typographic_punctuation_reads_as_its_plain_self(text: str, digits: list[str]) -> None:
    """Found by the audit: a word with smart quotes, a typographic dash or an invisible
    character around or inside its digits was an ordinary word, so the digits stayed audible."""
    assert said(text) == digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("#4532 1488", ["4532", "1488"]),  # "card #4532 ...": a number sign written before the digits
        ("4532#", ["4532"]),
        ("#12345", ["12345"]),
        ("####", ["."]),  # a provider's mask stays no number
    ],
    ids=["number-sign-before", "number-sign-after", "order-number", "mask"],
)
def test_a_number_sign_beside_digits_reads_as_punctuation(text: str, digits: list[str]) -> None:
    """Found by the audit: "#4111" (a recognizer writing "card #4111 1111 1111 1111") was an
    ordinary word, so the card's first group stayed audible and in the written-back transcript."""
    assert said(text) == digits


def test_digit_counts() -> None:
    assert [digit_count(t) for t in ("4111", "forty", "four", "card", "4111-1111,")] == [4, 2, 1, 0, 8]


def test_a_word_says_a_number_when_any_part_of_it_does() -> None:
    said = ("4", "twelve,", "twenty", "-six.", "double", "hundred", "May", "twenty-six", "26.")
    assert [says_number(t) for t in said] == [True] * len(said)
    assert not any(says_number(t) for t in ("card", "it's", "fine.", "first", ""))


@pytest.mark.parametrize("said", ["<4111 1111 1111 1111>", "&4111&1111&1111&1111", "*4111 1111 1111 1111*",
                                  "{4111 1111 1111 1111}", "4111|1111|1111|1111", "_4111_1111_1111_1111_",
                                  "~4111 1111 1111 1111~"])
def test_symbols_around_digits_part_them_like_punctuation(said: str) -> None:
    """"<4111" or "4111&1111" was one other word, not digits: a card in angle brackets, between
    asterisks or joined by ampersands kept its outer groups (or all of them) in a written-back
    free text ("<4111 [redacted] [redacted] 1111>"; found in review, through a subtitle's
    ``&lt;``). These symbols part digits as brackets and slashes do."""
    from redaction.transcripts import freetext
    from redaction.transcripts.quotes import NO_CORES

    assert [a.value for a in atoms_of(said, 0) if a.kind == "digits"] == ["4111", "1111", "1111", "1111"]
    assert "4111" not in freetext.redact_free(f"my card is {said} thanks", NO_CORES)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+4930123456789", ["."]),  # E.164: "+" and 8 to 15 digits
        ("+4930123456789.", ["."]),
        ("+15550100", ["."]),
        ("+123456789012345", ["."]),
        ("+4111111111111111", [".", "4111111111111111"]),  # 16 digits: no phone number
        ("+1234567890123456789,", [".", "1234567890123456789"]),
        # a card's length, an issuer's prefix and the Luhn check: a card with a "+" before it
        ("+378282246310005", [".", "378282246310005"]),
        ("+4222222222222.", [".", "4222222222222"]),
        ("+4915112345678", [".", "4915112345678"]),
    ],
)
def test_an_international_phone_number_is_one_word(text: str, digits: list[str]) -> None:
    """Session 56's review: "+4915112345678" was parted into "+" and a Luhn-valid run (13 digits
    or more part from what is glued to them) and masked as a card. Session 58's review: so was
    every card read with a "+" before it ("+378282246310005", an Amex) kept whole, its digits
    audible: digits that pass as a card (length, issuer, Luhn) are parted as any other run, a
    phone number among them masked (more masking, never less)."""
    assert said(text) == digits


@pytest.mark.parametrize("text", ["$45.99", "50%", "€5", "5€", "12,5%", "US$5", "$1,250", "10%off", "$3.", "£40,",
                                  "¢99", "$4111", "4111%", "$12.50$"])
def test_an_amount_is_one_ordinary_word(text: str) -> None:
    assert said(text) == ["."]


@pytest.mark.parametrize(("text", "digits"), [("4111$1111", ["4111", "1111"]), ("1111%1111,", ["1111", "1111"]),
                                              ("4111€1111£1111", ["4111", "1111", "1111"]),
                                              ("4111¢1111", ["4111", "1111"])])
def test_an_amounts_sign_between_digits_joins_them(text: str, digits: list[str]) -> None:
    """Session 56's review: "4111$1111 1111$1111" was two amounts, a card over them never read."""
    assert said(text) == digits


@pytest.mark.parametrize(("text", "digits"), [
    ("card4111111111", [".", "4111111111"]), ("card41111111", [".", "41111111"]), ("41111111ok", ["41111111", "."]),
    ("INV123456", [".", "123456"]), ("ab123456cd", [".", "123456", "."]),
    ("CA1008", ["."]), ("W5", ["55"]), ("28th", ["."]), ("a12345b", ["."]), ("a1@b2.com", ["."]), ("v1.2.3", [".", "2", "3"]),
])
def test_a_run_of_six_digits_parts_from_letters_glued_to_it(text: str, digits: list[str]) -> None:
    """Session 56's review: "card41111111 11111111" (a card over two words, the first glued to a
    word) kept its first eight digits in an ordinary word: only 13 digits or more parted."""
    assert said(text) == digits


class _CountedPattern:
    """A compiled pattern whose ``sub`` calls are counted."""

    def __init__(self, pattern: re.Pattern[str], calls: list[str]) -> None:
        self.pattern, self.calls = pattern, calls

    def sub(self, repl: str, text: str) -> str:
        self.calls.append(self.pattern.pattern)
        return self.pattern.sub(repl, text)


def test_only_a_word_with_a_digit_is_searched_for_digits_joined_or_glued(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review B, item 10: every word read ran both patterns, a word of letters too (0.6 of 6.9 s
    in a long call's profile); they match digits only."""
    calls: list[str] = []
    for name in ("_JOINER", "_GLUED"):
        monkeypatch.setattr(numbers, name, _CountedPattern(getattr(numbers, name), calls))
    assert [(a.kind, a.value) for a in atoms_of("forty-five,", 0)] == [("tens", 40), ("unit", 5)]
    assert [(a.kind, a.value) for a in atoms_of("C++", 0)] == [("other", "")]
    assert calls == []
    assert [(a.kind, a.value) for a in atoms_of("card4111111111111111", 0)] == [("other", ""), ("digits", "4111111111111111")]
    assert [(a.kind, a.value) for a in atoms_of("٤١١١·١١١١", 0)] == [("digits", "4111"), ("digits", "1111")]
    assert len(calls) == 4
