"""Card logic: runs and chains of digits into card numbers, expiry dates, security codes."""

from __future__ import annotations

from dataclasses import replace
from random import Random

from redaction.card_words import Entity
from redaction.cards import CARD_NUMBER, EXPIRY, SECURITY_CODE, _Before, _Run, _heard_twice, _second_hearings, find_entities
from redaction.words import TimedWord


def timed(text: str, step_s: float = 0.4) -> list[TimedWord]:
    return [TimedWord(round(i * step_s, 3), round(i * step_s + 0.3, 3), t) for i, t in enumerate(text.split())]


def timed_from(start_s: float, texts: list[str], step_s: float = 0.4) -> list[TimedWord]:
    """``texts`` said one a ``step_s`` from ``start_s``, each lasting 0.3 s."""
    return [TimedWord(start_s + step_s * i, start_s + step_s * i + 0.3, t) for i, t in enumerate(texts)]


def labels(words: list[TimedWord], found: list) -> list[tuple[str, str]]:
    """(kind, the entity's words) of each entity ``find_entities`` found in ``words``."""
    return [(e.entity, " ".join(words[i].text for i in e.words)) for e in found]


def entities(text: str, step_s: float = 0.4, unanswered: bool = False) -> list[tuple[str, str]]:
    words = timed(text, step_s)
    return labels(words, find_entities(words, unanswered=unanswered))


def test_card_then_expiry_then_code_in_context() -> None:
    text = (
        "my card number is four five three two oh one five one one two eight three oh three six six "
        "and it expires twelve twenty seven and the security code is seven three one thanks"
    )
    assert entities(text) == [
        (CARD_NUMBER, "four five three two oh one five one one two eight three oh three six six"),
        (EXPIRY, "twelve twenty seven"),
        (SECURITY_CODE, "seven three one"),
    ]


def test_luhn_valid_card_raises_confidence_but_an_invalid_run_is_still_masked() -> None:
    valid = find_entities(timed("4532 0151 1283 0366"))
    invalid = find_entities(timed("4532 0151 1283 0367"))
    assert [(e.entity, e.confidence) for e in valid] == [(CARD_NUMBER, 0.99)]
    assert [(e.entity, e.confidence) for e in invalid] == [(CARD_NUMBER, 0.6)]


def test_groups_read_with_interjections_are_one_card() -> None:
    text = "four five three two okay oh one five one yes one two eight three right oh three six six"
    assert [e for e, _ in entities(text)] == [CARD_NUMBER]
    assert entities(text)[0][1].count(" ") == 15  # all sixteen digit words, no interjection


def test_expiry_and_code_right_after_a_card_without_context_words() -> None:
    text = "4532015112830366 then 1227 and 731"
    assert entities(text) == [(CARD_NUMBER, "4532015112830366"), (EXPIRY, "1227"), (SECURITY_CODE, "731")]


def test_digits_run_on_after_the_card_are_labelled_from_the_card_window() -> None:
    text = "four five three two oh one five one one two eight three oh three six six one two two seven seven three one"
    assert [e for e, _ in entities(text)] == [CARD_NUMBER, EXPIRY, SECURITY_CODE]


def test_an_unchecked_cards_reading_ends_where_an_expiry_date_read_after_it_begins() -> None:
    # a card Whisper heard with a digit wrong (no Luhn-valid window), then the caller's "yes" and
    # the expiry date: one card entity from its first digit to the date's last, "yes" masked with
    # them (the agent's words after a card written as one to three words in tune calls); the card's
    # reading ends at the run that brings it to 15 digits when each run after it reads as an
    # expiry date or a code on its own, and the words between stay out of both
    for said, card in (("it's 4532 0151 1283 0367 yes 0527", "4532 0151 1283 0367"),
                       ("it's 4532 0151 1283 036 yes 0527", "4532 0151 1283 036")):
        words = timed(said)
        for unanswered in (False, True):
            found = find_entities(words, unanswered=unanswered)
            assert [(e.entity, e.start_s, e.end_s, e.confidence, " ".join(words[i].text for i in e.words))
                    for e in found] == [(CARD_NUMBER, 0.4, 1.9, 0.6, card), (EXPIRY, 2.4, 2.7, 0.7, "0527")]
    # three digits after it read as a code, or as its expiry date misheard: parted too, and kept a
    # card's (named the code, the code ask's answer would be taken for answered)
    words = timed("it's 4532 0151 1283 0367 yes 731")
    assert [(e.entity, e.start_s, e.end_s, e.confidence) for e in find_entities(words, unanswered=True)] == [
        (CARD_NUMBER, 0.4, 1.9, 0.6), (CARD_NUMBER, 2.4, 2.7, 0.6)]


def test_an_unchecked_card_keeps_what_follows_it_when_that_reads_as_no_expiry_date_or_code() -> None:
    # nine digits after the card (no expiry date, no code: an expiry date and code run together, or
    # digits lost), a card shorter than 15 digits before its next run, digits written over the words
    # right after the card in its own run ("3 10 5 8"): the chain stays one card entity, from its
    # first digit to its last, as before
    for said, first, last in (("it's 4532 0151 1283 0367 yes 122020101", 0.0, 2.7),
                              ("it's 4532 0151 1283 03 yes 0527", 0.4, 2.7),
                              ("it's 4532 0151 1283 0367 3 10 5 8 0527", 0.4, 3.9)):
        words = timed(said)
        found = find_entities(words, unanswered=True)
        assert [(e.entity, e.start_s, e.end_s) for e in found] == [(CARD_NUMBER, first, last)], said


def test_ordinary_numbers_stay_audible() -> None:
    for text in [
        "I'd like two pizzas for five people at seven thirty",
        "your order number is four five six seven",
        "it takes about twenty minutes",
        "the code on the door is 1234 ",  # no security-code context, no card before
    ]:
        assert entities(text) == []


def test_code_with_context_words() -> None:
    assert entities("the three digits on the back are five one nine") == [(SECURITY_CODE, "five one nine")]
    assert entities("cvv 0427") == [(SECURITY_CODE, "0427")]


def test_partial_card_near_card_words_is_masked() -> None:
    assert entities("my card starts four five three two oh one five one") == [
        (CARD_NUMBER, "four five three two oh one five one")
    ]


def test_a_long_run_is_a_card_even_with_words_lost_and_no_context() -> None:
    text = "<other> four five three two one five one two eight three three six <other>"  # 12 of 16 heard
    assert [(e.entity, e.confidence) for e in find_entities(timed(text))] == [(CARD_NUMBER, 0.5)]
    assert entities("call me on oh two oh seven nine four six oh nine five") == []  # 11 digits


def test_a_long_pause_splits_runs() -> None:
    words = timed("four five three two", 0.4) + [
        TimedWord(60.0 + i * 0.4, 60.3 + i * 0.4, t) for i, t in enumerate("one two three four five six seven eight nine".split())
    ]
    assert find_entities(words) == []


def test_words_in_any_order_give_indices_into_the_input() -> None:
    words = timed("cvv seven three one")
    shuffled = [words[2], words[0], words[3], words[1]]
    (entity,) = find_entities(shuffled)
    assert entity.entity == SECURITY_CODE and entity.words == (0, 2, 3)
    assert (entity.start_s, entity.end_s) == (0.4, 1.5)


def test_a_misheard_expiry_or_code_right_after_a_card_is_still_masked() -> None:
    # "one two two seven" heard as five digits, "seven three one" as two: neither fits an
    # expiry date or a code, but coming right after a card they are masked all the same.
    text = "4532015112830366 thank you very much now the next one please 12270 great and the last one please 73"
    assert entities(text) == [(CARD_NUMBER, "4532015112830366"), (EXPIRY, "12270"), (SECURITY_CODE, "73")]
    assert [e.confidence for e in find_entities(timed(text))][1:] == [0.5, 0.5]


def test_a_lone_two_digit_number_without_a_card_before_stays_audible() -> None:
    assert entities("we close at 12 and open at 73 minutes past") == []


def test_unidentified_words_inside_a_chain_count_as_lost_digits() -> None:
    # A recognizer heard 10 of 16 digit words; two it could not identify sit between the
    # groups: 10 + 2 reaches a long run, so the card is masked (with low confidence).
    heard = "four five three two oh <other> <other> one two eight three oh"
    assert [(e, c) for e, c in [(x.entity, x.confidence) for x in find_entities(timed(heard))]] == [(CARD_NUMBER, 0.4)]
    # the same ten digits with ordinary words between them are not a card
    assert entities("four five three two oh it was one two eight three oh") == []
    # nor are fewer than eight heard digits, however many unknown words surround them
    assert entities("four five three <other> <other> <other> <other> two oh one six") == []


def test_the_real_word_other_is_an_ordinary_word_not_a_lost_digit() -> None:
    # A transcript's "other" (or "Other,") is a word someone said; only the recognizer's
    # "<other>" stands for speech it could not identify.
    assert entities("four five three two oh other other one two eight three oh") == []
    assert entities("four five three two oh Other, other. one two eight three oh") == []
    heard = "four five three two oh <other> <other> one two eight three oh"
    assert [(e.entity, e.confidence) for e in find_entities(timed(heard))] == [(CARD_NUMBER, 0.4)]


def test_a_code_read_after_an_expiry_date_at_the_end_is_the_security_code() -> None:
    words = timed("the expiry is twelve twenty seven and the code seven three one")
    assert [(e.entity, e.words) for e in find_entities(words)] == [("expiry", (3, 4, 5)), ("security_code", (9, 10, 11))]


# -- real words, as a speech recognizer or a provider writes them ------------------------


def test_numerals_as_whisper_writes_them_are_card_data() -> None:
    assert [e for e, _ in entities("sure it's 4111-1111-1111-1111 thanks")] == [CARD_NUMBER]
    assert [e for e, _ in entities("it is 97987320082 4410 bye")] == [CARD_NUMBER]  # 15 digits in two tokens
    assert entities("the card is 4532 0151 1283 0366, it expires 04/27 and the CVV is 731.") == [
        (CARD_NUMBER, "4532 0151 1283 0366,"), (EXPIRY, "04/27"), (SECURITY_CODE, "731.")]


def test_amounts_times_and_grouped_thousands_are_not_digits() -> None:
    for text in [
        "the card was charged $12.50 at 3:30 and then $1,250 more",
        "it comes to 1,250,000 and 12.75 percent at 11:45",
        "your card balance is £40.99 since 10:30",
        "I want to charge $3 ,400 ,000, $3 ,000 ,000 to my card",  # Whisper's tokens of "$3,400,000"
    ]:
        assert entities(text) == [], text


def test_a_card_written_in_thousands_groups_is_card_data() -> None:
    """Found by the audit: Whisper and formatting providers write some digit strings as one
    number grouped in thousands; a card so written ("4,111,111,111,111,111") was a quantity,
    an ordinary word, and stayed audible and in the written-back transcript. No amount said
    in a call has ten digits or more: such a number is a digit string."""
    assert entities("my card is 4,111,111,111,111,111 thanks") == [(CARD_NUMBER, "4,111,111,111,111,111")]
    assert entities("the card number 4,532,015,112,830,366. expiry 04/27") == [
        (CARD_NUMBER, "4,532,015,112,830,366."), (EXPIRY, "04/27")]
    assert entities("it comes to 1,250,000,000 on the card") == []  # nine digits: an amount


def test_month_names_and_spoken_years_are_expiry_dates() -> None:
    assert entities("and the expiry date please April twenty twenty-seven") == [(EXPIRY, "April twenty twenty-seven")]
    assert entities("when does it expire it's April 2027") == [(EXPIRY, "April 2027")]
    assert entities("expiry oh four twenty-seven") == [(EXPIRY, "oh four twenty-seven")]


def test_expiry_and_code_answered_after_the_agent_asks_and_the_caller_looks() -> None:
    words = timed("and what is the expiry date on the card please")
    words += [TimedWord(6.0 + 0.4 * i, 6.3 + 0.4 * i, t) for i, t in enumerate(
        "hang on let me just find my purse it is in the other room sorry about this".split())]
    words += [TimedWord(14.0, 14.3, "oh"), TimedWord(14.4, 14.7, "four"), TimedWord(14.8, 15.3, "twenty-seven")]
    words += [TimedWord(17.0 + 0.4 * i, 17.3 + 0.4 * i, t) for i, t in enumerate(
        "great and the three digit security code from the back".split())]
    words += [TimedWord(23.0 + 0.4 * i, 23.3 + 0.4 * i, t) for i, t in enumerate(
        "um one moment I have to turn it over okay here we go yes".split())]
    words += [TimedWord(29.0, 29.3, "7"), TimedWord(29.4, 29.7, "3")]  # the recognizer lost a digit
    found = [(e.entity, e.start_s) for e in find_entities(words)]
    assert found == [(EXPIRY, 14.0), (SECURITY_CODE, 29.0)]


def test_the_agents_question_between_card_expiry_and_code_is_not_masked() -> None:
    text = "card number 4532 0151 1283 0366 and the expiry date please 12 27 and the security code 731 thanks"
    words = timed(text)
    found = find_entities(words)
    assert [e.entity for e in found] == [CARD_NUMBER, EXPIRY, SECURITY_CODE]
    masked = {i for e in found for i in e.words}
    assert not masked & {i for i, w in enumerate(words) if not any(ch.isdigit() for ch in w.text)}


def test_digit_words_in_a_prompt_after_a_card_ask_stay_audible() -> None:
    # "please key in your card number" ... the prompt "now the expiry date, four digits",
    # which Whisper heard as "now the x-pirator eight four ten": no card is read here
    text = "please key in your card number followed by the hash key now the x pirator eight four ten"
    assert entities(text) == []


def test_groups_joined_by_single_misheard_words_are_a_card_without_an_ask() -> None:
    # Whisper wrote an "oh" it did not catch as "I'm": four groups, twelve digits
    assert [e for e, _ in entities("yes it is 4 3 0 I'm 4 5 0 I'm 4 5 0 I'm 5 5 0 and")] == [CARD_NUMBER]
    # a phone number, "okay" and a house number are two groups: no card
    assert entities("on 3 0 3 0 3 1 okay and 9 5 13 6 high street") == []


def test_harmless_numbers_stay_audible() -> None:
    for text in [
        "I'm calling about order number 4 5 7 8 2 9 it should only take two minutes",
        "you can call the courier on 555 123 4567 okay and I live at flat 12 34 high street",
        "your ticket number is 6 6 3 5 8 1 anything else no I have been waiting since 2024",
        "it was 49 dollars and 99 cents and should arrive by 3 30 on tuesday",
        "call me on 0207 946 0958 or 07700 900123",
    ]:
        assert entities(text) == [], text


def test_a_card_with_a_digit_heard_as_a_word_is_one_card_without_a_card_word() -> None:
    # Whisper wrote one digit as "I'm": thirteen digits joined by one word, no card word heard.
    text = "sure it's 3 -0, I'm 3 -5 -8, 1 -5 -6 -4 -3 -6 -0 -8. great"
    assert entities(text) == [(CARD_NUMBER, "3 -0, I'm 3 -5 -8, 1 -5 -6 -4 -3 -6 -0 -8.".replace(" I'm", ""))]
    words = timed(text)
    (card,) = find_entities(words)
    assert (card.start_s, card.end_s) == (words[2].start_s, words[15].end_s)


def test_a_phone_number_and_a_house_number_joined_by_two_words_stay_apart() -> None:
    # eleven digits, "it's number", two digits: no card (two words join them)
    assert entities("call me on 0 7 7 0 0 9 0 0 1 2 3 it's number 4 5 thanks") == []
    # nor twenty digits joined by one word: longer than any card
    assert entities("0 7 7 0 0 9 0 0 1 2 3 or 0 7 7 0 0 9 0 0 1") == []


def test_a_card_read_digit_by_digit_is_one_card_across_two_misheard_words() -> None:
    # the card ask misheard ("the count number"), and "I made" for a digit misheard between two
    # groups: thirteen digits read one by one, joined by two words (fresh tune en-gb+m8 seed 97)
    text = "of course can I take the count number please yes it's 3, 7, 0, 6. I made 3, 4, 0, 4. 9, 1, 0, 3, 1. thank you"
    assert entities(text) == [(CARD_NUMBER, "3, 7, 0, 6. 3, 4, 0, 4. 9, 1, 0, 3, 1.")]
    # a numeral of two digits among them is no reading one by one: apart, as before
    assert entities("yes it's 3, 7, 0, 6. I made 34 0 4 9 1 0 3 1. thank you") == []


def test_single_words_between_groups_count_as_misheard_digits() -> None:
    # eleven digits heard, four lone words where Whisper misheard a digit: a card of fifteen
    text = "it's 4 pigs 4 1 pamom 2 9 i 4 5 0 i 3 3 4 thank you"
    words = timed(text)
    (card,) = find_entities(words)
    assert (card.entity, card.start_s, card.end_s) == (CARD_NUMBER, words[1].start_s, words[15].end_s)
    assert card.confidence == 0.4
    # interjections are no misheard digits: ten digits and three interjections are no card
    assert entities("4 5 yes 1 2 0 okay 3 4 right 5 6 thanks") == []
    # two words between groups: apart (a phone number, a question, a house number)
    assert entities("0 7 7 0 0 9 0 0 1 2 3 and your house 1 2") == []


# -- harmless numbers on tune calls (issue 9: other speech masked) ----------------------------


def at(*words: tuple[float, float, str]) -> list[TimedWord]:
    return [TimedWord(a, b, t) for a, b, t in words]


def test_a_number_heard_twice_in_overlapping_pieces_counts_once() -> None:
    # Whisper heard the start of a phone number in two overlapping pieces: "zero seven zero"
    # and "0, 7, 0, 1, ...", interleaved in time. Eleven digits, not fourteen: no card.
    words = at((23.5, 23.8, "can"), (23.8, 24.0, "call"), (24.77, 25.43, "zero"), (25.43, 26.05, "seven"),
               (26.05, 26.8, "zero"), (24.0, 24.22, "me"), (24.22, 24.94, "Macon."), (24.94, 25.64, "0,"),
               (25.54, 26.26, "7,"), (26.24, 27.16, "0,"), (27.18, 27.98, "1,"), (27.96, 28.56, "2,"),
               (28.54, 29.16, "5,"), (29.14, 29.84, "4,"), (29.7, 30.2, "7,"), (30.2, 30.74, "7,"),
               (30.74, 31.42, "2,"), (31.42, 32.24, "1."), (32.74, 32.82, "Okay,"))
    assert find_entities(words) == []
    # ... and the digit words a numeral covers are that numeral heard again (12 + 11 digits)
    words = at((42.36, 42.56, "call"), (42.56, 42.78, "me"), (42.78, 42.96, "back"), (42.96, 43.3, "on"),
               (43.32, 44.25, "zero"), (44.25, 45.01, "seven"), (45.01, 45.82, "two"), (45.9, 46.6, "four"),
               (46.6, 47.4, "two"), (47.4, 48.28, "two"), (43.68, 52.78, "07242236897"), (48.47, 49.4, "three"),
               (49.4, 50.16, "six"), (50.16, 50.74, "eight"), (50.74, 51.48, "nine"), (51.48, 51.85, "five"),
               (51.85, 52.31, "seven"), (52.78, 53.18, "Right"))
    assert find_entities(words) == []


def test_a_card_heard_twice_is_still_one_card_over_all_of_it() -> None:
    first = [(10.0 + 0.5 * i, 10.4 + 0.5 * i, w) for i, w in enumerate(
        "four five three two oh one five one one two eight three oh three six six".split())]
    again = [(10.1 + 0.5 * i, 10.55 + 0.5 * i, w) for i, w in enumerate("4 5 3 2 0 1 5 1".split())]
    words = at((9.0, 9.4, "card"), *first, *again, (18.5, 18.9, "thanks"))
    (card,) = find_entities(words)
    assert (card.entity, card.start_s, card.end_s) == (CARD_NUMBER, 10.0, 17.9)


def test_a_lone_month_word_is_no_expiry_date() -> None:
    # "good day" heard as "good may" after a card: a month with no year is no expiry date
    text = "card 4532 0151 1283 0366 thanks very much you are welcome and good may goodbye"
    assert entities(text) == [(CARD_NUMBER, "4532 0151 1283 0366")]
    # but a month asked for is still masked (the year lost), and so is a month with its year
    assert entities("and the expiry date please May") == [(EXPIRY, "May")]
    assert entities("card 4532 0151 1283 0366 thanks May twenty seven") == [
        (CARD_NUMBER, "4532 0151 1283 0366"), (EXPIRY, "May twenty seven")]
    # a month that is no ordinary word, right after a card, is still masked, with its day (cards 1.30)
    assert entities("card 4532 0151 1283 0366 thank you very much that is lovely April 26th perfect")[-1] == (
        EXPIRY, "April 26th")


def test_a_reference_read_after_a_card_stays_audible() -> None:
    text = ("card number 4532 0151 1283 0366 expiry twelve twenty seven code seven three one "
            "your payment reference is 8 4 4 3 1 5 lovely")
    assert [e for e, _ in entities(text)] == [CARD_NUMBER, EXPIRY, SECURITY_CODE]
    # a reference right after the code is no part of it either (no chain across "reference")
    text = "card number 4532 0151 1283 0366 expiry 12 27 and the code 6 0 5 your payment reference is 3 3 6 2 0 8 0"
    assert entities(text)[-1] == (SECURITY_CODE, "6 0 5")


def test_harmless_lead_words_keep_numbers_audible_even_right_after_a_card() -> None:
    card = "card 4532 0151 1283 0366 thanks "
    for text in [
        "my order number is 4 5 7 8 2 9",
        "you can call me back on 0 7 7 0 0 9 0 0 1 2 3 4",  # twelve digits heard
        "my phone number is 07700 900 1234",
        "extension 4 4 2 1",
        "the tracking number is 1 2 3 4 5 6 7 8 9 0 1 2",
        "payment references 4 8 or 1 5",
        # "your payment reference is" with "reference" misheard (1.26)
        "your payment threat is 234 five five three",
        "and the payment preferences 5 3 8",
        # "my landline is" as Whisper writes it (1.85), the number's "oh" dropped
        "my land line is 7 7 0 0 9 0 0 1 2 3",
        # and with its "line" lost (1.86: a harmless call's phone number, 11 digits, masked whole)
        "My land is 4, 7, 1, 4, 1, 1, 9, 5, 7, 8, 1. Okay, one moment.",
    ]:
        assert entities(text) == [], text
        assert entities(card + text) == [(CARD_NUMBER, "4532 0151 1283 0366")], text


def test_a_delivery_booked_for_a_date_stays_audible_after_a_number_asked_for() -> None:
    # a harmless call (1.86): the agent's "a number I can search?" read as a card ask, and the caller's
    # delivery times and dates as Whisper wrote them were masked as cards
    text = ("Do you have a number I can search? It's that 3 .1. Let me look into that. delivery one book for "
            "1030 on March 21st. Right last month, delivery one book for 250 on September 3rd. Thank you very much.")
    assert entities(text) == entities(text, unanswered=True) == []
    # a card asked for is still masked after the word
    assert entities("the delivery address is fine, and the card number please 4532 0151 1283 0366") == [
        (CARD_NUMBER, "4532 0151 1283 0366")]


