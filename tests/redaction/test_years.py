"""The year's "twenty" Whisper tiny writes "when did" (``redaction.years``): work linear in the words."""

from __future__ import annotations

from redaction.answers import Heard
from redaction.card_words import CARD_NUMBER, EXPIRY, Entity
from redaction.words import TimedWord
from redaction.years import misheard_years
from tests.hostile.test_inputs_limits import python_lines


def _calls(repeats: int) -> tuple[Heard, list[Entity]]:
    """``repeats`` times, a minute apart: a card found, then "April when did I."."""
    words, found = [], []
    for r in range(repeats):
        for j, text in enumerate(["4532015112830366", "April", "when", "did", "I."]):
            words.append(TimedWord(60.0 * r + j, 60.0 * r + j + 0.5, text))
        found.append(Entity(CARD_NUMBER, 60.0 * r, 60.0 * r + 0.5, 0.9, (len(words) - 5,)))
    return Heard(words, {k: (w.start_s, w.end_s) for k, w in enumerate(words)}), found


def test_each_when_did_is_judged_without_reading_every_entity_found() -> None:
    # each "when did" looked through every entity found for a card before its month and for one
    # ending just before it: 200 repeats 47,504 lines of Python, 800 430,004 (a provider's
    # transcript may hold thousands of both); four times the words may cost at most five times
    lines, found = {}, {}
    for repeats in (200, 800):
        heard, entities = _calls(repeats)
        out: list[Entity] = []
        lines[repeats] = python_lines(lambda: out.extend(misheard_years(heard, entities)))
        found[repeats] = [(e.entity, e.words) for e in out]
    assert found[200] == [(EXPIRY, (5 * r + 1, 5 * r + 2, 5 * r + 3, 5 * r + 4)) for r in range(200)]
    assert len(found[800]) == 800
    assert lines[800] <= 5 * lines[200], lines


def test_a_question_right_after_a_cards_digits_is_no_year() -> None:
    # the caller's "my card number is 4532015112830366, when did you send it?" was masked from "when"
    # as the expiry date: a card's own last digit is no misheard month; a date's is ("April 20th,
    # when did I?")
    from tests.redaction.test_cards import labels, timed
    from redaction.cards import find_entities

    for said in ("my card number is 4532015112830366, when did you send it?",
                 "my card number is 4532015112830366 when did you send it?"):
        words = timed(said)
        assert labels(words, find_entities(words, unanswered=True)) == [(CARD_NUMBER, "4532015112830366,"
                                                                         if "," in said else "4532015112830366")]