def test_a_number_after_payment_is_card_data_when_asked_for_or_as_long_as_a_card() -> None:
    # "payment" leads in a harmless number only when nothing asked for card data and the run is
    # shorter than a card (1.26)
    assert entities("the security code for the payment please? 7 3 1. thanks") == [(SECURITY_CODE, "7 3 1.")]
    assert entities("for the payment it's 4532 0151 1283 0366") == [(CARD_NUMBER, "4532 0151 1283 0366")]


def test_a_payment_is_the_callers_reason_and_leads_no_harmless_number() -> None:
    # the card ask unheard, a card read one digit a word with digits lost (no Luhn check to pass)
    card = "1 1 5 1 2 3 5 7 1 2 3 6"
    assert entities(f"hi I'm calling to make a payment. yes. look at these {card}. thanks") == [(CARD_NUMBER, card + ".")]
    # the agent's "your payment reference is" keeps its number audible as before (1.26)
    assert entities(f"thanks your payment reference is {card}. goodbye") == []


def test_amounts_and_times_said_with_their_words_stay_audible_after_a_card() -> None:
    card = "card 4532 0151 1283 0366 thanks "
    for text in ["it came to forty five pounds twenty", "I was charged 250 dollars",
                 "it is now eleven twenty pm", "I have been waiting 45 minutes"]:
        assert entities(card + text) == [(CARD_NUMBER, "4532 0151 1283 0366")], text


def test_a_card_after_a_harmless_lead_is_still_a_card_when_it_checks() -> None:
    # a Luhn- and issuer-valid card is masked whatever was said before it
    assert [e for e, _ in entities("my order number is 4532 0151 1283 0366")] == [CARD_NUMBER]
    # and card words said after the harmless ones are the lead: a card read in groups
    text = "sorry my phone rang the card number is 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7"
    assert [e for e, _ in entities(text)] == [CARD_NUMBER]
    # an expiry date and a code asked for are masked however the caller leads in
    assert [e for e, _ in entities("the security code please hang on my phone 7 3 1")] == [SECURITY_CODE]


def test_a_harmless_word_misheard_in_the_agents_ask_does_not_lead_the_answer() -> None:
    # "the three digit security code on the back", misheard: "code" after "ticket" leads
    assert entities("card 4532 0151 1283 0366 and finally the free ticket secure is the code on the mac 6 4 0")[-1] \
        == (SECURITY_CODE, "6 4 0")
    # a harmless word further back than the lead-in is no lead either
    assert entities("card 4532 0151 1283 0366 the ticket is fine okay and now you want the last bit 6 4 0")[-1] \
        == (SECURITY_CODE, "6 4 0")


def test_a_card_word_in_a_harmless_lead_in_does_not_make_a_phone_number_a_card() -> None:
    # "you can call me back on", misheard "call me my card", and eleven digits: a phone number
    assert entities("you can call me my card 0 7 0 9 3 2 2 8 2 8 5 brilliant thanks") == []
    # nor is it the card ask: nothing answers it, nothing is masked as its answer (1.48)
    assert entities("you can call me my card. 0 7 0 0 5 6 0 1 6 6 1 oh very much for your help", unanswered=True) == []
    # eleven digits after a card word alone are still (part of) a card
    assert [e for e, _ in entities("my card is 4 5 3 2 0 1 5 1 1 2 8")] == [CARD_NUMBER]


def test_an_answer_to_the_code_ask_split_by_misheard_words_is_one_code() -> None:
    # "the three numbers on the signature strip" ... "3, 5, 2" heard as "3. It's 5. Number 2."
    text = "4532 0151 1283 0366 expiry 12 27 the three numbers on the signature 3 it's 5 number 2 your payment reference is 5199412"
    assert entities(text)[-1] == (SECURITY_CODE, "3 5 2")
    # without an ask, single digits between words stay audible
    assert entities("we have 3 it's 5 number 2 your payment reference is 5199412") == []


def test_words_said_between_the_runs_of_an_unchecked_card_stay_audible() -> None:
    # thirteen digits, "that's it it's expiring", four, "and the code is", three: no valid card
    # inside, every digit is masked but the words between (three or more) are not; "expiring"
    # names what follows (1.19: a chain of card parts before)
    text = "card 1 2 0 0 1 3 3 4 8 8 4 1 1 that's it it's expiring 0 1 2 6 and the code is 5 2 5 your payment reference"
    words = timed(text)
    found = find_entities(words)
    assert labels(words, found) == [
        (CARD_NUMBER, "1 2 0 0 1 3 3 4 8 8 4 1 1"), (EXPIRY, "0 1 2 6"), (SECURITY_CODE, "5 2 5")]
    masked = [(e.start_s, e.end_s) for e in found]
    for i, w in enumerate(words):
        if not w.text.isdigit():
            assert not any(a <= w.start_s < b for a, b in masked), w.text
    # one word between runs may be a digit misheard: masked with them
    (card,) = find_entities(timed("card 1 2 0 0 1 3 3 4 I'm 8 4 1 1 0 1"))
    assert (card.start_s, card.end_s) == (0.4, 6.3)
    # and so may one of two ("0 9 2 X and the code 2 0 4 3": the expiry's last digit heard as "X")
    (card,) = find_entities(timed("card 1 2 0 0 1 3 3 4 8 8 4 1 1 0 9 2 X Maccoding 2 0 4 3"))
    assert (card.start_s, card.end_s) == (0.4, 9.1)


def test_a_card_length_run_after_a_harmless_lead_is_masked_even_when_it_does_not_check() -> None:
    # a card read off a phone, heard with one digit wrong (no Luhn check): still card data,
    # since a harmless lead-in spares only runs shorter than a card
    text = "it is on my phone hang on 4 5 3 2 0 1 5 1 1 2 8 3 9 3 6 6"
    assert entities(text) == [(CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 9 3 6 6")]
    card = "4532015112830366"
    misreads = [card[:i] + d + card[i + 1:] for i in range(16) for d in "0123456789" if d != card[i]]
    # (but its first digit heard as 0: after a phone word that is a phone number Whisper wrote long, 1.88)
    assert all(entities("my phone number is " + " ".join(m)) for m in misreads if m[0] != "0")
    assert entities("my phone number is " + " ".join("0" + card[1:])) == []
    # twelve digits after it stay audible (a phone number, a reference)
    assert entities("my order number is 4 5 3 2 0 1 5 1 1 2 8 3") == []


def _card_with_between(*between: tuple[float, float, str], resume_s: float = 2.6) -> list[TimedWord]:
    """"card 4532 0151 <between> 1283 0366": a valid card (both checks) read in two halves."""
    return [TimedWord(0.0, 0.4, "card"), TimedWord(0.5, 1.0, "4532"), TimedWord(1.1, 1.6, "0151"),
            *(TimedWord(a, b, t) for a, b, t in between),
            TimedWord(resume_s, resume_s + 0.5, "1283"), TimedWord(resume_s + 0.6, resume_s + 1.1, "0366")]


def spans(words: list[TimedWord]) -> list[tuple[str, float, float, tuple[int, ...]]]:
    return [(e.entity, e.start_s, e.end_s, e.words) for e in find_entities(words)]


def test_real_words_between_the_runs_of_one_card_stay_audible() -> None:
    # 1.0 s between the digits, "that's right" said in it: masked apart, the words audible
    words = _card_with_between((1.8, 2.1, "that's"), (2.1, 2.4, "right"))
    assert spans(words) == [(CARD_NUMBER, 0.5, 1.6, (1, 2)), (CARD_NUMBER, 2.6, 3.7, (5, 6))]
    assert [e.confidence for e in find_entities(words)] == [0.99, 0.99]
    # a filler ("and") is no real word but does not keep the gap masked either
    words = _card_with_between((1.7, 1.8, "and"), (1.8, 2.1, "that's"), (2.1, 2.4, "right"))
    assert spans(words) == [(CARD_NUMBER, 0.5, 1.6, (1, 2)), (CARD_NUMBER, 2.6, 3.7, (6, 7))]


def test_a_gap_that_may_hold_a_misheard_digit_stays_masked() -> None:
    whole = [(CARD_NUMBER, 0.5, 3.7, (1, 2, 5, 6))]
    # "for", "to", "ate", "fine" and a lone letter may be a digit Whisper wrote as a word
    for word in ["for", "to", "too", "won", "ate", "fine", "hide", "X"]:
        assert spans(_card_with_between((1.8, 2.1, "that's"), (2.1, 2.4, word))) == whole, word
        assert spans(_card_with_between((1.8, 2.1, word), (2.1, 2.4, "right"))) == whole, word
    # so may a word the recognizer could not identify
    assert spans(_card_with_between((1.8, 2.1, "that's"), (2.1, 2.4, "<other>"))) == whole
    # one real word alone (a digit misheard: "4 pigs 1"), with or without a filler
    assert spans(_card_with_between((1.8, 2.1, "okay"))) == [(CARD_NUMBER, 0.5, 3.7, (1, 2, 4, 5))]
    assert spans(_card_with_between((1.8, 2.1, "and"), (2.1, 2.4, "okay"))) == [(CARD_NUMBER, 0.5, 3.7, (1, 2, 5, 6))]


def test_a_gap_shorter_than_the_padding_stays_masked() -> None:
    # 0.7 s between the digits: the padding masks nearly all of it, so the card stays whole
    words = _card_with_between((1.65, 1.9, "that's"), (1.9, 2.2, "right"), resume_s=2.3)
    assert spans(words) == [(CARD_NUMBER, 0.5, 3.4, (1, 2, 5, 6))]
    words = _card_with_between((1.65, 1.9, "that's"), (1.9, 2.2, "right"), resume_s=2.4)  # 0.8 s
    assert spans(words) == [(CARD_NUMBER, 0.5, 1.6, (1, 2)), (CARD_NUMBER, 2.4, 3.5, (5, 6))]


def test_words_between_the_digits_of_an_expiry_date_stay_audible_but_no_digit_does() -> None:
    # the card read on into its expiry date, "that is right" said inside the date
    text = "card 4532 0151 1283 0366 1 2 that is right 2 7 thanks"
    words = timed(text)
    found = find_entities(words)
    assert labels(words, found) == [
        (CARD_NUMBER, "4532 0151 1283 0366"), (EXPIRY, "1 2"), (EXPIRY, "2 7")]
    assert [(e.start_s, e.end_s) for e in found] == [(0.4, 1.9), (2.0, 2.7), (4.0, 4.7)]
    masked = [(e.start_s, e.end_s) for e in found]
    for w in words:
        assert any(a <= w.start_s < b for a, b in masked) == w.text.isdigit(), w.text


def test_the_answer_to_a_card_ask_with_words_amid_it_is_card_data() -> None:
    # Whisper heard two of the digits as words ("I made paid"): two runs of 4 and 8 digits, each
    # shorter than a card, joined by more real words than a misheard digit; after the agent's
    # card ask they are the card. The words between stay masked: "I" may be a digit misheard
    text = "could I take the long number on the front of your card okay 1 2 0 2 I made paid 2 7 3 1 6 8 9 0 thanks"
    words = timed(text)
    found = find_entities(words)
    assert labels(words, found) == [(CARD_NUMBER, "1 2 0 2 2 7 3 1 6 8 9 0")]
    assert (found[0].start_s, found[0].end_s) == (5.2, 11.1)  # "I made paid" inside
    # words no digit sounds like, 1.2 s of them, stay audible (the card masked in two parts)
    assert entities(text.replace("I made paid", "that is right")) == [(CARD_NUMBER, "1 2 0 2"),
                                                                    (CARD_NUMBER, "2 7 3 1 6 8 9 0")]
    # without the ask, or when a harmless word leads the run in, the runs stay audible
    assert entities(text.replace("the front of your card", "the top of your letter")) == []
    assert entities(text.replace("okay", "or call me on")) == []


def test_a_run_led_in_by_a_harmless_word_and_starting_with_zero_is_no_card_whatever_its_length() -> None:
    # an 11-digit phone number Whisper wrote with two digits too many (13): no card starts with 0
    phone = "you can call me on 0 7 7 0 0 9 0 0 1 2 3 3 4 thanks"
    assert entities(phone) == []
    # the same digits starting with 4 after a card word, with no harmless word before them, or 15
    # of them (a card whose first digit was misheard as 0), are card data (starting with 4 after
    # "call me on" alone: a phone number whose "oh" Whisper dropped, 1.19)
    assert [e for e, _ in entities(phone.replace("on 0", "on 4"))] == []
    assert [e for e, _ in entities(phone.replace("you can call", "my card you can call").replace("on 0", "on 4"))] == [
        CARD_NUMBER]
    assert [e for e, _ in entities(phone.replace("you can call me on", "okay it is"))] == [CARD_NUMBER]
    # 15 of them after a harmless word that is no phone word: a card whose first digit was misheard as 0
    assert [e for e, _ in entities(phone.replace("you can call me on", "the order is").replace("3 4", "3 4 5 6"))] \
        == [CARD_NUMBER]


def test_a_zero_led_run_after_a_phone_word_is_a_phone_number_whisper_wrote_long() -> None:
    # Whisper writes a phone number read digit by digit with digits too many: a loop at its end
    # ("... 1 2 1 2 1"), a part written twice ("0 7 8 4, 8 0 7 8 4 5 7 2"); no card starts with 0
    # (1.88: tune harmless calls of fsdd-jackson, 5.2-8.8 s masked each, no card digit lost)
    assert entities("my phone number is 0 7 3 4 9 4 8 7 6 0 4 1 4 1 2 1 2 1 thanks") == []
    assert entities("my phone number very zero seven eight four 8 0 7 8 4 5 7 2 5 8 9 7 right") == []
    assert entities("you can call me on " + " ".join("07700900123" * 2) + " thanks") == []
    # longer than two phone numbers, not zero-led, a card word near or the card asked for: card data
    assert [e for e, _ in entities("you can call me on " + " ".join("0770090013572468024681357"))] == [CARD_NUMBER]
    for text in ("my phone number is 4 7 3 4 9 4 8 7 6 0 4 1 4 1 2 1 2 1 thanks",
                 "my card my phone number is 0 7 3 4 9 4 8 7 6 0 4 1 4 1 2 1 2 1",
                 "the long number on your card please, call me on 0 7 3 4 9 4 8 7 6 0 4 1 4 1 2 1"):
        assert [e for e, _ in entities(text)][0] == CARD_NUMBER


def test_a_zero_led_run_of_phone_number_length_is_no_card_without_a_card_word() -> None:
    # the lead-in misheard ("you can call me Macon"), an 11- or 12-digit number starting with 0,
    # then four more digits: the phone number stays audible, the rest is judged on its own
    assert entities("you can Macon 0 7 8 4 5 7 1 3 7 7 6 so 5 2 4 4 okay") == []
    assert entities("zero seven three zero five five one six six nine zero eight right") == []
    # a card word near (not the harmless "call me my card") or the agent's card ask: card data
    assert [e for e, _ in entities("my card is 0 7 8 4 5 7 1 3 7 7 6 0 thanks")] == [CARD_NUMBER]
    assert [e for e, _ in entities("the long number on your card please okay 0 7 8 4 5 7 1 3 7 7 6 0")] \
        == [CARD_NUMBER]
    # 13 digits from 0, or a zero-led code or expiry date after a card, as before
    assert [e for e, _ in entities("okay it is 0 7 7 0 0 9 0 0 1 2 3 3 4 thanks")] == [CARD_NUMBER]
    card = "my card number is 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6 "
    assert [e for e, _ in entities(card + "expiry 0 4 2 7 code 0 4 7")] == [CARD_NUMBER, EXPIRY, SECURITY_CODE]



def test_the_car_number_asked_for_is_the_card_number() -> None:
    # Whisper tiny wrote the agent's "card number" as "car number" (27 times in the tune split's
    # card calls, never in a harmless call), and the caller's answer, an "oh" heard as "or" and
    # two repeated digits lost, was too short for a card without the ask: masked nothing
    ask = "go ahead with the car number whenever you are ready yes it's "
    answer = "6 or 1 8 7 9 8 7 6 6 6 7"
    assert entities(ask + answer) == [(CARD_NUMBER, answer.replace(" or", ""))]
    assert entities(ask.replace("car number", "card number") + answer) == entities(ask + answer)
    # a car that is no card: the same digits stay audible (but for one: eleven digits read one a
    # word are a card wherever they are said, 1.35)
    assert entities(ask.replace("car number", "car park") + answer[:-2]) == []
    assert entities("my car is a 2019 model and the number plate ends 6 0 7 okay") == []
    # "the long number on the front of your card?", written "... of your car?"
    front = "please read me the long number across the front of the car. okay it is "
    assert entities(front + answer) == [(CARD_NUMBER, answer.replace(" or", ""))]
    # "car" running on is no card word ("the front" alone asks for the card since 1.79)
    assert entities(front.replace("car.", "car and").replace("front", "side") + answer[:-2]) == []
    assert entities(front.replace("car.", "car and") + answer[:-2]) == [(CARD_NUMBER, answer[:-2].replace(" or", ""))]


def test_a_numeral_timed_shorter_than_its_digits_reaches_back_from_its_end() -> None:
    # Whisper wrote a card read over 10 s as one token timed 0.6 s at its end, and the word
    # before it no earlier: the card's mask starts 0.5 s a digit (as people read a card out)
    # before the token ends
    words = [TimedWord(21.7, 21.9, "card"), TimedWord(21.9, 22.3, "number"), TimedWord(33.7, 34.3, "It's"),
             TimedWord(34.32, 34.92, "5240120570825679"), TimedWord(34.9, 35.3, "thanks")]
    (card,) = find_entities(words)
    assert (card.entity, card.words) == (CARD_NUMBER, (3,))
    assert (card.start_s, card.end_s) == (34.92 - 16 * 0.5, 34.92)
    # a numeral timed as long as its digits take at the fastest (0.3 s each), and digit words
    # one by one, keep their times
    words[3] = TimedWord(30.0, 34.92, "5240120570825679")
    assert [(e.start_s, e.end_s) for e in find_entities(words)] == [(30.0, 34.92)]
    keyed = [TimedWord(0.1 * i, 0.1 * i + 0.05, d) for i, d in enumerate("4532015112830366")]
    assert [(e.start_s, e.end_s) for e in find_entities(keyed)] == [(0.0, 1.55)]


def test_an_asked_card_written_as_other_words_is_masked_to_the_agents_next_words() -> None:
    # Whisper wrote the caller's card as words: no digits, no card found; the answer is masked
    # whole, from the end of the agent's sentence up to the agent's "thank you"
    text = ("please read me the long number across the front of the card. "
            "I want to welcome a ticket for fine night. thank you and the expiry date please")
    assert entities(text, unanswered=True) == [(CARD_NUMBER, "I want to welcome a ticket for fine night.")]
    assert entities(text) == []  # a provider's transcript: its words are taken as said


def test_an_agent_taking_the_card_asks_for_its_number_though_number_was_misheard() -> None:
    # "can I take the card number please" with "number" written as other words (MBROLA voices:
    # "can I take the card in them but please", "... the card and we're pleased"): taking the card
    # asks for its number, and the caller's card written as words is masked to the agent's next words (1.77)
    text = "of course, can I take the card in them but please? okay it is made more nice time you. thank you"
    assert entities(text, unanswered=True) == [(CARD_NUMBER, "made more nice time you.")]
    assert entities("could you read me the card please? okay it is made more nice time you. lovely",
                    unanswered=True) == [(CARD_NUMBER, "made more nice time you.")]
    # a verb further back, or paying by card, asks for no number
    assert entities("can I take a payment over the phone by card please? yes of course, go ahead", unanswered=True) == []
    assert entities("can I pay by card please? yes of course, let me set that up for you", unanswered=True) == []


def test_an_unanswered_ask_masks_at_most_unanswered_s_of_words() -> None:
    words = timed("can I take the card number please. " + "la " * 60)
    found = find_entities(words, unanswered=True)
    assert [(e.entity, e.confidence) for e in found] == [(CARD_NUMBER, 0.3)]
    assert found[0].start_s == words[7].start_s
    assert words[found[0].words[-1]].start_s <= words[7].start_s + 12.0 < words[found[0].words[-1] + 1].start_s


def test_an_ask_answered_by_a_card_or_naming_no_number_masks_nothing_more() -> None:
    answered = entities("can I take the card number please. sure it's 4532 0151 1283 0366 thanks", unanswered=True)
    assert answered == [(CARD_NUMBER, "4532 0151 1283 0366")]
    assert entities("can I pay by card please? yes of course, let me set that up for you", unanswered=True) == []
    assert entities("yes it is the same as the card holder. no problem take your time", unanswered=True) == []


def test_an_unanswered_ask_stops_where_the_agent_asks_on() -> None:
    assert entities("what is the card number? hang on I cannot find it. and the expiry date", unanswered=True) == [
        (CARD_NUMBER, "on I cannot find it. and the")]  # its mask from the end of "hang" (a lead-in)


def test_a_count_in_the_agents_ask_leaves_the_ask_to_its_answer() -> None:
    # "three" in "the last three digits" is no answer: "zero to five" (a digit heard as "to") is
    text = "and the security code please. the last three digits on the back. next. zero to five. and you will"
    # its mask spans "to" (start to end); found short of three digits, the answer's word before it is masked too
    assert entities(text, unanswered=True) == [(SECURITY_CODE, "next."), (SECURITY_CODE, "zero five.")]
    assert entities(text) == [(SECURITY_CODE, "zero five.")]
    assert entities("what is the sixteen digit number on the front please") == []


def test_a_codes_count_asks_for_the_code_whatever_the_rest_of_the_ask() -> None:
    # "and finally the three digit security code on the back" heard "the last three digits on
    # the list": no code word, but three (or four) digits is what a code has; its answer, written
    # without digits, is masked whole (1.23)
    # (from the caller's first word after "yes,")
    text = "lovely. the last three digits on the list. yes, please have a no. not only have some more gone through and you will"
    answer = (SECURITY_CODE, "please have a no. not only have some more gone")
    assert entities(text, unanswered=True) == [answer]
    assert entities(text.replace("three", "four"), unanswered=True) == [answer]
    # other counts ask nothing; nor does the count on its own for a run (a transcript's words
    # are as said), and an answer with digits answers it
    assert entities(text.replace("three", "five"), unanswered=True) == []
    assert entities(text) == []
    assert entities("the last three digits on the list. it's seven three one. lovely", unanswered=True) == [
        (SECURITY_CODE, "seven three one.")]
    # "on the back" written "on the Mac", "on the map", "on the mat" names the code whatever the
    # count (1.51: 95 times in the tune calls' words, all in card calls); not "call the Mac on"
    for back in ("Mac.", "map.", "mat."):
        assert entities(text.replace("three", "five").replace("list.", back), unanswered=True) == [answer]
    assert entities("you can call the mac on. yes, please have a no. not only", unanswered=True) == []
    # a box is no back ("the charger is missing from the box": the demo's plain call, masked as a code's
    # answer when "from the box" was taken for "on the back", tried in session 34)
    assert entities("my order arrived yesterday, but the charger is missing from the box. I am sorry about that. "
                    "can I have your order number please?", unanswered=True) == []
    assert entities("it says on the box. I am sorry about that.", unanswered=True) == []


def test_whispers_free_digits_for_three_digits_asks_for_the_code() -> None:
    # "and finally the three digits on the back" written "... the free digits that you already
    # called on the phone" (1.25); "free" before "number" asks nothing ("our free number")
    text = "and finally the free digits that you already called on the phone. I made one. your payment reference is"
    assert entities(text, unanswered=True) == [(SECURITY_CODE, "I made one. your")]
    assert entities(text.replace("free digits", "free number"), unanswered=True) == []
    assert entities(text.replace("free digits", "free delivery"), unanswered=True) == []


def test_a_reference_read_after_an_expiry_or_code_ask_answers_no_ask() -> None:
    # "And the three numbers on the signature strip." answered in words Whisper wrote as others
    # ("okay so I'm"), then the agent's "your payment reference is ...": the reference is no code
    # (it was masked as the answer, and the answer left audible), and the ask stays unanswered (1.38)
    text = "and the three number on the signature strip. okay so I'm your payment reference is eight six five. thank you"
    assert entities(text) == []
    assert entities(text, unanswered=True) == [(SECURITY_CODE, "so I'm your")]
    expiry = "and the expiry date please? okay and your booking reference is 0 4 2 7 1 9"
    assert entities(expiry, unanswered=True) == [(EXPIRY, "and your")]
    # an ask answered before the reference is read keeps its answer, and the reference stays audible
    answered = "and the expiry date please? 0 4 2 7 and your booking reference is 0 4 2 7 1 9"
    assert entities(answered, unanswered=True) == [(EXPIRY, "0 4 2 7")]
    # the caller's own harmless words still lead in the answer ("hang on, my phone")
    assert entities("the security code please hang on my phone 7 3 1") == [(SECURITY_CODE, "7 3 1")]


def test_a_card_read_on_over_words_that_may_all_be_digits_misheard_is_one_card() -> None:
    # the card ask misheard ("leave the car home with whenever you're married"): "a free aid" are
    # three digits Whisper misheard, and the card's first digits were left audible (1.39)
    text = "yes, oh three seven a free aid, 9 0 1, 5 0 5, 8, 9 1 2 eight. great"
    assert entities(text) == [(CARD_NUMBER, "oh three seven 9 0 1, 5 0 5, 8, 9 1 2 eight.")]
    words = timed(text)
    assert find_entities(words)[0].start_s == words[1].start_s  # one mask, over "a free aid" too
    # words that cannot be digits still part the runs
    assert entities(text.replace("a free aid", "my new address")) == [(CARD_NUMBER, "9 0 1, 5 0 5, 8, 9 1 2 eight.")]


def test_a_code_named_by_the_caller_is_found_across_a_word_misheard_inside_it() -> None:
    # "and the code is six four zero" with its "four" written "from" (1.40), as an answer to
    # the agent's ask is ("5, number, 2"); the payment reference after it stays audible
    text = "it expires 0 4 2 7 and the code is six from zero. your payment reference is three one two"
    assert entities(text) == [(EXPIRY, "0 4 2 7"), (SECURITY_CODE, "six zero.")]
    words = timed(text)
    code = find_entities(words)[1]
    assert (code.start_s, code.end_s) == (words[10].start_s, words[12].end_s)  # "from" masked with them
    # named by nothing, the same words are no code
    assert entities("my flat is six from zero, thanks") == []


def test_a_card_answering_the_ask_short_of_digits_masks_the_answers_words_before_it_too() -> None:
    # "time, time, time" were digits: a card of 11 found after them
    text = "of course, can I take the card number please? sure it's time time time I know. 6 1 8 7 9 8 7 6 6 6 7 thanks"
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "time time time I know."), (CARD_NUMBER, "6 1 8 7 9 8 7 6 6 6 7")]
    # masked from the end of the caller's lead-in "sure it's" (word 10): Whisper's words are timed loosely
    words = timed(text)
    assert find_entities(words, unanswered=True)[0].start_s == words[10].end_s
    full = text.replace("6 1 8 7 9 8 7 6 6 6 7", "4532 0151 1283 0366")
    assert entities(full, unanswered=True) == [(CARD_NUMBER, "4532 0151 1283 0366")]


def test_a_card_found_long_after_the_card_ask_leaves_the_asks_answer_unanswered() -> None:
    # the caller's card written as other words, a card read out 14 s after the ask (the payment
    # reference, the card read again): no answer to the ask, whose answer is masked as one (1.42)
    ask = timed("of course, can I take the card number please?")
    said = "ready, it's time I made nice big time you them more fine right high yeah me the time I made nice big".split()
    answer = timed_from(4.0, said, 0.5)
    card = "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6".split()
    late = ask + answer + timed_from(18.0, card)
    found = find_entities(late, unanswered=True)
    assert labels(late, found) == [(CARD_NUMBER, " ".join(said[2:])), (CARD_NUMBER, " ".join(card))]
    assert (found[0].start_s, found[0].end_s) == (answer[1].end_s, answer[-1].end_s)  # from the lead-in's end
    # a card read right after the ask answers it
    prompt = ask + answer[:2] + timed_from(5.8, card)
    assert labels(prompt, find_entities(prompt, unanswered=True)) == [(CARD_NUMBER, " ".join(card))]


def test_a_card_ask_run_on_into_its_answer_is_answered_from_the_callers_first_words() -> None:
    # Whisper wrote no full stop and no pause between the agent's card ask and the caller's
    # card, written as other words: the answer starts at the sentence Whisper began with a
    # capital, or after the ask's own words ("number whenever you are ready") (1.46)
    said = "time right nice I them nice me them time yeah time high high you made"
    capital = "read me the long number across the front of the card Okay, it is " + said
    assert entities(capital, unanswered=True) == [(CARD_NUMBER, said)]  # less its lead-in ("Okay, it is")
    lower = "go ahead with the card number whenever you are ready right the number is " + said
    assert entities(lower, unanswered=True) == [(CARD_NUMBER, "the number is " + said)]  # less "right"
    # an expiry or code ask run on into what follows still answers nothing ("call in the back hand")
    assert entities("and the code on the back it is fine time right nice I them", unanswered=True) == []


def test_the_callers_first_word_misheard_as_thanks_does_not_end_the_card_answer() -> None:
    # "Thank OK, it is ..." for "Sure, it's ...": an acknowledgement as the answer's first word
    # is a misheard lead-in, unless the agent goes on to ask for the number (1.46)
    said = "time right nice I them nice me them time yeah time high high you made"
    assert entities("read me the long number across the front of the car. Thank OK, it is " + said, unanswered=True) == [
        (CARD_NUMBER, said)]
    assert entities("read me the long number across the front of the card. Brilliant. " + said, unanswered=True) == [
        (CARD_NUMBER, said)]
    # the agent's own "Lovely, what is the ... number" after a card word that asked nothing
    assert entities("it is the same as the card holder. Lovely, what is the sixteen digit number on the front of "
                    "your card? 4532 0151 1283 0366 thank you", unanswered=True) == [(CARD_NUMBER, "4532 0151 1283 0366")]


def test_a_card_found_after_many_of_the_answers_words_leaves_them_masked_too() -> None:
    # the caller's card written as other words, then digits Whisper heard in what followed: the
    # card found answers the ask late, and the answer's words before it are masked (1.46)
    ask = timed("read me the long number across the front on the card.")
    said = "Okay it is I, nice, fine, I, them, me, more, it's, more, it's, time, yeah, right,".split()
    answer = timed_from(4.4, said)
    card = "1, 1, 2, 1, 6, 6, 7, 0, 8, 1, 7, 5, 2, 1, 1, 2,".split()
    late = ask + answer + timed_from(10.0, card)
    # (less the lead-in, up to where the card's first digit was said: its numeral spans back
    # over the two words before it)
    assert labels(late, find_entities(late, unanswered=True)) == [
        (CARD_NUMBER, " ".join(said[3:-2])), (CARD_NUMBER, " ".join(card))]
    # a lead-in and a hesitation before the card: the card answers the ask
    short = ask + answer[:6] + timed_from(7.0, card)
    assert labels(short, find_entities(short, unanswered=True)) == [(CARD_NUMBER, " ".join(card))]


def test_the_card_before_the_first_expiry_or_code_found_is_masked_when_no_card_was_found() -> None:
    # the card ask and the expiry ask both misheard, the card and the expiry date written as
    # other words: the code found says card data was being taken, and the card was read before
    # the expiry date's ask and answer (1.47), back to the agent's question before it
    said = "for yeah, you, big, time, it's, me, big, nice, high, fine, right, you, high"
    ask = "can I just confirm the name on the account please? go ahead with the number whenever you're ready? yes, it's "
    code = ". and when does it run out? right high. And the three numbers on the signature strip? Yes, 4 1 7."
    assert entities(ask + said + code, unanswered=True) == [
        (CARD_NUMBER, said + ". and when does it run out? right high."), (SECURITY_CODE, "4 1 7.")]
    # 20 s before the code's ask at most (back from "And the three numbers ...", 0.4 s a word)
    long = entities(ask + " ".join([said] * 3) + code, unanswered=True)
    assert long[0][1] == " ".join((" ".join([said] * 3) + ". and when does it run out? right high.").split()[-50:])
    # no card or number word before the data (no payment), or a card found there: nothing more
    plain = "can I just confirm the name on the account please? yes, it's " + said + code
    assert entities(plain, unanswered=True) == [(SECURITY_CODE, "4 1 7.")]
    # the agent's security code ask said before the data's ask says card data was being taken (1.50:
    # the card under a decoding loop, no card or number word heard)
    looped = ("say that this is a good place to go to " + said + ". and when does it run out? right high. "
              "And the security code, the last 3 digits on the back. And the PC. 7. 7. 8.")
    # (masked back from the code's ask, all its sentences: the agent's words stay audible)
    assert entities(looped, unanswered=True) == [
        (CARD_NUMBER, looped[: looped.index(" And the security")]), (SECURITY_CODE, "7. 7. 8.")]
    assert entities(looped.replace("And the security code, the last 3 digits on the back. ", ""), unanswered=True) == []
    card = "please read me the long number across the front of the card. yes, it's 4532 0151 1283 0366" + code
    with_card = entities(card, unanswered=True)
    assert [found for found in with_card if found[0] == CARD_NUMBER] == [(CARD_NUMBER, "4532 0151 1283 0366.")]


def test_the_agents_last_three_goes_on_asking_for_the_code_whatever_its_count_word() -> None:
    # "the last three digits on the back" written "The last three minutes on the Mac.": still the
    # agent's ask, so the caller's answer after the hold is masked, not the ask (1.49)
    asked = ("can I take the card number please? 4532 0151 1283 0366 thank you. and the expiry date? "
             "oh four twenty seven. lovely. and the security code please. The last three minutes on the Mac. ")
    found = entities(asked + "Sorry, it is in my other hand. it is too far.", unanswered=True)
    assert found[-1] == (SECURITY_CODE, "too far.")
    # "last" with no count after it says nothing of the ask
    found = entities(asked.replace("last three minutes", "last few minutes") + "it is too far.", unanswered=True)
    assert found[-1] == (SECURITY_CODE, "The last few minutes on the Mac. it is too far.")


def test_the_card_read_as_other_words_before_the_expiry_ask_is_masked_when_its_ask_was_misheard() -> None:
    # the card ask misheard ("can I pay for the card and please?": no number asked for), the card
    # written as other words: the expiry ask says a card was read just before it (1.44)
    said = "time right nice I them nice me them time yeah time high high you made"
    ask = "can I pay for the card and please? sure, it's "
    expiry = " thank you, and the expiry date please. oh four twenty seven. lovely"
    assert entities(ask + said + expiry, unanswered=True) == [(CARD_NUMBER, said), (EXPIRY, "oh four twenty seven.")]
    # back to the agent's question ("?"), or to a card word, for at most 12 s
    misheard = "go ahead with the car whenever you're ready, "
    assert entities(misheard + said + expiry, unanswered=True)[0] == (CARD_NUMBER, "whenever you're ready, " + said)
    long = " ".join([said] * 3)  # 45 words, 18 s
    # (12 s back from the ask's sentence, "and the expiry date", less the agent's "thank you,": 28 words)
    assert entities(ask + long + expiry, unanswered=True)[0] == (CARD_NUMBER, " ".join(long.split()[-28:]))
    # Whisper ran the caller's last words into the ask's sentence: it starts after a comma, 5 words back at most
    ran_on = "time right nice I them nice me them time, yeah time high and you and the expiry base please. oh four twenty seven"
    assert entities(ask + ran_on, unanswered=True)[0] == (CARD_NUMBER, "time right nice I them nice me them time, yeah time")
    comma = ran_on.replace("high and", "high, and")
    assert entities(ask + comma, unanswered=True)[0] == (CARD_NUMBER, "time right nice I them nice me them time, yeah time high,")


def test_the_count_of_the_agents_code_ask_is_no_answer_to_the_ask_before_it() -> None:
    # "and the three numbers on the signature strip" written "... the three hundred on the signature
    # screen": the count is the ask's, so the implied expiry ask before it ("I'll remain pleased"
    # for "and the expiry date please") stays unanswered and its answer is masked (1.45)
    ask = "thank you. i'll remain pleased. okay, it's nice when it depends. and the {} on the signature screen. "
    code = "one moment. seven three one. lovely"
    for count in ("three hundred", "300", "3", "four"):
        assert entities(CARD_ASKED + ask.format(count) + code, unanswered=True) == [
            CARD_FOUND, (EXPIRY, "nice when it depends."), (SECURITY_CODE, "seven three one.")], count
    assert entities(CARD_ASKED + "and the expiry date please. oh four twenty seven. and the 3 is the signature. "
                    + code, unanswered=True) == [CARD_FOUND, (EXPIRY, "oh four twenty seven."), (SECURITY_CODE, "seven three one.")]
    # a code read after "the" is data: "the code is the 7 3 1 on the back" keeps its digits
    assert entities(CARD_ASKED + "and the security code? it's the 7 3 1 on the back. lovely", unanswered=True) == [
        CARD_FOUND, (SECURITY_CODE, "7 3 1")]


def test_a_hundred_before_on_is_the_count_of_the_agents_code_ask_whatever_follows() -> None:
    # tune sets 333 and 315: "and the three digits on the signature strip" written "And the three hundred
    # on the big nature trip." and "I'm the 300 on the picnic": no code word after it, the count was taken
    # for the code and the caller's code after it left audible (2.00)
    expiry = "and the expiry date please. oh four twenty seven. "
    for ask in ("and the three hundred on the big nature trip. ", "I'm the 300 on the picnic just three. ",
                "and the four hundred on the big nature trip. "):
        assert entities(CARD_ASKED + expiry + ask + "one moment, nine, two, six, two. your payment reference is 5 5 9 0",
                        unanswered=True) == [CARD_FOUND, (EXPIRY, "oh four twenty seven."),
                                             (SECURITY_CODE, "nine, two, six, two.")], ask
    # a hundred before other words, or a hundred of another count, stays a number said
    assert entities(CARD_ASKED + expiry + "and the three hundred for the big nature trip. one moment",
                    unanswered=True)[2] == (SECURITY_CODE, "three hundred")
    assert entities(CARD_ASKED + expiry + "and the five hundred on the big nature trip. one moment",
                    unanswered=True)[2] == (SECURITY_CODE, "five hundred")
    # no card talk: a harmless amount "on" a day masks nothing, as before
    assert entities("I paid the 300 on the invoice and the 250 on the fifth of may. order number 4 5 6 7",
                    unanswered=True) == []


def test_no_card_is_taken_as_read_before_the_expiry_ask_where_something_says_otherwise() -> None:
    said = "time right nice I them nice me them time yeah time high high you made"
    expiry = " thank you, and the expiry date please. oh four twenty seven. lovely"
    # no card or number word before it: no payment ("my membership expires next month")
    assert entities("go ahead with the problem whenever you're ready? " + said + expiry, unanswered=True) == [
        (EXPIRY, "oh four twenty seven.")]
    # a card found (or masked as an answer) before it
    assert entities(CARD_ASKED + said + expiry, unanswered=True) == [CARD_FOUND, (EXPIRY, "oh four twenty seven.")]
    # the card keyed
    words = timed("can I pay for the card and please? " + said + expiry)
    assert labels(words, find_entities(words, unanswered=True, keyed_s=[(4.0, 9.0)])) == [(EXPIRY, "oh four twenty seven.")]
    # an ask in Whisper's "fire" (1.43) says no card was read (its answer is its date all the same)
    fire = " thank you, and the next fire please. oh four twenty seven. lovely"
    assert entities("can I pay for the card and please? " + said + fire, unanswered=True) == [
        (EXPIRY, "oh four twenty seven.")]


def test_a_card_answering_the_ask_short_of_digits_masks_the_answers_words_after_it_too() -> None:
    # dev (tune en-us seed 131): the card's last eight digits written "big faith I want to I in
    # one": masked as long as the missing digits take at the card's own pace, up to the agent
    # speaking again ("great")
    text = ("go ahead with the card number whenever you are ready. yes it's three seven four eight five four "
            "eight four big faith I want to I in one great and the expiry")
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "three seven four eight five four eight four"), (CARD_NUMBER, "big faith I want to I in one")]
    # no longer than the missing digits take: 7 x 0.39 s (3.1 s for 8) x 1.5 = 4.07 s, the words starting by then
    longer = text.replace("in one great", "in one so then some more words here great")
    assert entities(longer, unanswered=True)[1] == (CARD_NUMBER, "big faith I want to I in one so then")
    # a whole card leaves the words after it audible
    full = text.replace("three seven four eight five four eight four", "4532 0151 1283 0366")
    assert entities(full, unanswered=True) == [(CARD_NUMBER, "4532 0151 1283 0366")]
    # and so does a short card's full stop: the next sentence is the agent's next question (dev:
    # "... 7 .6 .7. And what is the expiry made on the card?")
    stop = text.replace("eight four big faith I want to I in one great and the expiry", "eight four. and what is the expiry")
    assert entities(stop, unanswered=True) == [(CARD_NUMBER, "three seven four eight five four eight four.")]
    ended = text.replace("big faith I want", "big faith. I want")
    assert entities(ended, unanswered=True)[1] == (CARD_NUMBER, "big faith.")
    run_on = text.replace("big faith I want", "big faith and what is the")
    assert entities(run_on, unanswered=True)[1] == (CARD_NUMBER, "big faith")


def test_a_card_short_of_digits_is_not_made_whole_by_the_expiry_and_code_it_was_taken_for() -> None:
    # dev (tune en-us+croak seed 131): "time to time" for the card's first digits, 12 found; the
    # expiry date and the code read after it were taken for cards too, and their digits, counted
    # with the card's, made it whole: the words before it stayed audible (and after it, up to
    # the expiry date, the words its missing digit may be)
    text = ("can I take the card number please? yes it's time to time 6 7 1 4 2 1 6 1 8 2 0 2 "
            "are in january 20th and the cold nine seven five")
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "time to time"),
        (CARD_NUMBER, "time to time 6 7 1 4 2 1 6 1 8 2 0 2"),  # its first digits misheard right before it (1.94)
        (CARD_NUMBER, "are in"), (CARD_NUMBER, "january 20th"), (CARD_NUMBER, "nine seven five")]


def test_an_expiry_or_code_ask_that_nothing_answers_masks_a_few_seconds_of_the_answer() -> None:
    # "so big, tender run" for an expiry date: no digit written; masked for 7 s (words 0.4 s
    # apart: 18 words start within 7 s; 5 s until 1.64) from the end of the agent's sentence
    text = "and what is the expiry date on the card? just a second. so big, tender run, it is done now I think it was that thing we had in the end yes"
    # (the caller's "just a second." is no part of it)
    assert entities(text, unanswered=True) == [(EXPIRY, "so big, tender run, it is done now I think it was that thing we")]
    # up to a sentence that starts "and" (the agent's next question; 1.36: it was masked to the 5 s)
    assert entities(text.replace("run, it", "run. and it"), unanswered=True) == [(EXPIRY, "so big, tender run.")]
    # the agent's second sentence still says what is asked: the answer starts after it, and a
    # harmless lead-in ends it
    code = "and the security code please. the last three digits on the map. lonely map. your payment reference is"
    assert entities(code, unanswered=True) == [(SECURITY_CODE, "lonely map. your")]
    answered = "and the security code please. seven three one. and you will get a confirmation shortly"
    assert entities(answered, unanswered=True) == [(SECURITY_CODE, "seven three one.")]


def test_an_unanswered_answer_names_its_asks_word_in_the_words_as_given() -> None:
    # (dual-channel recordings: the answer is not the asker's channel's, ``channels._answering``)
    words = timed("and what is the expiry date on the card? just a second. so big, tender run. and thanks")
    for given in (words, words[::-1]):  # the card logic orders the words by time; indices are the given list's
        found = find_entities(given, unanswered=True)
        assert [(e.entity, given[e.asked].text) for e in found] == [(EXPIRY, "expiry")]
    assert all(e.asked is None for e in find_entities(timed("my card is 4111 1111 1111 1111"), unanswered=True))


def test_the_current_number_asked_for_is_the_card_number() -> None:
    # Whisper tiny wrote one agent voice's "card number" as "current number" in every call
    text = "can I take the current number please? right 9449 92 I made 24 0 0 6 2 6 2 3 1 0 0 5 8 thanks"
    assert entities(text) == [(CARD_NUMBER, "9449 92 24 0 0 6 2 6 2 3 1 0 0 5 8")]


def test_an_ask_answered_by_key_presses_is_answered() -> None:
    # the caller keyed the card after the ask: the words around the tones are no card read out
    words = timed("can I take the card number please? okay here we go. thank you and the expiry date please")
    keyed_s = [(4.2, 9.0)]
    assert find_entities(words, unanswered=True, keyed_s=keyed_s) == []
    assert [e.entity for e in find_entities(words, unanswered=True)] == [CARD_NUMBER]


def test_digits_heard_after_an_ask_the_caller_answers_by_key_presses_answer_no_ask() -> None:
    # an IVR prompt over which Whisper wrote digits ("let's fire eight four oh oh oh five three"
    # for "Now the expiry date, four digits, then hash."), the date then keyed: those words are
    # no spoken expiry date, in pass 1 and when verification hears them again
    words = timed("now the expiry date eight four oh oh oh five three")
    keyed_s = [(4.5, 7.0)]
    assert find_entities(words, keyed_s=keyed_s) == []
    assert find_entities(words, unanswered=True, keyed_s=keyed_s) == []
    assert [e.entity for e in find_entities(words)] == [EXPIRY]  # no key presses: asked and answered
    # key presses long after the ask's window answer nothing
    assert [e.entity for e in find_entities(words, keyed_s=[(40.0, 45.0)])] == [EXPIRY]


def test_a_card_ask_right_after_a_card_is_the_expiry_ask() -> None:
    # "what is the expiry date on the card?" with "expiry" misheard: the answer Whisper wrote
    # without digits is masked as the expiry date's, for 5 s; with no card before it, nothing is asked
    card = "can I take the card number please? 4532 0151 1283 0366. "
    ask = "thanks and what is the necessary date on the card? so big tender run. and the code"
    assert entities(card + ask, unanswered=True) == [
        (CARD_NUMBER, "4532 0151 1283 0366."), (EXPIRY, "so big tender run.")]
    assert entities(ask, unanswered=True) == []


CARD_ASKED = "can I take the card number please? 4532 0151 1283 0366. "
CARD_FOUND = (CARD_NUMBER, "4532 0151 1283 0366.")  # the card CARD_ASKED reads


def test_the_agents_next_question_after_a_card_is_the_expiry_ask() -> None:
    # "and when does the card expire?" written with no expiry word: the next question after
    # the card asks for the expiry, and the answer Whisper wrote without digits is masked
    ask = "thank you. and when does the car next fire? one moment. so big tender run. perfect and the"
    assert entities(CARD_ASKED + ask, unanswered=True) == [
        CARD_FOUND, (EXPIRY, "so big tender run.")]
    assert entities(CARD_ASKED + ask) == [CARD_FOUND]  # a transcript's words are as said
    # a card nobody asked for that fails the Luhn check (a phone number, an order number heard
    # as one) implies no ask; the same card checked does
    assert entities("4532 0151 1283 0367. " + ask, unanswered=True) == [(CARD_NUMBER, "4532 0151 1283 0367.")]
    assert [kind for kind, _ in entities("4532 0151 1283 0366. " + ask, unanswered=True)] == [CARD_NUMBER, EXPIRY]


def test_the_agents_next_question_after_the_expiry_is_the_code_ask() -> None:
    # "the three digits on the back" heard as "... on the mac": a count in the question is no
    # data; the answer is masked up to the harmless lead-in that follows it
    text = CARD_ASKED + "and the expiry date? oh four twenty seven. and finally the three digits on the mac. high and free. your payment reference is"
    assert entities(text, unanswered=True) == [
        CARD_FOUND, (EXPIRY, "oh four twenty seven."), (SECURITY_CODE, "high and free. your")]


def test_an_expiry_after_a_full_length_card_implies_the_code_ask() -> None:
    # a card heard with a digit wrong (no Luhn check) and its ask misheard: the expiry date found
    # after it is card talk, so the agent's next question asks for the code (1.24), and the
    # caller's "one moment" ending it is no digit said (1.20's rule)
    text = ("4532 0151 1283 0367. and when does the car get higher? okay April 2030. lovely until the evening "
            "hummus one moment. well it's time. your payment reference is")
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "4532 0151 1283 0367."), (EXPIRY, "April 2030."),
        (SECURITY_CODE, "well it's time. your")]  # "well" is no lead-in (1.94)
    assert entities(text) == [(CARD_NUMBER, "4532 0151 1283 0367."), (EXPIRY, "April 2030.")]
    # after a part of a card (shorter than any card) nothing is implied; the words before the
    # payment reference are the code all the same (1.79), back to the agent's "lovely" (no pause here)
    part = text.replace("4532 0151 1283 0367.", "4532 0151 1283.")
    assert entities(part, unanswered=True)[1:] == [
        (EXPIRY, "April 2030."), (SECURITY_CODE, "until the evening hummus one moment. well it's time.")]


def test_no_ask_is_implied_where_the_data_came_before_a_question() -> None:
    # the expiry found right after the question answers it; digits said before any question
    # (the caller read the code unasked) leave nothing to imply
    answered = "thank you. and when does the car next fire? oh four twenty seven. lovely and the"
    assert entities(CARD_ASKED + answered, unanswered=True) == [
        CARD_FOUND, (EXPIRY, "oh four twenty seven.")]
    unasked = "okay. three two one. and when does it run out? so big. lovely and the"
    assert entities(CARD_ASKED + unasked, unanswered=True) == [
        CARD_FOUND, (SECURITY_CODE, "three two one.")]
    # (asked in Whisper's words for the expiry date, "fire", the answer is masked all the same: 1.43)
    fire = unasked.replace("does it run out", "does the car next fire")
    assert entities(CARD_ASKED + fire, unanswered=True) == [
        CARD_FOUND, (SECURITY_CODE, "three two one."), (EXPIRY, "so big.")]
    # an acknowledgement alone is no question; the question is the agent's next words, within 6 s
    first = timed(CARD_ASKED + "thank you. lovely.")
    for pause_s, implied in ((4.0, [EXPIRY]), (5.0, [])):  # card: 4.3 s, "lovely.": 5.5 s
        later = [TimedWord(w.start_s + first[-1].end_s + pause_s, w.end_s + first[-1].end_s + pause_s, w.text)
                 for w in timed("and when does it run out? so big tender run. perfect")]
        assert [e.entity for e in find_entities(first + later, unanswered=True)] == [CARD_NUMBER, *implied]


def test_an_expiry_or_code_found_short_of_digits_masks_the_answers_words_before_it_too() -> None:
    # "the number 28" for "oh one, twenty eight": two digits of four were written as words
    ask = CARD_ASKED + "and what is the expiry date? yes. "
    assert entities(ask + "the number 28. lovely and the", unanswered=True)[1:] == [(EXPIRY, "the number"), (EXPIRY, "28.")]
    assert entities(ask + "the number 28. lovely and the")[1:] == [(EXPIRY, "28.")]
    # whole: "April" says two digits; the lead-in "it's" stays audible
    assert entities(ask + "it's oh four twenty eight. lovely and the", unanswered=True)[1:] == [
        (EXPIRY, "oh four twenty eight.")]
    assert entities(ask + "I think April twenty eight. lovely", unanswered=True)[1:] == [(EXPIRY, "April twenty eight.")]
    code = CARD_ASKED + "and the security code? yes. hi tree 42. lovely and the"
    assert entities(code, unanswered=True)[1:] == [(SECURITY_CODE, "hi tree"), (SECURITY_CODE, "42.")]


def test_an_implied_ask_is_answered_only_before_the_agent_asks_for_something_else() -> None:
    # the code found after the agent's code ask answers that ask, not the expiry ask before it
    text = CARD_ASKED + "thanks. and when does the car next fire? so big tender run. and the security code? seven three one. thanks"
    assert entities(text, unanswered=True) == [
        CARD_FOUND, (EXPIRY, "so big tender run."), (SECURITY_CODE, "seven three one.")]


def test_a_card_read_in_parts_implies_the_expiry_ask_after_its_last_part() -> None:
    # a short part of the card right before the question is the card, not an answer
    text = "can I take the card number please? 4532 0151 1283 0366 and 12. thanks. and when does the car next fire? so big tender run. perfect"
    assert entities(text, unanswered=True)[-1] == (EXPIRY, "so big tender run.")


def test_an_answer_is_masked_after_the_callers_hold_and_up_to_the_agents_finally() -> None:
    ask = CARD_ASKED + "thanks. and when does the car next fire? "
    for hold in ("hang on, let me check.", "one moment.", "just a second.", "um, let me see.",
                 # other wordings' holds (1.82)
                 "let me find it.", "give me a second.", "one second please.", "hang about.",
                 "hold on, just getting it out."):
        text = ask + hold + " so big tender run. and finally the three digits on the mac"
        assert entities(text, unanswered=True)[1:] == [(EXPIRY, "so big tender run.")]
    # a digit alone is no hold: "one." is part of the answer
    assert entities("and what is the expiry date on the card? one. two. perfect", unanswered=True) == [(EXPIRY, "one. two.")]


def test_the_front_of_the_card_asks_for_its_number() -> None:
    # "what is the 16-digit number on the front of your card?" with its number words misheard
    answer = " sure, it is time to time. pay pay pay to 7 3 8 or 1 8 5 3. thank you and"
    front = "what in the 15th game is hungry on the front of your card?" + answer
    assert entities(front, unanswered=True) == [(CARD_NUMBER, "time to time. pay pay pay to 7 3 8 or 1 8 5 3.")]
    back = "what in the 15th game is hungry on the back of your card?" + answer
    assert entities(back, unanswered=True) == [(SECURITY_CODE, "7 3 8")]


def test_a_card_answer_written_as_words_is_a_card_the_next_ask_follows() -> None:
    # the card masked as the answer to its ask counts as the card before "the necessary date on the card?"
    text = ("can I take the card number please? I want to welcome a ticket for fine night. thank you. "
            "and the necessary date on the card? so big tender run. lovely")
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "I want to welcome a ticket for fine night."), (EXPIRY, "so big tender run.")]


def test_a_card_ask_for_the_16_digit_number_asks_for_the_number() -> None:
    # Whisper writes "15-digit" as "15", "-digit", the card word 7 words after it
    text = "what is in the 15 -digit term we are given on your card? sure. I want to welcome a ticket for fine night. thank you"
    assert entities(text, unanswered=True) == [(CARD_NUMBER, "I want to welcome a ticket for fine night.")]


def test_expiring_names_an_expiry_date() -> None:
    assert entities("sure it's expiring oh four two seven thanks") == [(EXPIRY, "oh four two seven")]


def test_a_harmless_word_alone_amid_a_reading_of_digits_is_a_digit_misheard() -> None:
    # a stranger voice's "six" written "house" (a harmless lead word) twice inside a card:
    # one card, not a run of nine and two runs led in by "house"
    text = "sure two two one five four four four four seven house two four seven house eight eight thanks"
    assert entities(text) == [(CARD_NUMBER, "two two one five four four four four seven two four seven eight eight")]
    # a harmless word that leads a number in takes more words, or more time
    assert entities("my order number is 1 2 3 4 5 6 and my house is 4 2 thanks") == []
    words = timed("two two one five four four four four seven house") + [
        TimedWord(5.5, 5.8, "two"), TimedWord(5.9, 6.2, "four"), TimedWord(6.3, 6.6, "seven")]
    assert [e.entity for e in find_entities(words)] == []


def test_after_a_cards_expiry_and_code_a_number_nobody_asked_for_is_no_card_data() -> None:
    # the agent's "your payment reference is" misheard: no harmless lead, but the card's
    # expiry date and code are found already
    text = ("my card number is 4532 0151 1283 0366 expires 12 27 security code 7 3 1 okay "
            "your payment preference is 8 1 1 2 8")
    assert entities(text) == [(CARD_NUMBER, "4532 0151 1283 0366"), (EXPIRY, "12 27"), (SECURITY_CODE, "7 3 1")]
    # without a code found yet, a run right after the card is still taken for it
    assert entities("my card number is 4532 0151 1283 0366 expires 12 27 okay 7 3 1")[-1] == (SECURITY_CODE, "7 3 1")


def test_a_code_words_plural_asks_for_the_code() -> None:
    # "the three numbers on the signature strip", written "the free number of signatures"
    assert entities("perfect and the free number of signatures please just a second it's 7 3 lovely") == [
        (SECURITY_CODE, "7 3")]
    assert entities("call me backs 7 3 lovely") == []


def test_after_call_me_on_a_number_short_of_a_card_is_a_phone_number_though_its_oh_was_dropped() -> None:
    assert entities("you can call me back on 7 9 4 9 2 6 2 7 4 1 2 1 0 thanks") == []
    # a card that passes both checks is card data whatever leads it in (a 13-digit Visa)
    assert entities("you can call me back on 4 2 2 2 2 2 2 2 2 2 2 2 2 thanks") == [
        (CARD_NUMBER, "4 2 2 2 2 2 2 2 2 2 2 2 2")]
    # and so is a run longer than any phone number heard with a digit too many
    assert entities("you can call me back on 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 thanks")[0][0] == CARD_NUMBER


def test_a_weak_expiry_word_names_a_date_only_in_card_talk() -> None:
    """"until", "through", "valid" before a date: an expiry date once a card was read, asked for or
    named; in talk with none of these, a date (tune call en-gb+klatt4 seed 94, harmless: "I have been
    waiting 20 minutes until November 20" was masked as an expiry date). Cards 1.21."""
    assert entities("I have been waiting twenty minutes until November 20 and I can see it's clear") == []
    assert entities("the card is valid until November 27") == [(EXPIRY, "November 27")]
    card = "four five three two oh one five one one two eight three oh three six six"
    assert entities(f"{card} thanks and it's valid through twelve twenty seven") == [
        (CARD_NUMBER, card), (EXPIRY, "twelve twenty seven")]
    # a strong expiry word needs no card talk
    assert entities("it expires November 27") == [(EXPIRY, "November 27")]


def test_back_names_the_code_only_as_the_back() -> None:
    """"back" leads in a code only as "the back", as it asks for one only so: "narrow back nine, eight,
    seven, two" (an order number Whisper wrote after a misheard "my order is"; tune call
    fsdd-jackson+fast seed 93, harmless) was masked as a code. Cards 1.22."""
    assert entities("I am going back to the shop nine eight seven two thanks") == []
    assert entities("and the three digits on the back please four one seven") == [(SECURITY_CODE, "four one seven")]
    assert entities("the security code is four one seven") == [(SECURITY_CODE, "four one seven")]


def test_an_answer_to_the_ask_with_digits_too_many_is_masked_all_the_same() -> None:
    # the expiry date and the code read together, or a digit written twice (cards 1.28)
    ask = CARD_ASKED + "thanks. and what is the expiry date? "
    assert entities(ask + "expiring 0 2 2 8 9 6 7. lovely")[1:] == [(EXPIRY, "0 2 2 8 9 6 7.")]
    assert entities(ask + "let me see. 3 1 8, 1 3 3 1. lovely")[1:] == [(EXPIRY, "3 1 8, 1 3 3 1.")]
    code = CARD_ASKED + "thanks. and the security code please? "
    assert entities(code + "yes 5 7 3 9 1. lovely")[1:] == [(SECURITY_CODE, "5 7 3 9 1.")]
    # a phone number after "the back" misheard in a harmless call is none: it follows a phone word
    phone = "let me look at the results of the code. you can call in the back hand for 7 8 1 8 3 4 9 3 3 1. thanks"
    assert entities(phone) == []


def test_an_answer_with_more_digits_than_the_data_holds_does_not_prove_the_answer_heard() -> None:
    # "you are paying $1 .4570 70559" for the code: the answer's words before it are masked too
    code = CARD_ASKED + "thanks. and the security code please? "
    assert entities(code + "you are paying 4 5 7 0 7 0 5 5 9. lovely", unanswered=True)[1:] == [
        (SECURITY_CODE, "you are paying"), (SECURITY_CODE, "4 5 7 0 7 0 5 5 9.")]
    assert entities(code + "you are paying 4 5 7. lovely", unanswered=True)[1:] == [(SECURITY_CODE, "4 5 7.")]


def test_the_calls_closing_is_no_question_and_no_answer() -> None:
    # after the code the caller's thanks is no question, and the agent's goodbye no answer (cards 1.29)
    data = CARD_ASKED + "thanks. and the expiry date? 0 4 2 7. lovely. "
    closing = "brilliant thanks very much for your help. you are welcome and good day goodbye."
    assert entities(data + closing, unanswered=True) == [CARD_FOUND, (EXPIRY, "0 4 2 7.")]
    # a question after the thanks is still the next question; its answer stops at the closing
    asked = "thanks for your help. and when does the car next fire? so big tender run. bye then"
    assert entities(CARD_ASKED + asked, unanswered=True) == [CARD_FOUND, (EXPIRY, "so big tender run.")]
    assert entities(CARD_ASKED + "thanks. and when does the car next fire? so big tender goodbye", unanswered=True) == [
        CARD_FOUND, (EXPIRY, "so big tender")]
    # the agent's "you will get a confirmation" is the closing too, no implied ask for the code (1.41)
    confirmed = "that has all gone through and you will get a confirmation shortly. very much for your help."
    assert entities(data + confirmed, unanswered=True) == [CARD_FOUND, (EXPIRY, "0 4 2 7.")]


def test_whispers_fire_for_expiry_asks_for_the_expiry_date_in_card_talk() -> None:
    # "and the expiry date, please" written "and the next fire is eight, please" (1.43): the
    # answer, written as other words, is masked as the unanswered ask's
    ask = "thank you, and the next fire is eight, please. it's so big tender run. perfect, and the code"
    assert entities(CARD_ASKED + ask, unanswered=True) == [CARD_FOUND, (EXPIRY, "so big tender run.")]
    # with no card number found before it, a fire is a fire
    fire = "there was a fire at the depot, sorry. it's so big tender run. perfect, and the order"
    assert entities(fire, unanswered=True) == []


def test_an_expiry_date_written_as_a_month_and_an_ordinal_is_masked_whole() -> None:
    # "oh three, twenty eight" written "March 28th" (cards 1.30): the day is the year's digits
    ask = CARD_ASKED + "thanks. what is the expiry date on the card? just a second. "
    assert entities(ask + "March 28th. and finally the security code")[1:] == [(EXPIRY, "March 28th.")]
    found = find_entities(timed(ask + "December the 29th. and finally the security code"))
    assert [e.entity for e in found[1:]] == [EXPIRY]  # its digit words, and "the" between them in time
    assert (found[1].start_s, found[1].end_s) == (timed(ask + "December")[-1].start_s, timed(ask + "December the 29th.")[-1].end_s)


def test_a_long_answer_to_the_code_ask_ends_at_its_pause_before_the_reference() -> None:
    # the code, then the payment reference the agent read, "your payment reference is" unheard (1.31)
    ask = CARD_ASKED + "thanks. and the security code please? "
    words = timed(ask + "oh seven six")
    words += [TimedWord(words[-1].end_s + 1.5 + 0.4 * i, words[-1].end_s + 1.8 + 0.4 * i, t)
              for i, t in enumerate("two seven zero six seven two. lovely".split())]
    assert labels(words, find_entities(words))[1:] == [(SECURITY_CODE, "oh seven six")]
    together = timed(ask + "oh seven six two seven zero six seven two. lovely")  # no pause: all of it
    assert labels(together, find_entities(together))[1:] == [(SECURITY_CODE, "oh seven six two seven zero six seven two.")]


def test_a_zero_led_answer_to_the_expiry_ask_is_no_phone_number() -> None:
    # the expiry date and the code read together from "oh": ten digits, as long as a phone number (1.32)
    ask = CARD_ASKED + "thanks. and the expiry date? "
    assert entities(ask + "0 7 2 9 1 1 9 0 7 5. lovely")[1:] == [(EXPIRY, "0 7 2 9 1 1 9 0 7 5.")]
    # after a phone word it is a phone number still
    assert entities(ask + "call me on 0 7 2 9 1 1 9 0 7 5. lovely")[1:] == []


def test_digits_read_just_before_the_expiry_ask_or_date_are_the_card() -> None:
    # the card ask misheard and no card found: the runs read just before an expiry date, parted
    # by words Whisper wrote for digits, or before the expiry ask, read from "oh" as a phone
    # number is, are the card (1.32)
    parted = ("can I take the signal and believe it? okay it is 5, 4, 4, 6. the right tool on the right tool on "
              "3, 6, 2, 7, 9, 7, we're all expiring 1 1 3 4. and the")
    assert entities(parted) == [(CARD_NUMBER, "5, 4, 4, 6."), (CARD_NUMBER, "3, 6, 2, 7, 9, 7,"), (EXPIRY, "1 1 3 4.")]
    zero_led = ("go ahead with the account number. oh eight five five two five two six zero 3, I'm 3, I'm 1. "
                "and what is the expiring aid on the card? no ma'am")
    assert entities(zero_led) == [(CARD_NUMBER, "oh eight five five two five two six zero 3, 3, 1.")]
    # a phone number or an order number led in as one stays audible; so do digits said long before
    expiry = " and what is the expiry date? twelve twenty seven"
    assert entities("you can call me on oh seven seven zero zero nine zero zero one two three." + expiry) == [
        (EXPIRY, "twelve twenty seven")]
    assert entities("my order number is 4 5 6 7 8 9 1 2." + expiry) == [(EXPIRY, "twelve twenty seven")]
    assert entities("that comes to 1250 pounds and 4599 pounds for the rest." + expiry) == [(EXPIRY, "twelve twenty seven")]
    later = "it is 4 5 6 7 8 9 1 2. lovely. thanks for that. let me just check the system for a second. right then," + expiry
    assert entities(later, step_s=0.5) == [(EXPIRY, "twelve twenty seven")]
    assert entities(later, step_s=0.3)[0][0] == CARD_NUMBER  # within 8 s of the ask


def test_words_stacked_at_one_instant_between_a_cards_digits_stay_masked() -> None:
    # a decoding loop over the card's middle digits: Whisper's alignment put the second "the right
    # tool on" at one instant with no length; no one said them there (1.33)
    words = timed("can I take the signal and believe it? okay it is 5, 4, 4, 6. the right tool on")
    at_s = words[-1].end_s
    words += [TimedWord(at_s, at_s, t) for t in "the right tool on".split()]
    words += [TimedWord(at_s + 0.3 + 0.4 * i, at_s + 0.6 + 0.4 * i, t)
              for i, t in enumerate("3, 6, 2, 7, 9, 7, we're all expiring 1 1 3 4. and the".split())]
    assert labels(words, find_entities(words)) == [(CARD_NUMBER, "5, 4, 4, 6. 3, 6, 2, 7, 9, 7,"), (EXPIRY, "1 1 3 4.")]
    # said in time, those words stay audible (test_digits_read_just_before_the_expiry_ask_or_date_are_the_card)


def test_a_number_written_again_as_numerals_timed_too_short_counts_once() -> None:
    # "you can call me on 0 7 2 4 3 6 5 3 8 0", then Whisper wrote the same digits again as one
    # numeral in 0.9 s: one phone number, not 21 digits as long as a card (1.33)
    words = timed("you can call me Macon. 0 7 2 4 3 6 5 3 8 0", step_s=0.6)
    end_s = words[-1].end_s
    words += [TimedWord(end_s + 0.1, end_s + 1.0, "00724365807"), TimedWord(end_s + 1.5, end_s + 1.8, "Okay,")]
    assert find_entities(words) == []
    # in two numerals, a digit dropped and one added ("0, 7, 7, 4, 7, 793. 586. 77479 35863.")
    words = timed("you can call me Macon. 0, 7, 7, 4, 7, 793. 586.", step_s=0.6)
    end_s = words[-1].end_s
    words += [TimedWord(end_s, end_s + 0.8, "77479"), TimedWord(end_s + 0.8, end_s + 1.6, "35863.")]
    assert find_entities(words) == []
    # other digits right after a card, timed short, are no repeat: the card and the rest are masked
    card = timed("can I take the card number please? 4 5 3 2 0 1 5 1", step_s=0.5)
    end_s = card[-1].end_s
    card += [TimedWord(end_s + 0.1, end_s + 0.9, "12830366."), TimedWord(end_s + 1.5, end_s + 1.8, "thanks")]
    assert labels(card, find_entities(card)) == [(CARD_NUMBER, "4 5 3 2 0 1 5 1 12830366.")]


def test_what_was_found_before_a_run_folds_in_entity_by_entity() -> None:
    # the summary the card logic keeps of what it found (linear in a call's entities, not
    # quadratic) says what scanning every entity found so far would say
    rng = Random(7)
    for _ in range(200):
        found = [Entity(rng.choice([CARD_NUMBER, EXPIRY, SECURITY_CODE]), a, a + rng.uniform(0.2, 9.0), 0.5, ())
                 for a in sorted(rng.uniform(0, 120) for _ in range(rng.randint(0, 8)))]
        before = _Before()
        for k in range(0, len(found), 3):
            before = before.then(found[k:k + 3], [])
        cards = [e.end_s for e in found if e.entity == CARD_NUMBER]
        last_card = max(cards, default=None)
        assert before.card_end_s == last_card
        assert before.expiry_end_s == max((e.end_s for e in found if e.entity == EXPIRY), default=None)
        assert before.found_after_card() == {e.entity for e in found if last_card is not None and e.start_s >= last_card}


def test_a_count_before_digits_misheard_as_tickets_asks_for_the_code() -> None:
    # "the last three digits on the back" written "the last three tickets on the map": "three" is
    # the ask's count, not the code, and the answer after it is the code (1.34)
    text = "and the security code please. and the last three tickets on the map. nine eight oh. your payment reference is"
    assert entities(text) == [(SECURITY_CODE, "nine eight oh.")]
    assert entities("I have three tickets for the show and two of them are for today") == []


def test_a_run_that_names_itself_is_judged_apart_from_a_harmless_run_it_chains_to() -> None:
    # "... in the house for 28 and the code is five one six": the code's run chained to a number
    # a harmless word leads in is judged from where "code" names it (1.34)
    assert entities(CARD_ASKED + "in the house for 28 and the code is five one six. lovely")[1:] == [
        (SECURITY_CODE, "five one six.")]
    # with no card talk, a code after an order number stays audible, as does the order number
    assert entities("my order number is 1 2 3 4 and the code is 5 6 7. lovely") == []


def test_an_expiry_date_heard_as_its_year_alone_masks_its_misheard_month() -> None:
    # "November 28" written "no member, 28." after the expiry ask, misheard: in what a speech
    # recognizer heard, the words said just before a year are its month (1.34)
    ask = CARD_ASKED + "thank you, and we have to hire you eight, please. "
    code = " and the security code, please. 7 3 1"
    assert entities(ask + "okay, no member, 28." + code, unanswered=True)[1:] == [
        (EXPIRY, "no member, 28."), (SECURITY_CODE, "7 3 1")]
    # not in a provider's transcript
    assert entities(ask + "okay, no member, 28." + code)[1] == (EXPIRY, "28.")
    # not the ask's words, nor words said long before the year, nor a month already heard
    assert entities(ask + "28." + code, unanswered=True)[1] == (EXPIRY, "28.")
    words = timed(ask + "okay, no member,")
    words += [TimedWord(words[-1].end_s + 2.0 + 0.4 * i, words[-1].end_s + 2.3 + 0.4 * i, t)
              for i, t in enumerate(("28." + code).split())]
    assert labels(words, find_entities(words, unanswered=True))[1] == (EXPIRY, "28.")
    assert entities(ask + "okay, 11 28." + code, unanswered=True)[1] == (EXPIRY, "11 28.")
    assert entities(ask + "okay, April 28." + code, unanswered=True)[1] == (EXPIRY, "April 28.")


def test_a_double_digit_timed_over_its_neighbour_is_said_twice() -> None:
    # Whisper timed each word of a card over the start of the next ("one, 20.8-21.66, one,
    # 21.36-21.9"): the second "one" and the second "four", said after the first's middle, written
    # alike and long enough to say, are digits of their own; dropped as heard again, the card was
    # 11 digits with its ask misheard and stayed audible (1.34)
    words = at((16.6, 16.8, "16"), (16.8, 17.1, "-digit"), (17.1, 17.4, "number"), (17.4, 17.7, "on"),
               (17.7, 17.8, "the"), (17.8, 18.0, "front"), (18.0, 18.1, "and"), (18.1, 18.3, "look"),
               (18.3, 18.5, "at?"), (20.8, 21.66, "one,"), (21.36, 21.9, "one,"), (21.72, 22.28, "four,"),
               (22.04, 22.42, "three,"), (22.34, 23.12, "eight,"), (22.94, 23.42, "three,"), (23.3, 23.94, "four,"),
               (23.74, 24.1, "four,"), (24.06, 24.35, "one."), (24.69, 25.28, "7,"), (25.1, 25.72, "2,"),
               (25.68, 26.1, "3,"), (25.92, 26.76, "4,"), (26.8, 26.9, "thank"), (26.9, 27.2, "you"))
    assert labels(words, find_entities(words)) == [
        (CARD_NUMBER, "one, one, four, three, eight, three, four, four, one. 7, 2, 3, 4,")]
    assert _second_hearings(at((20.8, 21.66, "one,"), (21.36, 21.9, "one,"))) == set()
    # written again as a numeral, or stacked in the first's tail too short to say, it is heard again
    assert _second_hearings(at((20.8, 21.66, "one,"), (21.3, 21.9, "1,"))) == {1}
    assert _second_hearings(at((28.11, 28.53, "three,"), (28.45, 28.59, "three,"))) == {1}


def test_digit_words_inside_a_numeral_that_holds_two_or_more_of_them_are_heard_again() -> None:
    """The digit words whose middle lies in a numeral's span (its edges included) that holds two or
    more are its digits said again; one alone inside a numeral, or a digit word outside, is not."""
    words = at((1.0, 2.0, "4111"), (1.1, 1.3, "four"), (1.8, 2.0, "1"), (1.9, 2.1, "one"), (2.05, 2.25, "one"),
               (5.0, 6.0, "5500"), (5.4, 5.6, "five"), (5.5, 7.5, "2222"), (7.0, 7.2, "two"), (7.3, 7.5, "two"))
    # 4111 holds three (the third's middle on its end); 5500 one; 2222 two, with 5500's "five" inside it
    assert _second_hearings(words) == {1, 2, 3, 6, 8, 9}
    # numerals whose spans overlap, each holding its own: every digit word inside either once
    words = at((0.0, 2.0, "123"), (1.0, 3.0, "234"), *((0.1 + 0.3 * k, 0.3 + 0.3 * k, "nine") for k in range(9)))
    assert _second_hearings(words) == set(range(2, 11))


def test_eleven_digits_read_one_a_word_are_a_card_whose_ask_was_misheard() -> None:
    # the card ask misheard and a few digits lost: "Ready, let's try to 2 0 3 1 6 1 4 5 9 0 1. go."
    # was left audible, and with no card found, the code after it too (1.35)
    card = "ready, let's try to 2 0 3 1 6 1 4 5 9 0 1. go. lovely. "
    assert entities(card + "that's eight, six, eight, four. lovely") == [
        (CARD_NUMBER, "2 0 3 1 6 1 4 5 9 0 1."), (SECURITY_CODE, "eight, six, eight, four.")]
    # a phone number read digit by digit starts with its 0 or has ten digits; a date, an amount or
    # a time is said in numbers of two digits or more
    assert entities("ready, let's try to 0 2 0 3 1 6 1 4 5 9 0. go. lovely.") == []  # eleven, led by 0
    assert entities(card.replace("to 2 0", "to 0")) == []  # ten
    assert entities(card.replace("2 0 3", "20 3")) == []


def test_a_code_named_and_written_as_a_duration_is_the_code() -> None:
    # "and the code is 3 .5 minutes.": Whisper's writing of "three five ..." after the card, left
    # audible as a duration (1.35)
    card = "my card number is 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6. "
    assert entities(card + "and the code is 3 .5 minutes. lovely")[1:] == [(SECURITY_CODE, "3 .5")]
    # a duration with no card before it, or not named, stays a duration
    assert entities("and the code is 3 .5 minutes. lovely") == []
    assert entities(card + "it took 3 .5 minutes. lovely")[1:] == []


def test_an_answer_after_a_long_hold_is_masked_for_a_while_after_it() -> None:
    # "sorry, it's in my other hand" (written "I'll read it in my other hand."), and the expiry date
    # written as other words 6 s later: the answer's window began at the hold, and ended before
    # the answer (1.35; its window 7 s since 1.64)
    words = timed(CARD_ASKED + "thanks. and what is the expiry date on the card?")
    end_s = words[-1].end_s
    words += at((end_s + 1.2, end_s + 1.5, "I'll"), (end_s + 1.5, end_s + 1.8, "read"), (end_s + 1.8, end_s + 1.9, "it"),
                (end_s + 1.9, end_s + 2.0, "in"), (end_s + 2.0, end_s + 2.1, "my"), (end_s + 2.1, end_s + 2.2, "other"),
                (end_s + 2.2, end_s + 2.5, "hand."), (end_s + 8.4, end_s + 9.0, "We'll"), (end_s + 9.0, end_s + 9.5, "have"),
                (end_s + 9.5, end_s + 9.7, "a"), (end_s + 9.7, end_s + 9.9, "flash"), (end_s + 9.9, end_s + 10.0, "to"),
                (end_s + 10.0, end_s + 10.1, "fix."), (end_s + 10.9, end_s + 11.3, "Perfect."))
    # ("We'll" is no lead-in since 1.94: "well" may be the date's "twelve")
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "We'll have a flash to fix.")]
    # with no hold, the answer's window ends as before
    said = "I think it is the right one.".split()
    words[-14:-7] = at(*((w.start_s, w.end_s, t) for w, t in zip(words[-14:-7], said)))
    # ... and the words before "Perfect." are the code (1.79)
    assert labels(words, find_entities(words, unanswered=True))[1:] == [
        (EXPIRY, "I think it is the right one."), (SECURITY_CODE, "We'll have a flash to fix.")]
    # a hold that ends the call
    assert entities(CARD_ASKED + "thanks. and what is the expiry date on the card? one moment.", unanswered=True)[1:] == []


def test_digits_read_before_the_code_ask_are_the_card_when_nothing_else_was_found() -> None:
    # the card ask and the expiry date misheard ("go to numbers whenever you're ready", "It's from
    # the kitchen."): the eight card digits heard, read 10 s before the code ask, were left
    # audible (1.35)
    card = "go ahead and go to numbers whenever you're ready. seven, six, seven, one, two, four, six, eight. "
    talk = "we've got to look under the window to go to close. it's from the kitchen. and finally the "
    ask = "three digit security code on the back please."
    assert entities(card + talk + ask, step_s=0.4)[0] == (CARD_NUMBER, "seven, six, seven, one, two, four, six, eight.")
    # not without the ask, nor read long before it, nor an order number
    assert entities(card + talk, step_s=0.4) == []
    assert entities(card + talk * 4 + ask, step_s=0.4) == []
    order = card.replace("go to numbers", "my order number is")
    assert entities(order + talk + ask, step_s=0.4) == []


def test_a_dense_chain_of_groups_with_no_ask_heard_is_card_data() -> None:
    # a card (and its expiry and code) read in groups, the agent's asks unheard and two or three
    # words between the groups: taken apart, no group is anything; 25 digits in runs at most
    # four words apart are card data (1.37); words between groups stay audible where the card's
    # parts are masked apart, as for any card
    text = ("good morning how can I help you today 9 5 3 2 0 1 5 1 fine thanks 1 2 so what 8 3 0 3 "
            "okay great sure 1 2 2 7 4 0 6 lovely yes good 9 5 1 2 thank you goodbye")
    assert entities(text) == [(CARD_NUMBER, "9 5 3 2 0 1 5 1 1 2"), (CARD_NUMBER, "8 3 0 3"),
                              (CARD_NUMBER, "1 2 2 7 4 0 6"), (CARD_NUMBER, "9 5 1 2")]
    words = timed(text)
    first = find_entities(words)[0]
    assert (first.start_s, first.end_s) == (words[8].start_s, words[19].end_s)  # "fine thanks" inside
    # the same chain after a harmless lead-in, or next to a phone word, stays apart
    assert entities("my order number is " + text.split("today ", 1)[1]) == []
    assert entities("call me back on " + text.split("today ", 1)[1]) == []


def test_a_code_ask_whose_sentence_runs_past_eight_words_is_still_answered() -> None:
    # "and the security code please the last three did it some back." (no stop for nine words
    # after "security"), then the code written as other words: its answer is masked (1.51)
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. and the expiry date? oh four twenty seven. "
    text = card + "and the security code please the last three did it some back. That's one for nine. Your payment"
    # (to the reference's lead word, within the answer's 5 s)
    assert entities(text, unanswered=True)[-1] == (SECURITY_CODE, "That's one for nine. Your")


def test_three_heard_as_through_starts_a_code_answer() -> None:
    # "It's through nine." for "it's three nine ...": "through" (a weak expiry word, "valid
    # through") as the answer's first word is part of it; later in an answer it still ends it
    # ("... gone through": the agent's closing) (1.51)
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. and the expiry date? oh four twenty seven. "
    text = card + "And the security code please. It's through nine. You know"
    assert entities(text, unanswered=True)[-1] == (SECURITY_CODE, "through nine. You know")


def test_a_code_the_caller_names_and_whisper_writes_as_words_is_masked() -> None:
    # "... and the code is two one eight" written "And the code is too big, sir," (1.51): after a
    # card or an expiry date, the words after "the code is" (or Whisper's "the COVID") to the
    # sentence's end, 2.5 s at most, are the code
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. "
    assert entities(card + "And the code is too big, sir, your payment reference in", unanswered=True)[-1] == (
        SECURITY_CODE, "too big, sir, your")
    assert (SECURITY_CODE, "I made time.") in entities(card + "and the COVID, I made time. and you will get",
                                                       unanswered=True)
    # any name of the code the runs' naming knows ("the CVV is", "the security code is"; 1.56)
    assert entities(card + "and the CVV is too big, sir, your payment reference in", unanswered=True)[-1] == (
        SECURITY_CODE, "too big, sir, your")
    # a digit among the words that nothing found uses is no reason to leave them ("two parameters.")
    assert entities(card + "And the code is two parameters. Your payment", unanswered=True)[-1] == (
        SECURITY_CODE, "two parameters.")
    # digits after it are the code found as such; no card before, no code named
    assert entities(card + "And the code is 2 1 8. lovely", unanswered=True)[-1] == (SECURITY_CODE, "2 1 8.")
    assert entities("hello. And the code is too big, sir, your payment reference in", unanswered=True) == []
    # a code of another kind named after the card ("the post code is", address checks) is no card data
    assert entities(card + "and the post code is S W A B. lovely", unanswered=True) == [
        (CARD_NUMBER, "4532 0151 1283 0366")]


def test_an_expiry_or_code_short_of_digits_masks_its_sentence_for_the_missing_digits_time() -> None:
    # "four oh two eight" written "four oh two too late.": the date answering the ask lost a digit,
    # which may follow it as other words (1.52): the words after it in its sentence are masked for
    # as long as its missing digits take at its pace (times MISSING_DIGITS_SLACK), as a card's are
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. "
    expiry = card + "and the expiry date please? four oh two too late. So, and the security code please."
    assert entities(expiry, unanswered=True)[1:] == [(EXPIRY, "four oh two"), (EXPIRY, "too late.")]
    code = card + "and the expiry date please? oh four twenty seven. and the security code please? seven four, too late. your"
    assert entities(code, unanswered=True)[-2:] == [(SECURITY_CODE, "seven four,"), (SECURITY_CODE, "too late.")]
    # a whole code: nothing after it
    whole = code.replace("seven four,", "seven four one,")
    assert entities(whole, unanswered=True)[-1] == (SECURITY_CODE, "seven four one,")


def test_what_is_found_of_another_kind_after_an_expiry_or_code_answer_leaves_the_answer_masked() -> None:
    # the expiry ask answered in words Whisper wrote as others, then something of another kind
    # found in the answer's window ("There's a three number of other ones": a card of one digit,
    # or digits read again): the words before it are masked as the answer, not left audible (1.54)
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. "
    text = card + "and the expiry date please? I'm going to be in the room today. 4 7 1 5 2 9 8 2 3 1 2."
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "4532 0151 1283 0366"), (EXPIRY, "I'm going to be in the"), (CARD_NUMBER, "4 7 1 5 2 9 8 2 3 1 2.")]


def test_the_year_after_a_short_expiry_date_is_that_date_not_the_code() -> None:
    # "zero seven, so that's two eight": the month answering the expiry ask, a word or two, then
    # the year: the rest of the date (1.57), so the code ask is still open for the code read later
    card = "can I take the card number please? 4532 0151 1283 0366 thank you. "
    text = card + "and the expiry date please? zero seven, so that's two eight. one moment. six six five."
    assert entities(text) == [(CARD_NUMBER, "4532 0151 1283 0366"), (EXPIRY, "zero seven,"), (EXPIRY, "two eight."),
                              (SECURITY_CODE, "six six five.")]
    # (the words between are the short month's read-on, 1.52)
    assert entities(text, unanswered=True)[1:] == [(EXPIRY, "zero seven,"), (EXPIRY, "so that's"), (EXPIRY, "two eight."),
                                                   (SECURITY_CODE, "six six five.")]
    # a whole date before: the two digits after it are the code
    whole = card + "and the expiry date please? zero seven two eight, so that's four one. lovely."
    assert entities(whole, unanswered=True)[1:] == [(EXPIRY, "zero seven two eight,"), (SECURITY_CODE, "four one.")]
    # what the card logic keeps of the date before a run: its digits, counted in the runs that said it
    month = _Run([("0", 3), ("7", 4)], 1.0, 1.8, frozenset(), 0, frozenset())
    seen = _Before().then([Entity(EXPIRY, 1.0, 1.8, 0.5, (3, 4))], [month])
    assert (seen.expiry_end_s, seen.expiry_digits) == (1.8, 2)
    assert seen.then([Entity(EXPIRY, 2.5, 3.0, 0.5, (6,))], [_Run([("2", 6), ("8", 6)], 2.5, 3.0, frozenset(), 0,
                                                               frozenset())]).expiry_digits == 2  # "28", one word


def test_a_code_written_as_one_numeral_starts_at_the_lead_in_timed_up_to_it() -> None:
    # Whisper writes "seven five four" as "754." and times it late, the caller's "That's" timed right
    # up to it over the first digit: the code starts at that word (1.58)
    ask = timed("can I take the card number please? 4532 0151 1283 0366 thank you. and the security code please?")
    end_s = ask[-1].end_s
    words = [*ask, TimedWord(end_s + 1.6, end_s + 2.0, "That's"), TimedWord(end_s + 2.0, end_s + 3.1, "754."),
             TimedWord(end_s + 3.4, end_s + 3.7, "lovely")]
    code = find_entities(words, unanswered=True)[-1]
    assert (code.entity, code.words) == (SECURITY_CODE, (len(ask) + 1,))
    assert code.start_s == end_s + 1.6
    # a pause before the numeral: its own time; so with the word before it a number, or digits in words
    paused = [*words[:-2], replace(words[-2], start_s=end_s + 2.2, end_s=end_s + 3.1), words[-1]]
    assert find_entities(paused, unanswered=True)[-1].start_s == end_s + 2.2
    worded = [*ask, TimedWord(end_s + 1.6, end_s + 2.0, "That's"), TimedWord(end_s + 2.0, end_s + 2.4, "seven"),
              TimedWord(end_s + 2.4, end_s + 2.8, "five"), TimedWord(end_s + 2.8, end_s + 3.1, "four.")]
    assert find_entities(worded, unanswered=True)[-1].start_s == end_s + 2.0
    # a provider's transcript (not a recognizer's pass-1 words) is timed as written
    assert find_entities(words)[-1].start_s == end_s + 2.0


def test_a_digit_misheard_as_a_word_right_against_a_cards_edge_is_part_of_the_card() -> None:
    # "four five three two ..." written "for 5 3 2 ...": a word that sounds like a digit, said right
    # against the card's first (or last) digit, is masked with it (1.60); apart from it by a pause, not
    ask = timed("can I take the card number please? sure it's")
    end_s = ask[-1].end_s
    digits = "5 3 2 0 1 5 1 1 2 8 3 0 3 6 6".split()
    card = [TimedWord(end_s + 0.8 + 0.3 * k, end_s + 1.1 + 0.3 * k, d) for k, d in enumerate(digits)]
    last_s = card[-1].end_s
    words = [*ask, TimedWord(end_s + 0.5, end_s + 0.8, "for"), *card, TimedWord(last_s, last_s + 0.3, "to"),
             TimedWord(last_s + 1.0, last_s + 1.3, "thanks")]
    found = find_entities(words, unanswered=True)
    assert [e.entity for e in found] == [CARD_NUMBER]
    assert labels(words, found) == [(CARD_NUMBER, "for " + " ".join(digits) + " to")]
    assert (found[0].start_s, found[0].end_s) == (end_s + 0.5, last_s + 0.3)
    paused = [*ask, TimedWord(end_s + 0.2, end_s + 0.5, "for"), *card, TimedWord(last_s + 0.2, last_s + 0.5, "to"),
              TimedWord(last_s + 1.0, last_s + 1.3, "thanks")]
    assert labels(paused, find_entities(paused, unanswered=True)) == [(CARD_NUMBER, " ".join(digits))]
    # a provider's transcript writes what was said: its "to" after a card is a word
    assert labels(words, find_entities(words)) == [(CARD_NUMBER, " ".join(digits))]


def test_a_question_on_the_card_that_asks_no_number_is_the_expiry_ask_after_the_card_read_before_it() -> None:
    # the card ask unheard ("can I take an account?"), the card's runs parted by two misheard words
    # each, and the expiry ask heard as a question on the card with no number asked ("what is next I
    # remade from the card?"): that question anchors the card read before it as the expiry ask does
    # (1.61), and its answer is the expiry date
    text = ("can I take an account? I'm a please. Right, my home, one high in three, near of six, two, four, "
            "near of eight, six, 717. And what is next I remade from the card? That's one one slash two eight. lovely")
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "one three,"),  # "high" amid its digits is "five" misheard: no part (1.94)
        (CARD_NUMBER, "six, two, four,"), (CARD_NUMBER, "eight, six, 717."),
        (EXPIRY, "one one two eight.")]  # said with "slash": an expiry date on its own (1.83)
    # not a question: no such anchor (said with "slash", the expiry date is one, and anchors the card itself)
    unasked = text.replace("from the card?", "from the card.")
    assert entities(unasked.replace(" slash", ""), unanswered=True) == []
    assert entities(unasked, unanswered=True) == entities(text, unanswered=True)


#: Whisper's words and times (s) for an agent's "what is the sixteen digit number on the front of your
#: card" and the card read after it (tune call mb-af1-en seed 178, a synthetic card), less 14 s.
SIXTEEN_DIGIT_ASK = [
    (0.06, 0.26, "lovely"), (0.26, 0.52, "what"), (0.52, 0.6, "is"), (0.6, 0.82, "a"), (0.82, 1.04, "16"),
    (1.04, 1.32, "-digit"), (1.32, 1.7, "number"), (1.7, 1.9, "on"), (1.9, 1.96, "the"), (1.96, 2.16, "phone"),
    (2.16, 2.34, "to"), (2.18, 2.42, "your"), (3.06, 3.28, "And"), (3.28, 4.14, "remember"), (4.46, 4.88, "5"),
    (4.88, 5.38, "4"), (5.38, 5.68, "0"), (5.68, 6.5, "9"), (6.5, 6.96, "0"), (6.96, 7.28, "5"), (7.28, 7.84, "7,"),
    (7.74, 8.46, "2"), (8.46, 8.88, "0"), (8.88, 9.44, "6"), (9.44, 9.82, "7"), (9.82, 10.58, "4"), (10.58, 10.98, "7"),
    (10.98, 11.54, "3"), (11.54, 12.01, "4."), (12.36, 12.54, "and"), (10.16, 10.18, "for"), (10.18, 10.64, "the"),
    (12.06, 12.44, "for"), (12.44, 12.54, "having"), (12.54, 12.8, "some"), (12.68, 13.38, "one."),
    (13.38, 13.38, "We"), (13.38, 13.54, "able"), (13.54, 14.54, "to"), (14.54, 14.54, "see"),
]  # fmt: skip


def test_a_count_of_a_cards_digits_asks_for_the_card() -> None:
    # the agent's card ask heard with no card word, "phone" in it: the card read after it was led in
    # by "phone" as a phone number, and nothing was masked. A card's length (15, 16) counting digits
    # ("16 -digit", "sixteen digits") asks for the card: the count is no run, and the card read after
    # it answers a card ask (1.62)
    words = at(*SIXTEEN_DIGIT_ASK)
    found = find_entities(words)
    # the fifteen digits heard, and a digit heard right after them ("for having some one.")
    assert labels(words, found) == [(CARD_NUMBER, "5 4 0 9 0 5 7, 2 0 6 7 4 7 3 4."), (CARD_NUMBER, "one.")]
    assert (found[0].start_s, found[0].end_s) == (4.46, 12.01)
    said = [replace(w, text="sixteen") if w.text == "16" else replace(w, text="digits") if w.text == "-digit" else w
            for w in words]
    assert find_entities(said) == found
    # other counts ask for no card: "phone" leads the number in
    assert find_entities([replace(w, text="10") if w.text == "16" else w for w in words]) == []


def test_any_word_that_starts_as_expiry_does_asks_for_the_expiry_date() -> None:
    # the card ask unheard and ten of the card's digits heard, then "what is the expiry date" written
    # "I'm to be expirated to believe": a word of the stem "expir" asks for the expiry date (1.65), so
    # the digits read before it are the card (1.32) and the answer, written as other words, is masked
    text = ("Ready? Okay, so, I'm starting to do 9, 2, 4, 7, 3, 6, 7, 7, 7, 1. Thank you, I'm to be expirated to "
            "believe. From the beginning of the month, to the end of the year. Thank you. Perfect.")
    found = [(CARD_NUMBER, "9, 2, 4, 7, 3, 6, 7, 7, 7, 1."), (EXPIRY, "From the beginning of the month, to the end of the year.")]
    assert entities(text, unanswered=True) == found
    assert entities(text.replace("expirated", "expiries"), unanswered=True) == found
    # a word that only sounds near asks nothing
    assert entities(text.replace("expirated", "exasperated"), unanswered=True) == []
    # such a word is an expiry word wherever the card logic reads one (a run's context, the words
    # between runs), not only as an ask: read as "expires" is
    for said in ("card 4532 0151 1283 0366 and 9 expires 4 2 7 and code 731",
                 "4532 0151 1283 0366 then 12 and it expires 27 thanks",
                 "the card is 4532015112830366. and the code. 731 expires 1227"):
        assert entities(said.replace("expires", "expirated")) == entities(said)


def test_digits_misheard_as_words_right_before_a_card_are_part_of_it() -> None:
    # "nine nine four nine one nine two three ..." written "time time for time 1, time 2, 3, ...":
    # up to MISHEARD_JOIN_WORDS words that sound like digits ("time" for "nine"), each right against
    # the next, at the card's edge are masked with it (1.66; 1.60 took one)
    said = [(0.28, 0.62, "16"), (0.62, 1.02, "digit"), (1.02, 1.38, "number"), (1.38, 1.5, "on"), (1.5, 1.7, "the"),
            (1.7, 1.94, "front"), (1.94, 2.12, "of"), (2.12, 2.34, "your"), (2.34, 2.98, "card?"), (3.5, 3.98, "Right,"),
            (4.38, 4.38, "the"), (4.38, 4.6, "number"), (4.6, 5.28, "is"), (5.28, 5.56, "time"), (5.56, 5.96, "time"),
            (5.96, 6.16, "for"), (6.16, 6.6, "time"), (6.6, 7.16, "1,"), (7.16, 7.24, "time"), (7.24, 7.78, "2,"),
            (7.48, 8.14, "3,"), (8.14, 8.24, "time"), (8.24, 8.84, "8,"), (8.64, 9.08, "3,"), (9.08, 9.34, "time"),
            (9.34, 9.6, "4,"), (9.6, 9.8, "time"), (9.8, 10.32, "1,"), (10.12, 10.7, "2,"), (10.7, 11.3, "firing"),
            (11.3, 11.98, "March"), (11.98, 12.54, "2020,"), (12.54, 13.31, "2009."), (13.35, 14.19, "And,")]
    words = at(*said)
    card = find_entities(words, unanswered=True)[0]
    assert card.entity == CARD_NUMBER and card.start_s == 5.56  # three words before "1,", not "is"'s
    assert [words[i].text for i in card.words][:4] == ["time", "for", "time", "1,"]
    # apart by a pause, only what touches the card
    apart = [replace(w, start_s=w.start_s - 0.1, end_s=w.end_s - 0.1) if w.start_s < 5.9 else w for w in words]
    assert find_entities(apart, unanswered=True)[0].start_s == 5.96


#: Whisper's words and times (s) for a caller's phone numbers read slowly in a harmless call, the
#: first heard short and "call me on" misheard (tune call fsdd-jackson+slow seed 185, less 20 s).
SLOW_PHONE_NUMBERS = [
    (0.06, 0.42, "You"), (0.42, 0.68, "can"), (0.68, 0.88, "call"), (0.88, 1.06, "me"), (1.06, 1.9, "Mercons"),
    (1.9, 2.32, "year"), (2.32, 2.84, "out."), (2.9, 3.12, "That"), (3.12, 3.46, "was"), (3.46, 4.52, "nine,"),
    (4.66, 5.58, "three,"), (5.46, 5.98, "nine."), (6.82, 8.14, "9"), (8.14, 9.04, "0"), (9.04, 9.88, "0"),
    (9.88, 10.54, "3"), (10.54, 11.25, "3."), (16.31, 17.11, "Macon"), (17.11, 17.81, "0"), (17.81, 18.83, "7"),
    (18.83, 19.95, "2"), (19.95, 21.33, "9"), (21.33, 22.13, "6"), (22.13, 22.87, "0"), (22.87, 23.85, "5"),
    (23.85, 24.57, "8"), (24.57, 25.35, "2"), (25.35, 25.81, "9"), (31.55, 32.29, "0,"), (32.29, 33.11, "7,"),
    (32.99, 33.99, "3,"), (33.91, 34.95, "9,"), (34.79, 35.57, "2,"), (35.53, 36.33, "0,"), (36.37, 37.49, "8,"),
    (37.35, 38.29, "3,"), (38.11, 39.07, "0,"), (39.07, 39.81, "7,"), (39.61, 40.07, "5"), (40.53, 41.05, "Ok,"),
]  # fmt: skip


def test_runs_shaped_as_phone_numbers_make_no_dense_card() -> None:
    # three numbers read slowly, a few words or a pause apart, no harmless word near: a card read in
    # groups whose asks were unheard (1.37) masked 37 s of a harmless call. A run of 10-12 digits
    # led by 0 is a phone number, no card's group: such a chain is no dense card (1.67)
    words = at(*SLOW_PHONE_NUMBERS)
    assert find_entities(words, unanswered=True) == []
    # the same groups read as a card's, none led by 0, still are one
    card = [replace(w, text=w.text.replace("0", "4")) for w in words]
    found = find_entities(card, unanswered=True)
    assert found and {e.entity for e in found} == {CARD_NUMBER}


#: Whisper's words and times (s) for the start of a harmless call: an address, an amount, "you can
#: call me back on ..." misheard as "You can call in the back end." and the number read after it
#: (tune call mb-de5-en seed 186, less 2 s).
BACK_END_NUMBER = [
    (0.34, 0.74, "I"), (0.74, 0.74, "am"), (0.74, 2.86, "a"), (2.86, 3.42, "wafer"), (3.42, 3.82, "doctor"),
    (3.82, 3.92, "at"), (3.92, 4.1, "the"), (4.1, 4.1, "time"), (4.1, 4.42, "that"), (4.42, 4.42, "you"),
    (4.42, 4.68, "stay"), (4.68, 4.9, "at"), (4.9, 5.1, "home"), (5.1, 5.1, "and"), (5.1, 5.12, "you"),
    (5.12, 5.3, "have"), (5.3, 5.54, "not"), (5.54, 6.02, "arrived."), (6.6, 6.66, "The"), (6.66, 6.66, "work"),
    (6.66, 6.9, "that"), (6.9, 6.9, "you"), (6.9, 7.3, "have"), (7.3, 7.96, "done"), (7.96, 7.96, "is"),
    (7.96, 8.08, "not"), (8.08, 8.08, "so"), (8.08, 8.62, "confining."), (9.48, 9.64, "The"), (9.64, 9.8, "house"),
    (9.8, 10.08, "number"), (10.08, 10.48, "is"), (10.48, 10.6, "your"), (10.6, 11.0, "place."), (11.64, 11.84, "If"),
    (11.84, 11.94, "you"), (11.94, 12.0, "have"), (12.0, 12.18, "not"), (12.18, 12.26, "seen"), (12.26, 12.46, "any"),
    (12.46, 12.64, "local"), (12.64, 13.06, "health"), (13.06, 13.6, "period,"), (13.88, 14.12, "there"),
    (14.12, 14.24, "is"), (14.24, 14.38, "a"), (14.38, 14.58, "waste"), (14.58, 14.94, "of"), (14.94, 15.14, "$12"),
    (15.14, 15.4, ".50"), (15.4, 15.6, "and"), (15.6, 15.74, "make"), (15.74, 15.9, "the"), (15.9, 16.3, "name."),
    (17.06, 17.2, "If"), (17.2, 17.28, "you"), (17.28, 17.32, "have"), (17.32, 17.52, "not"), (17.52, 17.6, "seen"),
    (17.66, 19.06, "..."), (18.68, 19.3, "You"), (19.3, 19.55, "can"), (19.55, 19.7, "call"), (19.7, 19.86, "in"),
    (19.86, 19.91, "the"), (19.91, 20.05, "back"), (20.05, 20.52, "end."), (20.95, 20.98, "So"), (20.98, 21.27, "7"),
    (21.27, 21.77, "1"), (21.77, 22.34, "4"), (22.34, 22.96, "5"), (22.96, 23.52, "6"), (23.52, 23.82, "4"),
    (23.82, 24.14, "4"), (24.14, 24.7, "1."), (25.5, 25.89, "Don't"), (25.89, 26.02, "forget"), (26.02, 26.29, "to"),
    (26.29, 26.61, "let"), (26.61, 26.98, "me"), (26.98, 27.23, "check"), (27.25, 27.41, "of"), (27.41, 27.52, "a"),
    (27.52, 27.77, "problem."),
]  # fmt: skip


def test_no_card_is_inferred_before_a_code_that_was_only_inferred() -> None:
    # "call me back on" heard "call in the back end.": a code ask ("the back"), its answer masked
    # whole as nothing found answered it (a harmless number); the card read before the first code
    # found (1.47) then masked 19 s of the call before it. Data masked only as an unanswered ask's
    # answer says no card was read before it (1.69)
    words = at(*BACK_END_NUMBER)
    assert [e.entity for e in find_entities(words, unanswered=True)] == [SECURITY_CODE]
    # (data found by its digits still says so: test_the_card_before_the_first_expiry_or_code_found_is_masked...)


#: Whisper's words and times (s) for an agent's card ask and a card read with its first digits
#: misheard (tune call mb-af1-en seed 191, less 7 s).
FRONT_OF_THE_CODE = [
    (0.08, 0.16, "No"), (0.16, 0.46, "problem,"), (0.58, 0.6, "I"), (0.6, 0.8, "can"), (0.8, 1.0, "take"),
    (1.0, 1.14, "a"), (1.14, 1.38, "payment"), (1.38, 1.6, "over"), (1.6, 1.8, "the"), (1.8, 1.98, "phone"),
    (1.98, 2.14, "for"), (2.14, 2.26, "you,"), (2.36, 2.4, "and"), (2.4, 2.46, "you"), (2.46, 2.68, "already"),
    (2.68, 3.02, "believe"), (3.02, 3.18, "that"), (3.18, 3.34, "the"), (3.34, 3.48, "reason"), (3.48, 3.82, "I'm"),
    (3.82, 3.9, "going"), (3.9, 3.98, "to"), (3.98, 4.1, "go"), (4.1, 4.34, "across"), (4.34, 4.56, "the"),
    (4.56, 4.76, "front"), (4.76, 4.98, "of"), (4.98, 5.14, "the"), (5.14, 5.34, "code."), (6.06, 6.26, "Right,"),
    (6.6, 6.68, "the"), (6.68, 7.02, "number"), (7.02, 7.78, "four,"), (7.78, 7.88, "that's"), (7.88, 8.0, "the"),
    (8.0, 8.3, "same"), (8.3, 9.52, "as"), (9.52, 9.58, "the"), (9.58, 10.0, "rule"), (10.0, 10.32, "four,"),
    (10.32, 11.1, "2,"), (10.96, 11.64, "6,"), (11.56, 11.98, "2,"), (11.92, 12.46, "5,"), (12.26, 13.02, "1,"),
    (12.82, 13.56, "three,"), (13.14, 14.02, "six,"), (13.84, 14.58, "three,"), (14.38, 15.02, "six,"),
    (14.86, 15.1, "three,"), (15.02, 15.32, "six,"), (15.14, 15.52, "seven,"), (15.48, 15.96, "six,"),
    (15.8, 16.02, "ten,"), (16.02, 16.22, "we're"), (16.22, 16.54, "at"), (16.54, 16.74, "the"),
    (16.74, 16.74, "empty"), (16.74, 17.2, "three,"), (17.4, 17.92, "and"), (17.92, 18.14, "the"),
    (18.14, 18.5, "President"),
]  # fmt: skip


def test_the_front_of_the_code_is_the_card_ask() -> None:
    # "... read me the long number across the front of the card" written "... across the front of
    # the code.": a code ask, and the card's first digits, written "four, that's the same as the
    # rule", were left audible. The code is on the back: "code" after "front of"/"front on" is the
    # card word misheard, and the card ask's answer starts at the caller's first words (1.70)
    words = at(*FRONT_OF_THE_CODE)
    found = find_entities(words, unanswered=True)
    assert found[0].entity == CARD_NUMBER and found[0].start_s <= 7.02  # from the first "four,"
    # "across the code on the front." (an Amex code) asks for a code, as before
    said = [replace(w, text=t) for w, t in zip(words[25:29], ("code", "on", "the", "front."))]
    assert find_entities(words[:25] + said + words[29:], unanswered=True)[0].start_s > 7.02


def test_a_bare_back_on_leads_in_a_phone_number_whatever_was_written_for_call() -> None:
    # "you can call me back on 0 7 ..." written "You can throw me back on", "come back on": the
    # "oh" dropped, eleven digits read one a word were a card with its ask unheard (tune sets
    # 177-180 and 193-196, harmless calls; 1.72)
    for lead in ("you can throw me back on", "you can come back on", "you can follow me back on"):
        assert entities(f"{lead} 7 4 2 4 0 6 0 1 8 5 7 thanks") == [], lead
    # "the back" is where the code is: "on the back on the strip" asks for it as before
    assert entities("the three digits on the back on the strip please 7 3 1 lovely") == [(SECURITY_CODE, "7 3 1")]
    # a card asked for is card data whatever leads it in
    assert entities("read me the card number please you can come back on 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6")[0][0] == (
        CARD_NUMBER)
    # only right before the number: "I am back on the line" before a card read leads in nothing
    assert entities("read me the card number please sorry I am back on the line it is 4 5 3 2 0 1 5 1 1 2 8 3 thanks") == [
        (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3")]


def test_a_date_read_with_no_card_before_and_nothing_asked_is_no_card() -> None:
    # "my date of birth is the nineteenth of October nineteen seventy" written "My date on birth in
    # 2019, October 19th, 2017.": twelve digits with a month's among them were a card whose ask went
    # unheard (tune harmless calls; 1.73)
    for said in ("my date on birth in 2019, October 19th, 2017. thanks", "my date of birth is 2019, 12 October 1961. okay"):
        assert entities(said, unanswered=True) == [], said
    # the same digits with no month named: as long as a card with a few lost, as before (unless a
    # harmless word leads them in: "birth", 1.83)
    assert entities("I have it in 2019, 10 19, 2017. thanks", unanswered=True)[0][0] == CARD_NUMBER
    assert entities("my date on birth in 2019, 10 19, 2017. thanks", unanswered=True) == []
    # asked for, they answer the ask
    assert entities("can I have the card number please 2019, October 19th, 2017. thanks", unanswered=True)[0][0] == (
        CARD_NUMBER)


def test_a_phone_number_whisper_wrote_twice_is_still_a_phone_number() -> None:
    # "you can call me back on 0 7 ..." read one digit a word, and Whisper wrote the number again
    # after it (a numeral, or the digits over again): twice a phone number is as long as a card,
    # which after "call" was card data (tune harmless calls of fsdd-jackson; 1.75)
    assert entities("you can call me Macon. 0. 5. 9 9 605 733 0 605733007 thanks") == []
    assert entities("you can call me back on year 75. 9, 7, 8, 7, 8, 6, 3, 3, 9, 9, 7, 8, 7, 8, 6, 3, 3. thanks") == []
    # fifteen digits after "call" with nothing said twice: as long as a card, card data as before,
    # unless they start with 0 as no card does (a phone number Whisper wrote long, 1.88)
    assert entities("you can call me back on 4 7 7 0 0 9 0 0 1 2 3 4 5 6 7 thanks")[0][0] == CARD_NUMBER
    assert entities("you can call me back on 0 7 7 0 0 9 0 0 1 2 3 4 5 6 7 thanks") == []
    # the copy's length: the longest one, one digit apart at most; none in a card read once
    assert _heard_twice("05996057330605733007") == 7
    assert _heard_twice("7597878633997878633") == 8
    assert _heard_twice("4532015112830366") == 0
    # longer than a phone number written twice: not searched (the search is cubic in the digits)
    assert _heard_twice("1234567" * 2 + "0" * 20) == 0


def test_a_card_short_of_digits_masks_the_words_after_it_for_its_missing_digits_time_ask_or_not() -> None:
    # Whisper wrote a card's first eight digits and then the rest as other words, its ask unheard
    # ("the current number"): the words after it are masked for as long as its missing digits take
    # at its pace (eight digits over 3.1 s, seven missing: 7 x 0.39 x 1.5 = 4.1 s), across the caller's sentences, up to
    # the agent speaking again (1.76, 1.78)
    ask = "go ahead with the current number whenever you are ready. okay it is "
    card = "5, 5, 7, 7, 4, 3, 3, 1. "
    text = ask + card + "right made you the more fine. lovely, and when does it expire?"
    assert entities(text, unanswered=True) == [(CARD_NUMBER, "5, 5, 7, 7, 4, 3, 3, 1."),
                                               (CARD_NUMBER, "right made you the more fine.")]
    # up to the missing digits' time: ten words start within 4.1 s of the card's end
    long = ask + card + "right made you the more fine time time time time time time time"
    assert entities(long, unanswered=True)[-1] == (CARD_NUMBER, "right made you the more fine time time time time")
    # the agent's next question stays audible: after "and", or a sentence ending in a question mark
    assert entities(ask + card + "right made you and when does it run out?", unanswered=True)[-1] == (
        CARD_NUMBER, "right made you")
    assert entities(ask + card + "right made. Can you read me the rest?", unanswered=True)[-1] == (CARD_NUMBER, "right made.")
    # its ask heard, the answer's read-on masks to its sentence's end ("right made."); the rest goes on past it
    asked = "can I take the card number please? okay it is 5, 5, 7, 7, 4, 3, 3, 1, right made. you the more. lovely"
    assert entities(asked, unanswered=True)[1:] == [(CARD_NUMBER, "right made."), (CARD_NUMBER, "you the more.")]
    # a whole card, or fewer than eight digits read as a card: nothing after it for this reason
    whole = ask + "5, 5, 7, 7, 4, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9. right made you the more fine."
    assert entities(whole, unanswered=True) == [(CARD_NUMBER, "5, 5, 7, 7, 4, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9.")]
    assert entities(ask + "5, 5, 7, 7, 4, 3, 3, 1. right made you.") == [(CARD_NUMBER, "5, 5, 7, 7, 4, 3, 3, 1.")]


def said_at(*turns: tuple[float, str]) -> list[TimedWord]:
    """Each turn's words from its start, one every 0.4 s, each lasting 0.3 s."""
    return [w for start_s, text in turns for w in timed_from(start_s, text.split())]


CARD_READ = ((0.0, "hello I would like to pay my bill. sure go ahead when you are ready."),
             (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."))


def test_the_words_before_the_code_ask_after_a_card_are_its_expiry_date_when_nothing_says_it() -> None:
    # Whisper wrote the expiry ask with no ask word and no question, and the date as other words;
    # the agent's code ask after them says the caller read the expiry date there (1.79)
    words = said_at(*CARD_READ, (14.0, "I read it, I'm a little"), (18.0, "you lie, happy to"),
                    (20.0, "perfect, and the three numbers on the back"), (25.0, "seven two one."))
    assert labels(words, find_entities(words, unanswered=True)) == [
        (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."), (EXPIRY, "you lie, happy to"),
        (SECURITY_CODE, "seven two one.")]
    # its "and" starts the ask's sentence across a pause inside it: none of it is masked
    words = said_at(*CARD_READ, (14.0, "I read it, I'm a little"), (18.0, "you lie, happy to"),
                    (20.0, "and, as you've got it there,"), (23.0, "please, the last three digits on the back"),
                    (28.0, "seven two one."))
    assert labels(words, find_entities(words, unanswered=True))[1] == (EXPIRY, "you lie, happy to")
    # an expiry date found there, or read with the card, leaves nothing to mask
    words = said_at(*CARD_READ, (14.0, "and the expiry?"), (16.0, "oh four twenty seven."),
                    (20.0, "perfect, and the three numbers on the back"), (25.0, "seven two one."))
    assert [kind for kind, _ in labels(words, find_entities(words, unanswered=True))] == [CARD_NUMBER, EXPIRY,
                                                                                         SECURITY_CODE]
    words = said_at((0.0, "sure go ahead when you are ready."),
                    (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 April 27."), (16.0, "I'm a little"),
                    (20.0, "perfect, and the three numbers on the back"), (25.0, "seven two one."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(SECURITY_CODE, "seven two one.")]
    # a provider's transcript is taken as said
    words = said_at(*CARD_READ, (14.0, "I read it, I'm a little"), (18.0, "you lie, happy to"),
                    (20.0, "perfect, and the three numbers on the back"), (25.0, "seven two one."))
    assert [e.entity for e in find_entities(words)] == [CARD_NUMBER, SECURITY_CODE]


def test_the_words_before_the_agent_speaks_again_after_an_expiry_date_are_the_code_when_nothing_says_it() -> None:
    # the agent's code ask was lost and the code written as words; the payment reference the agent
    # reads next says the caller's words before it were the code (1.79)
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (23.0, "oh, it's free free."), (25.5, "your payment reference is A B C."))
    assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "oh, it's free free.")]
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (23.0, "oh, it's free free."), (25.5, "your payment for is A B C."))  # "reference" misheard
    assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "oh, it's free free.")]
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (23.0, "oh, it's free free."), (25.5, "learnly, that's all gone through."))  # "lovely" misheard
    assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "oh, it's free free.")]
    # the agent's acknowledgement right after the date is no such word, nor the call's closing: nothing to mask
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (19.0, "lovely."), (23.0, "you will get a confirmation shortly. lovely."))
    assert [e.entity for e in find_entities(words, unanswered=True)] == [CARD_NUMBER, EXPIRY]
    # a code found after the card: nothing more
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (20.0, "and the code?"), (22.0, "seven two one."), (25.5, "your payment reference is A B C."))
    assert [e.entity for e in find_entities(words, unanswered=True)] == [CARD_NUMBER, EXPIRY, SECURITY_CODE]


def test_a_long_run_after_an_expiry_date_with_no_code_found_is_the_code_to_its_pause() -> None:
    # the code ask unheard, the code read on into the payment reference with no lead word heard:
    # the code up to the pause, the reference audible (1.79); with no pause in it, all of it
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (26.0, "six six zero"), (28.0, "six four six eight eight"))
    assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "six six zero")]
    words = said_at(*CARD_READ, (14.0, "and the expiry date please?"), (17.0, "oh four twenty seven."),
                    (26.0, "9, 9, 1, 7 9, 1, 7"))
    assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "9, 9, 1, 7 9, 1, 7")]


def test_the_number_on_the_front_asks_for_the_card_with_no_card_word_heard() -> None:
    # "what is the 16-digit number on the front of your card" written "what is perfect in the kitchen
    # number and the front": a card ask (1.79); the card read in groups parted by words is its answer,
    # short of digits, so the answer's words before and after it are masked with it
    text = ("what is perfect in the kitchen number and the front and look out. cases in 7. have a 4 9 7 5 1 7. "
            "0 5 2 7 5 go ahead")
    assert [" ".join(t for _, t in entities(text, unanswered=True))] == [
        "cases in 7. have a 4 9 7 5 1 7. 0 5 2 7 5 go ahead"]
    assert entities(text.replace("front", "side"), unanswered=True) == []
    # ... but not the front of something else: a parcel's or a house's number stays audible; Whisper's
    # "the front of the phone" for "... of the card" is the card
    for thing in ("parcel", "house", "letter"):
        ask = f"could you read me the number on the front of the {thing}? yes it is a b c and then x y z thank you"
        assert entities(ask, unanswered=True) == []
    assert entities("what is the long number across the front of the phone. it is a b c d e f. thank you",
                    unanswered=True) == [(CARD_NUMBER, "a b c d e f.")]
    # the code on the front (an Amex code) is no card ask: "front" there changes nothing
    code = "4532 0151 1283 0366. and the security code number on the front please? it is 1 2 3 4"
    assert entities(code, unanswered=True) == entities(code.replace("front", "side"), unanswered=True) == [
        (CARD_NUMBER, "4532 0151 1283 0366."), (SECURITY_CODE, "1 2 3 4")]


def test_the_words_before_the_agent_speaks_again_after_an_asked_card_are_its_expiry_date() -> None:
    # the expiry ask with neither its words nor a question, the date as other words, no code ask
    # after it: the caller's words before the agent's "lovely" are the expiry date (1.79)
    asked = (0.0, "hello I would like to pay my bill. sure, can I take the card number please?")
    words = said_at(asked, (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."), (19.0, "great I read it."),
                    (21.0, "one moment."), (23.0, "I'll just plan it if I haven't."), (26.5, "lovely and defeated me"))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "I'll just plan it if I haven't.")]
    # only from a pause before them: words run on from the card are no answer
    run_on = said_at(asked, (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7. I'll just plan it if I haven't. lovely"))
    assert [e.entity for e in find_entities(run_on, unanswered=True)] == [CARD_NUMBER]
    # ... and an acknowledgement with only such words before it is not yet the agent speaking again
    words = said_at(asked, (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."), (12.9, "done now. great."),
                    (19.0, "I read it."), (21.0, "one moment."), (23.0, "I'll just plan it if I haven't."),
                    (26.5, "lovely and defeated me"))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "I'll just plan it if I haven't.")]
    # not after a card nobody asked for that fails the checks (a phone number taken for a card)
    unasked = said_at(CARD_READ[0], *words_after(words, 6.0))
    assert [e.entity for e in find_entities(unasked, unanswered=True)] == [CARD_NUMBER]


def words_after(words: list[TimedWord], from_s: float) -> list[tuple[float, str]]:
    """``words`` from ``from_s`` on as one turn each."""
    return [(w.start_s, w.text) for w in words if w.start_s >= from_s]


def test_a_code_found_before_the_expiry_date_leaves_the_code_after_it_to_find() -> None:
    # Whisper wrote the agent's "and the expiry date on the card" as digits after the card, taken for
    # a code; the code read after the expiry date is still looked for (1.79): its digits alone, not
    # the words after them as the implied code ask's answer
    words = said_at(CARD_READ[0], (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6."),
                    (14.0, "one six five eight on the card."), (17.0, "I'd like to hear you read, 33."),
                    (20.0, "perfect. and the premium is on the thickness of print."),
                    (27.0, "okay. 97."), (30.0, "you know, I think I'm going"))
    assert labels(words, find_entities(words, unanswered=True))[-2:] == [(EXPIRY, "33."), (SECURITY_CODE, "97.")]


def test_security_after_for_asks_for_no_code() -> None:
    # "can I take your date of birth for security?": the account's security check; its answer is
    # no code left unanswered (1.80). "the security code" still asks for it.
    words = said_at((0.0, "can I take your date of birth for security?"), (4.0, "yes it should be on the system already."))
    assert find_entities(words, unanswered=True) == []
    asked = said_at((0.0, "and the security number on the back?"), (4.0, "yes it should be on the system already."))
    assert labels(asked, find_entities(asked, unanswered=True)) == [
        (SECURITY_CODE, "should be on the system already.")]


def test_a_receipt_number_read_after_the_code_ask_is_no_code() -> None:
    # the agent moved on and reads the receipt number: the code ask stays unanswered (1.80), as
    # after "your payment reference is"
    words = said_at(*CARD_READ, (14.0, "and the security number on the back."),
                    (25.0, "your receipt number is 4 8 2 9 1 7."))
    found = labels(words, find_entities(words, unanswered=True))
    assert (SECURITY_CODE, "4 8 2 9 1 7.") not in found
    assert found[0] == (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7.")
    # ... nor a confirmation number (1.81)
    words = said_at(*CARD_READ, (14.0, "and the security number on the back."),
                    (25.0, "your confirmation number is 4 8 2 9 1 7."))
    assert (SECURITY_CODE, "4 8 2 9 1 7.") not in labels(words, find_entities(words, unanswered=True))


def test_the_calls_closing_ends_an_unanswered_codes_answer() -> None:
    # "is there anything else", "no that's everything" close the call: the answer stops at them (1.80)
    words = said_at(*CARD_READ, (14.0, "and the security number on the back."), (17.0, "hang about."),
                    (19.0, "is there anything else"), (21.0, "no that's everything thanks."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(SECURITY_CODE, "there anything")]  # after the hold


def test_a_code_of_another_kind_leads_a_harmless_number() -> None:
    # "the billing zip code", "your authorisation code is": numbers that are no card data (1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (19.0, "and the billing zip code."),
                    (21.5, "9 0 2 1 0."), (25.0, "your authorisation code is 5 1 7 4 3 5."))
    # (nor the words before the authorisation code as the code read after the expiry date, "code. 9 0 2 1 0.")
    assert labels(words, find_entities(words, unanswered=True)) == [
        (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."), (EXPIRY, "0 4 2 7.")]


def test_the_agents_question_for_something_else_is_no_implied_code_ask() -> None:
    # after the expiry date, "and the house number of the billing address?" asks for no code (1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (19.0, "and the house number of the billing address?"), (23.0, "it's on the letter."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "0 4 2 7.")]


def test_a_reference_the_agent_reads_is_no_code_said_before_the_agent_speaks_again() -> None:
    # no code found after the expiry date: the caller's words till the agent's next sentence would be
    # masked as the code, but a reference read out there is none (1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (19.0, "your receipt number five four seven nine five one."), (23.0, "lovely that's all paid."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "0 4 2 7.")]


def test_a_code_named_after_the_code_was_taken_is_another_code() -> None:
    # "the code is" masks the words after it as the code Whisper wrote as words, unless the code was
    # taken already: then it names another ("the authorisation code is", its first word misheard; 1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (19.0, "and the security code."),
                    (21.0, "8 5 6."), (24.0, "lovely. the automation code is too big sir."), (29.0, "thanks bye."))
    found = labels(words, find_entities(words, unanswered=True))
    assert found[1:] == [(EXPIRY, "0 4 2 7."), (SECURITY_CODE, "8 5 6.")]
    # ... and before the code is taken, the words after "the code is" are the code
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (24.0, "and the code is too big sir."))
    assert (SECURITY_CODE, "too big sir.") in labels(words, find_entities(words, unanswered=True))


def test_the_payment_accepted_is_the_calls_closing() -> None:
    # "the payment has been accepted", "approved", "processed" close the call: an unanswered code's
    # answer stops at them (1.83)
    for closing, word in (("that's approved for you.", "approved"), ("all done that's been processed.", "processed"),
                          ("okay that was successful.", "successful"), ("it's been accepted.", "accepted")):
        words = said_at(*CARD_READ, (14.0, "and the security number on the back."), (17.0, "hang about."),
                        (19.0, "is it the"), (21.0, closing))  # the agent's closing after a pause
        (kind, masked), = labels(words, find_entities(words, unanswered=True))[1:]
        assert kind == SECURITY_CODE and masked.startswith("the") and word not in masked, closing


def test_the_calls_closing_sentence_is_no_unanswered_answer() -> None:
    # the code ask's sentence took the code ("... on the map it's time for 4."); the agent's "You will
    # get a confirmation shortly." after it is the closing whole, not an answer cut at "confirmation" (1.95)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (18.0, "and finally the 3 digits on the map it's time for 4."),
                    (24.0, "You will get a confirmation shortly."), (27.0, "Brilliant, thanks."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "0 4 2 7.")]
    # ... but words said before it in a sentence of their own are still the answer
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (18.0, "and finally the 3 digits on the back."), (21.0, "time for fall."),
                    (24.0, "You will get a confirmation shortly."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [
        (EXPIRY, "0 4 2 7."), (SECURITY_CODE, "time for fall.")]


def test_an_expiry_answer_stops_at_and_starting_the_agents_code_ask_after_a_comma() -> None:
    # the date written as other words ending in a comma ("And when did I,"), then the agent's "and ...,
    # please, the last three digits on the Mac": an "and" that starts a sentence asking for data starts
    # the next question even when Whisper wrote no full stop before it (1.95)
    words = said_at(*CARD_READ, (14.0, "and the expiry date please, just a second."), (18.0, "And when did I,"),
                    (19.6, "and I think you already called, please, the last three digits on the Mac, just a second"))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "And when did I,")]
    # ... an "and" that asks for nothing is still the answer's ("twelve and twenty six" misheard)
    words = said_at(*CARD_READ, (14.0, "and the expiry date please."), (16.0, "tall, and went to fix."),
                    (20.0, "Lovely."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "tall, and went to fix.")]


def test_the_payment_reference_with_its_reference_misheard_is_no_code_before_the_agent_speaks_again() -> None:
    # no code found after the expiry date; "Your payment preferences 9 4 8 9 8." is the agent's payment
    # reference, its "reference" misheard: the words before the agent's "Lovely" are no code (1.95)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (19.0, "Your payment preferences 9 4 8 9 8."), (23.0, "Lovely, thank you."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "0 4 2 7.")]


def test_the_agents_one_question_for_the_expiry_date_and_the_code_is_no_expiry_date_before_the_code_ask() -> None:
    # "Can I have the expiry date and the security code please?": the code ask's sentence starts at
    # its "and", and the words before it, the same question's expiry ask, were masked as the expiry
    # date said before the code ask (1.79); an expiry ask whose sentence runs on into the code ask's
    # is the agent's, not the caller's answer (1.96)
    for ask in ("the security code please?", "the three digit code on the back please?"):
        words = said_at(*CARD_READ, (13.0, f"thanks. can I have the expiry date and {ask}"),
                        (19.0, "sure, oh four two seven."), (22.0, "and the code?"), (24.0, "one two three."))
        assert labels(words, find_entities(words, unanswered=True))[1:] == [
            (EXPIRY, "oh four two seven."), (EXPIRY, "oh four two seven."), (SECURITY_CODE, "one two three.")]
    # the caller's own "it expires" before the code ask is still the expiry date: ending its sentence,
    # or not (Whisper left no full stop), across the pause before the agent's turn or straight on
    for caller, agent_s in (("it expires over to set.", 17.0), ("it expires over to set", 17.0),
                            ("expiry date over to set", 17.0), ("the expiry is over to set", 17.0),
                            ("it expires over to set", 16.2)):
        words = said_at(*CARD_READ, (14.0, caller), (agent_s, "perfect, and the three numbers on the back"),
                        (22.0, "seven two one."))
        assert labels(words, find_entities(words, unanswered=True))[1:2] == [(EXPIRY, caller)], caller


def test_the_callers_a_payment_before_an_unheard_expiry_date_leads_no_reference() -> None:
    # the expiry date said as other words for the UNANSWERED_S before the code ask, "payment" the word
    # just before them: "the payment" may lead the agent's payment reference (1.95), but "make a
    # payment" is the caller's reason (``lead_of``), no lead: the words after it were kept audible
    answer = "I read it, I'm a little you lie, happy to so there it is and that is"
    for lead, expiry in (("the payment", []), ("a payment", [(EXPIRY, answer)]), ("a purchase", [(EXPIRY, answer)])):
        words = said_at(*CARD_READ, (13.0, f"right I would like to make {lead}"), (16.2, answer),
                        (24.0, "perfect, and the three numbers on the back"), (28.0, "seven two one."))
        assert labels(words, find_entities(words, unanswered=True))[1:] == [*expiry, (SECURITY_CODE, "seven two one.")]


def test_card_data_said_again_is_that_data_too() -> None:
    # the caller asked to say the code again, the agent reading the expiry date back (1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (18.0, "so that's oh four two seven."),
                    (21.0, "and the security code."), (23.0, "7 3 1."), (25.0, "sorry could you say that again?"),
                    (28.0, "seven three one."), (31.0, "lovely your order number is 7 3 1 5."))
    found = labels(words, find_entities(words, unanswered=True))
    assert [text for _, text in found[1:3]] == ["0 4 2 7.", "oh four two seven."]  # the read-back: masked (as a code)
    assert found[3:] == [(SECURITY_CODE, "7 3 1."), (SECURITY_CODE, "seven three one.")]  # the order number stays


def test_an_unanswered_answer_stops_where_the_agents_next_ask_starts_with_last() -> None:
    # "Last thing, ...", "Last of all, ..." start the agent's next question as "And ..." does (1.83)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.5, "over to a fine."),
                    (18.0, "Last thing, the free knees on the map."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "over to a fine.")]


def test_a_year_of_birth_said_again_and_again_is_no_card() -> None:
    # Whisper writing a date of birth over and over ("I was born in 1984. ...") chained the years
    # into a run as long as a card; "born" and "birth" lead in a harmless number (1.83)
    heard = [(33.12, 33.44, "was"), (33.44, 33.94, "born"), (33.94, 34.72, "in"), (34.72, 35.55, "1984."),
             (36.13, 36.62, "When"), (36.62, 37.05, "I"), (37.05, 37.17, "was"), (37.17, 37.17, "born"),
             (37.17, 37.17, "in"), (37.17, 37.34, "1984,"), (37.34, 37.34, "I"), (37.34, 37.52, "was"),
             (37.52, 37.52, "born"), (37.52, 37.52, "in"), (37.52, 38.7, "1984."), (38.8, 39.03, "It"),
             (39.03, 39.34, "came"), (39.34, 39.52, "in"), (39.52, 39.9, "1984"), (39.9, 40.62, "to"),
             (40.62, 40.62, "have"), (40.62, 40.62, "a"), (40.62, 41.44, "64."), (41.44, 41.7, "I"),
             (41.7, 41.81, "was"), (41.81, 41.81, "born"), (41.81, 41.81, "in"), (41.81, 43.17, "1984.")]
    assert find_entities([TimedWord(a, b, text) for a, b, text in heard], unanswered=True) == []  # a tune call's words
    assert entities("can you confirm your date of birth? it's 1 2 0 3 1 9 8 5.", unanswered=True) == []


def test_you_can_reach_me_on_leads_a_phone_number() -> None:
    # "you can reach me on 07 ...", its "oh" dropped: a phone number, no card with digits lost (1.83)
    assert entities("you can reach me on 7 9 4 1 2 3 4 5 6 7 thanks", unanswered=True) == []
    # ... and with digits too many (Whisper's "0 .10 0 .8, 0 .3, ..."), no card either
    assert entities("you can reach me on 0 7 7 0 0, 9 0 0 1 2 3, 4 5 thanks", unanswered=True) == []


def test_a_month_and_a_year_said_with_slash_are_an_expiry_date() -> None:
    # "zero seven slash two six": how expiry dates are read, with no ask or card heard (1.83)
    assert entities("let me see. that's zero seven slash two six. thanks", unanswered=True) == [
        (EXPIRY, "zero seven two six.")]  # (the masker covers the span, "slash" too)
    assert entities("that's one two slash two oh two seven. thanks", unanswered=True) == [
        (EXPIRY, "one two two oh two seven.")]
    # no month: no expiry date
    assert entities("that's four seven slash two six. thanks", unanswered=True) == []


def test_an_ask_said_again_asks_for_the_same_data() -> None:
    # "sorry, I missed that, the code again please": the agent asks again for what it asked last,
    # and the caller's second answer, written as other words, is that data too (1.84)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (18.0, "and the security code."),
                    (20.0, "it's the design tool."), (23.0, "sorry, I missed that. the code again, please."),
                    (27.0, "it's the design tool."), (30.0, "lovely, that has gone through."))
    # the first answer's window (UNANSWERED_S) takes in the agent's ask again; its answer is masked all the same
    assert labels(words, find_entities(words, unanswered=True))[2:] == [
        (SECURITY_CODE, "the design tool. sorry, I missed that. the code again, please. it's"),
        (SECURITY_CODE, "the design tool.")]
    # its digits answer it as they answer the ask itself ("pardon, say it again? six six six.")
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (18.0, "and the security code."),
                    (20.0, "6 3 6."), (22.0, "pardon, say it again?"), (25.0, "six, six, six."),
                    (27.0, "lovely, that has gone through."))
    assert labels(words, find_entities(words, unanswered=True))[2:] == [
        (SECURITY_CODE, "6 3 6."), (SECURITY_CODE, "six, six, six.")]


def test_again_asks_for_nothing_long_after_an_ask_or_with_none() -> None:
    # REASK_S after the last ask, or in a call with no ask, "again" asks for no card data (1.84)
    late = said_at(*CARD_READ, (14.0, "and the security code."), (16.0, "7 3 1."), (20.0, "thank you."),
                   (50.0, "could you say your order number again?"), (53.0, "it's four five six."))
    assert labels(late, find_entities(late, unanswered=True))[1:] == [(SECURITY_CODE, "7 3 1.")]
    none = said_at((0.0, "hello, I'd like to check an order."), (4.0, "sure, the order number?"),
                   (7.0, "four five six."), (9.0, "pardon, say it again?"), (12.0, "four five six."))
    assert find_entities(none, unanswered=True) == []


def test_the_code_after_an_ask_for_card_data_is_the_security_code() -> None:
    # "and the code?" with no code word heard ("the secure is the code"): after the agent asked for the
    # card or its expiry date, "the code" is the security code, and its answer is masked (1.84)
    def after_expiry(ask: str) -> list[TimedWord]:
        return said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (19.0, ask),
                       (21.0, "it's five oh one."), (24.0, "lovely, that has gone through."))

    assert labels(words := after_expiry("and the code?"), find_entities(words, unanswered=True))[2:] == [
        (SECURITY_CODE, "five oh one.")]
    # "the organisation code" names a code of another kind, and so does "the code" once the code was asked for
    for text in ("and the strip? 7 3 1. the organisation code is 5 5 5 3 4 6.",
                 "and the security code? 7 3 1. and the code is 5 5 5 3 4 6."):
        words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."), (19.0, text),
                        (30.0, "lovely, that has gone through."))
        assert labels(words, find_entities(words, unanswered=True))[2:] == [(SECURITY_CODE, "7 3 1.")]


def test_an_expiry_date_found_after_the_answers_window_leaves_the_ask_unanswered() -> None:
    # the date said as other words ("sure, it's made Wednesday"), then four digits found well after the
    # answer's window (UNANSWERED_S: a number read later, here taken for an expiry date) answer
    # nothing: the words in the window are masked as the ask's answer (1.84)
    words = said_at(*CARD_READ, (14.0, "and the expiry date, please."), (16.0, "sure, it's made Wednesday."),
                    (21.0, "thank you, and the other one?"), (24.0, "6 1 1 6."), (27.0, "lovely, that has gone through."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [
        (EXPIRY, "made Wednesday."), (EXPIRY, "one? 6 1 1 6.")]
    # found within the window, it is the answer
    words = said_at(*CARD_READ, (14.0, "and the expiry date, please."), (16.0, "sure, it's made Wednesday."),
                    (18.0, "6 1 1 6."), (21.0, "lovely, that has gone through."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "6 1 1 6.")]


def test_asked_again_for_data_found_with_no_ask_heard_asks_for_that_data() -> None:
    # no ask word heard ("the date it runs out", "the three on the strip"), the data found all the same:
    # "can you say that again?" asks again for the data found last, and its answer, written as other
    # words, is masked; "thanks again for calling" asks for nothing (1.84)
    def call(turn: str) -> list[TimedWord]:
        return said_at(*CARD_READ, (13.5, "lovely, and the date it runs out?"), (16.0, "0 4 2 7."),
                       (18.0, "perfect, and the three on the strip?"), (20.5, "7 3 1."), (22.5, turn),
                       (25.0, "it's the design tool."), (28.0, "lovely, that has gone through."))

    assert labels(words := call("sorry, can you say that again?"), find_entities(words, unanswered=True))[2:] == [
        (SECURITY_CODE, "7 3 1."), (SECURITY_CODE, "the design tool.")]
    assert labels(words := call("thanks again for calling."), find_entities(words, unanswered=True))[2:] == [
        (SECURITY_CODE, "7 3 1.")]


def test_letters_whisper_wrote_amid_a_card_read_out_join_its_runs() -> None:
    # "5, 5, 4, 1, 5, 4, 3. M -M -A -M. 5 -2 -3 ...": Whisper wrote some of a card's digits as letters
    # of a sequence; they join its runs as unheard words do, and the card is found whole (1.84)
    ask = "fine, can you read me, but if you didn't get to call number three? okay got it here. "
    assert entities(ask + "5, 5, 4, 1, 5, 4, 3. M -M -A -M. 5 -2 -3 -3 -8 -5 -3 -4. So can I see the next file?",
                    unanswered=True) == [(CARD_NUMBER, "5, 5, 4, 1, 5, 4, 3. 5 -2 -3 -3 -8 -5 -3 -4.")]
    # real words there part them as before; a name's initials are no digits
    assert entities(ask + "5, 5, 4, 1, 5, 4, 3. I'm so sorry. 5 -2 -3 -3 -8 -5 -3 -4. So can I see the next file?",
                    unanswered=True) == []
    assert entities("my name is M. A. Smith, and my order number is 5 5 4 1 5 4 3.", unanswered=True) == []


def test_a_month_and_a_cards_year_after_the_card_are_its_expiry_date_never_a_code() -> None:
    # Whisper misheard the expiry ask and the date read back ("October 23rd" for "ten thirty"):
    # taken for the code, it had the code read next left audible as an answer to nothing (1.87)
    words = said_at(*CARD_READ, (14.0, "got it and the exploration made clean."), (18.0, "one, zero, three, zero."),
                    (21.0, "let me just repeat on October 23rd."), (25.0, "thank you, just a bit."),
                    (28.0, "three, six, six."))
    assert labels(words, find_entities(words)) == [
        (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7."), (EXPIRY, "one, zero, three, zero."),
        (EXPIRY, "October 23rd."), (SECURITY_CODE, "three, six, six.")]
    # the year alone or with the month's name, its ask unheard: "January 33" is January 2033
    words = said_at(*CARD_READ, (14.0, "perfect, and the valley date."), (17.0, "yes, it's January 33."))
    assert labels(words, find_entities(words))[1:] == [(EXPIRY, "January 33.")]
    # a month's day is no card's year: "March 19th" after a card is no expiry date
    words = said_at(*CARD_READ, (14.0, "and it was delivered on"), (16.0, "March 19th."))
    assert EXPIRY not in {kind for kind, _ in labels(words, find_entities(words))}



def test_a_providers_numeral_shorter_than_a_card_is_no_card_with_digits_lost() -> None:
    """Session 51: a transcription provider writes a number said in one go as one numeral, whole:
    12 digits so written ("account number 325125675914", a real Deepgram call) are no card a
    recognizer lost digits of (MIN_LONG_RUN_DIGITS), as an AWS Transcribe or AssemblyAI user
    redacting card numbers (13 to 19 digits) expects; with no card before them the words said
    after them are no expiry date. A recognizer's (Whisper's) numeral may have lost digits: still
    a card. Read in groups, one missing, a provider's words are a card too."""
    said = "can I have your account number yes it's 123456789012 okay and can you confirm your password for me x thirty one"
    words = timed(said)
    assert labels(words, find_entities(words)) == [(CARD_NUMBER, "123456789012"), (EXPIRY, "thirty one")]
    assert find_entities(words, whole_numerals=True) == []
    assert find_entities(timed("my number is 12345678901"), whole_numerals=True) == []
    for card in ("4111 1111 1111", "one two three four five six seven eight nine oh one two"):  # a group missing
        words = timed(f"it's {card} okay and can you confirm your password for me x thirty one")
        assert labels(words, find_entities(words, whole_numerals=True)) == [(CARD_NUMBER, card), (EXPIRY, "thirty one")]
    for card in ("4532015112830366", "4532015112830367", "453201511283036"):  # as long as a card: checks or not
        words = timed(f"it's {card} thanks")
        assert labels(words, find_entities(words, whole_numerals=True))[0][0] == CARD_NUMBER
    for asked in ("my card number is 411111111111", "can I take the card number please 411111111111"):
        words = timed(asked)  # card words or the card ask: a partial card however written
        assert labels(words, find_entities(words, whole_numerals=True)) == [(CARD_NUMBER, "411111111111")]


def test_high_amid_a_cards_digits_is_five_misheard_and_stays_masked() -> None:
    # Whisper tiny wrote "five" as "high" (its f lost) amid a card read out; the card is masked
    # whole, where real words between its groups part it
    misheard = timed("can I take the card number please? Sure. 4 5 3 2 0 1 5 1 high mode high in 1 2 8 3 0 3 6 6 thanks")
    spoken = timed("can I take the card number please? Sure. 4 5 3 2 0 1 5 1 that is right 1 2 8 3 0 3 6 6 thanks")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(misheard, unanswered=True)] == [(CARD_NUMBER, 3.2, 11.1)]
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(spoken, unanswered=True)] == [
        (CARD_NUMBER, 3.2, 6.3), (CARD_NUMBER, 7.6, 10.7)]


def test_may_in_the_agents_expiry_ask_is_no_answer_to_it() -> None:
    # Whisper tiny wrote "the expiry date please" as "the next fire in May.": "May" is the ask's
    # own word, and the caller's answer after it (its digits partly misheard) is the expiry date
    asked = timed("my card number is 4532015112830366. Great, and the next fire in May. Okay, oh for two salmon. And")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(asked, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 5.2, 6.3), (EXPIRY, 6.4, 6.7)]
    answered = timed("my card number is 4532015112830366. Great, and the expiry date? it is May. And finally")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(answered, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 4.8, 5.1)]


def test_may_after_a_later_ask_in_the_expiry_asks_sentence_is_measured_from_the_expiry_ask() -> None:
    # the month is the expiry ask's own word only at most ASK_MONTH_WORDS after its ask word; the
    # rule measured from the last ask made (here the code's count, "three digits"), not the expiry
    # ask whose window the month is in: "May." five words after "expiry" was taken as the ask's word
    words = timed("my card number is 4532015112830366. Great, and the expiry and the three digits in May. "
                  "Okay, oh for two salmon. And")
    assert labels(words, find_entities(words, unanswered=True)) == [
        (CARD_NUMBER, "4532015112830366."), (EXPIRY, "May."), (EXPIRY, "oh for two salmon.")]


def test_words_right_before_a_card_that_may_be_three_digits_are_its_first_digits_misheard() -> None:
    # "Sure, it's time for one payment, number 013 ...": Whisper wrote the card's first digits as
    # "time for one"; from the first of them the card is masked, where a sentence's end parts them
    read = "can I take the card number please? Sure, it's time for one payment, number 013 639 7 8 7 6 2 3 10 6 30 8 thanks"
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(timed(read), unanswered=True)] == [
        (CARD_NUMBER, 3.6, 10.3)]
    parted = read.replace("for one payment,", "for one. Payment,")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(timed(parted), unanswered=True)] == [
        (CARD_NUMBER, 5.6, 10.3)]
    # a soundalike misheard after the card ("... 30 8 for.") reaches the card too: the words before it
    # are still looked at from the card's first word, not from that last one
    # (words said back to back, so a soundalike right after the card is taken as its last digit misheard)
    said = "can I take the card number please? Sure, its time for one payment, number 0136 3971 2345 6789"
    for after in (" now.", " for."):
        words = timed(said + after, 0.3)
        assert [(e.entity, e.start_s) for e in find_entities(words, unanswered=True)] == [(CARD_NUMBER, 2.7)], after


def test_the_code_in_names_the_code_as_the_code_is_does() -> None:
    # Whisper tiny writes the caller's "and the code is" as "and the code in"; the code after it,
    # written as other words, is the code; "the post code in" names none
    text = "my card number is 4532015112830366 expiring 0 3 2 7. and the code in for hive sex. lovely thank you"
    assert entities(text, unanswered=True) == [
        (CARD_NUMBER, "4532015112830366"), (EXPIRY, "0 3 2 7."), (SECURITY_CODE, "for hive sex.")]
    assert entities(text.replace("the code", "the post code"), unanswered=True) == [
        (CARD_NUMBER, "4532015112830366"), (EXPIRY, "0 3 2 7.")]


def test_an_acknowledgement_right_after_the_callers_hold_is_the_answers_lead_in_misheard() -> None:
    # "one moment. That's ..." written "um let me see. Thanks, heaven free one.": after the caller's
    # hold the caller speaks on, so "Thanks," leads the code in (the agent's ask stays audible)
    text = ("my card number is 4532015112830366. thank you and the expiry date please? it's 0 3 2 7. and finally "
            "the three digit security code on the back. um let me see. Thanks, heaven free one. lovely that's all")
    words = timed(text)
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(words, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 5.2, 6.7), (SECURITY_CODE, 12.7, 13.9)]
    assert labels(words, find_entities(words, unanswered=True))[2] == (SECURITY_CODE, "heaven free one.")


def test_data_whose_first_word_whisper_timed_with_no_length_starts_at_the_word_before() -> None:
    # "It's[24.27-24.95] April[24.95-24.95] 29th.": Whisper stacked the month at the year's start,
    # and the month was said under "It's"; with a length of its own the month keeps its own start
    asked = timed("my card number is 4532015112830366. and the expiry date please?")
    stacked = [*asked, TimedWord(5.0, 5.7, "It's"), TimedWord(5.7, 5.7, "April"), TimedWord(5.7, 6.4, "29th.")]
    timed_own = [*asked, TimedWord(5.0, 5.3, "It's"), TimedWord(5.3, 5.7, "April"), TimedWord(5.7, 6.4, "29th.")]
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(stacked, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 5.0, 6.4)]
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(timed_own, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 5.3, 6.4)]
    # a card so written keeps its start: the caller's lead-in "It's" stays audible
    card = timed("can I take the card number please?") + [
        TimedWord(3.0, 3.8, "It's"), TimedWord(3.8, 3.8, "4532"), *timed_from(3.8, "0151 1283 0366.".split(), 0.8)]
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(card, unanswered=True)] == [(CARD_NUMBER, 3.8, 5.7)]


def test_well_is_no_lead_in_of_an_answer() -> None:
    # "Right, well, and idle in the free.": the caller's expiry date ("twelve ...") written as other
    # words, its first under "well"; the answer is masked from the lead-in "Right," on
    text = ("my card number is 4532015112830366. thank you and the expiry date please. Right, well, and idle in the "
            "free. and the security code")
    words = timed(text)
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(words, unanswered=True)] == [
        (CARD_NUMBER, 0.0, 1.9), (EXPIRY, 5.1, 7.5)]
    assert labels(words, find_entities(words, unanswered=True))[1] == (EXPIRY, "well, and idle in the free.")


def test_a_providers_numeral_timed_short_after_digits_like_it_is_no_second_writing() -> None:
    """Found by the transcript fuzzer (session 52): Whisper (the recognizer) writes a number read
    digit by digit, then again as a numeral timed too short to have been said, and the card logic
    drops that numeral (``_read_again``). A provider writes each number once, where it was said:
    its expiry date "04/2033" one word long after a card ending "2032" and "three" (five of its six
    digits among them, in order) was dropped as said again, and stayed in the written-back
    transcript, and audible. The recognizer's numerals are still dropped so."""
    for said, expiry in (("card 5530 2105 4180 2032 next three years, expiry 04/2033", "04/2033"),
                         ("expiration 08/2031. twenty three and then expiry 08/2034", "08/2034")):
        words = timed(said)
        assert (EXPIRY, expiry) in labels(words, find_entities(words, whole_numerals=True)), said
        assert (EXPIRY, expiry) not in labels(words, find_entities(words)), said


def test_a_month_answering_the_expiry_ask_in_its_sentence_is_still_the_answer() -> None:
    # 1.94's rule (a month in the ask's sentence is the ask's own word misheard: "the next fire in May.")
    # took a provider's "and the expiry may 27" for the ask and left "may" audible and in the
    # transcript: only a month that ends the sentence, in a recognizer's words, is the ask's word
    for said in ("and the expiry may 27 thanks", "can I have the expiry? may 27 thanks", "the expiry is may 2027"):
        words = timed(said)
        month = next(i for i, w in enumerate(words) if w.text == "may")
        for found in (find_entities(words, whole_numerals=True), find_entities(words, unanswered=True)):
            assert any(e.entity == EXPIRY and month in e.words for e in found), (said, found)
    provider = timed("my card number is 4532015112830366. Great, and the expiry is May. 2027 thanks")
    assert (EXPIRY, "May. 2027") in labels(provider, find_entities(provider, whole_numerals=True))


def test_when_did_after_an_expiry_month_is_the_years_twenty_misheard() -> None:
    # Whisper tiny writes the "twenty" of a spoken year as "when did" ("April 20th, when did I?" for
    # "April twenty twenty-nine", tune en-us+croak seed 329): after a month or a card or expiry date
    # found just before, with a card found before it, the words are the expiry date (cards 1.96)
    card = "my card number is 4532015112830366. Great, and this fire is made."
    croak = timed(card + " April 20th, when did I? And the free number")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(croak, unanswered=True)
            if e.entity == EXPIRY] == [(EXPIRY, 4.4, 5.1), (EXPIRY, 5.2, 6.3)]
    assert (EXPIRY, "when did I?") in labels(croak, find_entities(croak, unanswered=True))
    may = timed("my card number is 4532015112830366. Yes. Yes, May, when did I run? Perfect. And the code")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(may, unanswered=True)
            if e.entity == EXPIRY] == [(EXPIRY, 3.2, 4.7)]  # "May," is masked already (a card's rest)
    assert (EXPIRY, "when did I run?") in labels(may, find_entities(may, unanswered=True))
    later = timed("my card number is 4532015112830366. thank you. the expiry date? sorry. one moment. May, when did I "
                  "run? Perfect. And the code")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(later, unanswered=True)
            if e.entity == EXPIRY] == [(EXPIRY, 5.2, 5.5), (EXPIRY, 5.6, 5.9), (EXPIRY, 6.0, 7.1)]  # May, when | did I run?
    member = timed("my card number is 4532015112830366 no member when did when did I and the code")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(member, unanswered=True)
            if e.entity == EXPIRY] == [(EXPIRY, 2.0, 4.7)]
    assert (EXPIRY, "no member when did when did I") in labels(member, find_entities(member, unanswered=True))


def test_when_did_with_no_card_before_or_no_month_right_before_stays_audible() -> None:
    # harmless calls' words (sessions 52-53): "October, but when did it", "89 pounds when did one"
    for said in ("I believe everyone booked for $250 October, but when did it Okay, can you",
                 "It came to 89 pounds when did one okay can you", "it was in May, when did I order it?",
                 "my card number is 4532015112830366. thank you. October, but when did it arrive?",
                 "my card number is 4532015112830366. thank you. when did you get it?"):
        words = timed(said)
        assert [e for e in find_entities(words, unanswered=True) if e.entity == EXPIRY] == [], said


def test_a_long_answer_to_the_code_ask_after_a_card_is_the_code_up_to_its_longest_pause() -> None:
    # the code, then the agent's payment reference read with its lead-in unheard, in one run of 12
    # digits (tune mb-de6-en seed 324): as long as a partial card, it was masked whole as one (the
    # reference's 4.3 s with it) before the code ask's long answer (1.79) could read it; after a card
    # found, the code up to the run's longest pause (0.8 s or more) is masked, the rest stays audible
    ask = (13.0, "and the security code please?")
    code, reference = (16.0, "six six zero"), (18.0, "seven six nine four six oh seven three three")

    def spans(*turns: tuple[float, str]) -> list[tuple[str, float, float]]:
        return [(e.entity, round(e.start_s, 2), round(e.end_s, 2))
                for e in find_entities(said_at(*turns), unanswered=True)]

    assert spans(*CARD_READ, ask, code, reference) == [(CARD_NUMBER, 6.4, 12.7), (SECURITY_CODE, 16.0, 17.1)]
    # no card found before it: a partial card as before
    assert spans(ask, code, reference) == [(CARD_NUMBER, 16.0, 21.5)]
    # shorter than a partial card: the code's long answer already
    assert spans(*CARD_READ, ask, code, (18.0, "seven six nine")) == [(CARD_NUMBER, 6.4, 12.7),
                                                                      (SECURITY_CODE, 16.0, 17.1)]
    # no pause in it: every digit masked, as the code
    assert spans(*CARD_READ, ask, (16.0, f"{code[1]} {reference[1]}")) == [(CARD_NUMBER, 6.4, 12.7),
                                                                           (SECURITY_CODE, 16.0, 20.7)]


def test_a_code_run_on_into_the_calls_closing_keeps_the_words_before_the_closing() -> None:
    # the code written as other words, run on with no full stop into the agent's "lovely, that has all gone
    # through and you will get a confirmation" ("Free line for London, that's a mod on free and you will get
    # a confirmation", tune seed 320): the closing is the 10 words before "confirmation", the words before
    # them the code (1.97)
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (18.0, "and finally the 3 digits on the back?"), (21.0, "Yes."),
                    (22.0, "Free line for London, that's a mod on free and you will get a confirmation shortly."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [
        (EXPIRY, "0 4 2 7."), (SECURITY_CODE, "Free line for London,")]
    # a closing sentence of 10 words or fewer before it stays the closing whole
    words = said_at(*CARD_READ, (14.0, "and the expiry date."), (16.0, "0 4 2 7."),
                    (18.0, "and finally the 3 digits on the back?"),
                    (21.0, "that's a mod on free and you will get a confirmation shortly."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(EXPIRY, "0 4 2 7.")]


def test_the_words_after_a_card_read_on_into_its_expiry_date_are_the_code_when_nothing_says_it() -> None:
    # the expiry date read on after the card with no ask heard between: one card of 16 + 4 digits; the
    # agent's code ask misheard ("and Nicole did"), the code written as words, then the payment reference
    # ("normal salmon to", tune seed 336): the words before the agent speaks again are the code, back to
    # the pause of 1 s before them (the misheard ask too, as after an expiry date found: 1.79) (1.97)
    words = said_at(CARD_READ[0], (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 0 4 2 7."), (16.0, "and Nicole did"),
                    (18.0, "normal salmon to"), (20.0, "your payment reference is 6 5 6 7."))
    assert labels(words, find_entities(words, unanswered=True)) == [
        (CARD_NUMBER, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 0 4 2 7."), (SECURITY_CODE, "and Nicole did normal salmon to")]
    words = said_at(CARD_READ[0], (6.0, "it's 4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 0 4 2 7."), (16.0, "and Nicole did"),
                    (19.0, "normal salmon to"), (21.0, "your payment reference is 6 5 6 7."))
    assert labels(words, find_entities(words, unanswered=True))[1:] == [(SECURITY_CODE, "normal salmon to")]
    # a card of 16 or 19 digits alone is no expiry date: nothing after it is masked for this reason
    for card in ("4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7.", "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 7 0 4 2."):
        words = said_at(CARD_READ[0], (6.0, f"it's {card}"), (16.0, "and Nicole did"), (18.0, "normal salmon to"),
                        (20.0, "your payment reference is 6 5 6 7."))
        assert labels(words, find_entities(words, unanswered=True)) == [(CARD_NUMBER, card)], card


def test_fix_right_before_a_card_may_be_its_six_misheard() -> None:
    # "Okay, it is time to fix 1, 9, 4, ...": Whisper wrote the card's first digits as "time to fix"
    # (tune seed 337); "fix" may be "six" misheard as "time" may be "nine", so the three words
    # before the card's first digit may all be digits and it starts from "time" (1.97)
    read = "can I take the current number please? Okay, it is time to fix 1, 9, 4, 1, 2, 0, 0, 5, 7, 3, 8, 2, 1, 6, 4, 0. thanks"
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(timed(read, 0.3), unanswered=True)] == [
        (CARD_NUMBER, 3.0, 8.7)]
    # with fewer than three such words before it, only "fix" said right against the card joins it (as "for"
    # and "to" do: 1.60): "so we can" stays audible
    read = read.replace("time to fix", "so we can fix")
    assert [(e.entity, e.start_s, e.end_s) for e in find_entities(timed(read, 0.3), unanswered=True)] == [
        (CARD_NUMBER, 3.9, 9.0)]


def test_expiry_dates_crowded_into_seconds_are_found_each_and_the_card_after_them() -> None:
    """Thousands of words in 10 s (a provider's segment holding a long text, its tokens spread over
    its time): every expiry date is one, and the card read after them is found. Each ask looked back
    over every run before it that no card could take (``_cards_before_expiry``): 2.7 s for these
    10,000 words, 14.7 s for twice as many (0.3 s and 0.6 s since: ``redaction.run_ends``)."""
    texts = "the expiry is 12/28 and".split() * 2000 + "three one four one five nine two six expiry".split()
    words = [TimedWord(k * 0.001, (k + 1) * 0.001, text) for k, text in enumerate(texts)]
    found = find_entities(words)
    assert [(e.entity, e.words, e.confidence) for e in found] == [
        *((EXPIRY, (5 * k + 3,), 0.9) for k in range(1999)),
        (CARD_NUMBER, (9998, *range(10000, 10008)), 0.5)]  # the last date read into the card: as before


def test_a_card_written_in_groups_inside_a_phone_numbers_run_is_the_card() -> None:
    # session 55's review: after a phone word the run took all 20 digits for a phone number (a
    # number written twice counted once: "1111 1111" is a copy) and no card was taken from it.
    # Numerals grouped as a card is written whose digits pass the Luhn check are the card; the
    # phone number's own digits stay audible.
    for text, card in (
        ("my phone is 1234 4111 1111 1111 1111 is my card", "4111 1111 1111 1111"),
        ("my phone is 1234 5555 5555 5555 4444 thanks", "5555 5555 5555 4444"),
        ("call me on 07700 900123 4111 1111 1111 1111 thanks", "4111 1111 1111 1111"),
        ("call me on 0123 4532 0151 1283 0366 thanks", "4532 0151 1283 0366"),  # 20 digits from 0
        ("you can reach me on 0123 3782 822463 10005 thanks", "3782 822463 10005"),  # Amex: 4-6-5
        ("my mobile is 0123 4111 1111 1111 1111 003 thanks", "4111 1111 1111 1111 003"),  # 19 digits: 4-4-4-4-3
    ):
        assert entities(text) == [(CARD_NUMBER, card)], text
    # two cards so written overlap ("4008 4111 1111 1111" passes both checks too): one card over both
    assert entities("my phone is 0161 4008 4111 1111 1111 1111 thanks") == [(CARD_NUMBER, "4008 4111 1111 1111 1111")]
    for text in ("my phone is 1234 4111 1111 1111 1111 thanks", "call me on 0123 4532 0151 1283 0366 thanks"):
        words = timed(text)
        assert find_entities(words, whole_numerals=True) == find_entities(words)  # a provider's numerals alike
        assert [e.confidence for e in find_entities(words)] == [0.99]


def test_a_phone_numbers_run_holding_no_checked_card_grouped_as_one_stays_audible() -> None:
    # the same groups with the Luhn check failing (one digit changed), other groupings of the same
    # digits, a group starting with 0 (no card does) and a phone number read twice: no card
    assert entities("my phone is 1234 4111 1111 1111 1112 thanks") == []
    assert entities("my phone is 1234 41 11111111 111111 thanks") == []
    assert entities("call me on 0123 45320 151 1283 0366 thanks") == []
    assert entities("call me on 1234 0000 0000 0000 0000 thanks") == []
    assert entities("call me on 07700 900123 07700 900123 thanks") == []


def test_a_card_written_with_a_plus_before_it_is_found() -> None:
    """Session 58's review: "+" and 8 to 15 digits was one phone number's word wherever it stood,
    so a 13- or 15-digit card a transcript wrote with a "+" before it was never found."""
    found = find_entities(timed("my card number is +378282246310005 thanks"))
    assert [(e.entity, e.words) for e in found] == [(CARD_NUMBER, (4,))]
