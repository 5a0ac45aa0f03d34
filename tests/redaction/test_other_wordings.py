"""Card logic rules written from the generated wording's calls (issue 9, cards 1.99): phrases the dev
wording never had, each rule a class of words, not one sentence. Words as Whisper tiny wrote them."""

from __future__ import annotations

from redaction.cards import CARD_NUMBER, EXPIRY, SECURITY_CODE, find_entities
from tests.redaction.test_cards import timed

CARD = "can you read me the number on the card? it's 4532 0151 1283 0366 "


def spans(text: str) -> list[tuple[str, str, float, float]]:
    """(kind, words, start s, end s) of each entity, answers to unanswered asks included."""
    words = timed(text)
    return [(e.entity, " ".join(words[i].text for i in e.words), e.start_s, e.end_s)
            for e in find_entities(words, unanswered=True)]


def test_my_number_is_the_callers_phone_number() -> None:
    # a harmless call (gen 373): "my number is" and 11 digits were masked as a card, with the words after
    assert spans("I'll get married. My number is 4 7 0 1 9 4 8 0 4 1 5. let me look into my list") == []
    # a card read after "my card number" or "the number is" is still a card
    assert spans("my card number is 4 7 0 1 9 4 8 0 4 1 5 3 2 1 1") == [
        (CARD_NUMBER, "4 7 0 1 9 4 8 0 4 1 5 3 2 1 1", 1.6, 7.5)]
    assert spans("yeah the number is 4532 0151 1283 0366") == [(CARD_NUMBER, "4532 0151 1283 0366", 1.6, 3.1)]


def test_a_billing_number_after_the_code_stays_audible() -> None:
    # the agent's "and the billing zip code" after the code, written "the billing oh six seven two ..."
    # (gen 373): masked as a card of 12 digits and the word after it
    billing = "the billing oh six seven two eleven nine four nine nine six three 3, the payment's been accepted."
    assert spans(billing) == []
    assert spans(CARD + "and the expiry 12 27 and the code 7 3 1 thanks and " + billing) == [
        (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (EXPIRY, "12 27", 6.8, 7.5),
        (SECURITY_CODE, "7 3 1", 8.8, 9.9)]
    # a card read after "billing" is still masked (it passes the Luhn check)
    assert spans("the billing is fine, the card is 4532 0151 1283 0366") == [
        (CARD_NUMBER, "4532 0151 1283 0366", 2.8, 4.3)]


def test_a_hold_ended_by_a_comma_is_no_part_of_the_answer() -> None:
    # "Let me see, it's ten to five." for the code (gen 373): the caller's hold was masked as the code's
    # answer, as it is not when Whisper ends it with a full stop
    assert spans("what's the code on the back please? Let me see, it's ten to five. Great, thanks a lot.") == [
        (SECURITY_CODE, "ten", 4.4, 4.7), (SECURITY_CODE, "to", 4.8, 5.1)]
    assert spans(CARD + "lovely and the expiry date? Let me see, so big tender. Great") == [
        (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (EXPIRY, "so big tender.", 8.7, 9.9)]
    # a clause of digits is no hold: "one, two" after the ask stays the answer
    assert spans(CARD + "lovely and the expiry date? one, so big tender. Great") == [
        (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (EXPIRY, "one, so big tender.", 7.6, 9.1)]


def test_the_agents_went_through_closes_the_call() -> None:
    # "Okay, that went through fine." after an expiry date with no code found (gen 373, 315): masked as the
    # code the caller said before the agent spoke again
    for closing in ("I have gone through for you.", "Okay, that went through fine."):
        assert spans(CARD + "expiry 09 28. " + closing + " Perfect. thank you") == [
            (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (EXPIRY, "09 28.", 6.0, 6.7)]
    # "went" alone may be digits misheard ("June 20th, went in high"): the caller's words stay the code
    assert spans(CARD + "expiry 09 28. the money went to five. Perfect. thank you") == [
        (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (EXPIRY, "09 28.", 6.0, 6.7),
        (SECURITY_CODE, "the money went to five.", 6.8, 8.7)]


def test_my_something_is_names_the_callers_own_number() -> None:
    # harmless calls (gen 375, 383): the caller's "my order number is", "my phone number is" written
    # "My humver is near ..." and "My name is really ...": 12 and 11 digits masked as a card
    assert spans("is there anything else? My name is really 4 7 2, 1 1 5 2 5 2 4 9. Thank you") == []
    assert spans("and I'll check that. My humver is near 1277, 1, 5, 2, 7, 3, 6, 5, 0. Anything else") == []
    # "my" with no "is" names nothing ("sorry it's in my bag"): the digits after the hold stay a card
    assert spans("sorry it's in my bag. 4 7 2 1 1 5 2 5 2 4 9") == [
        (CARD_NUMBER, "4 7 2 1 1 5 2 5 2 4 9", 2.0, 6.3)]
    # a card word after "my" names card data; an ask before it makes the run its answer
    assert spans("my card is 4 7 2 1 1 5 2 5 2 4 9") == [(CARD_NUMBER, "4 7 2 1 1 5 2 5 2 4 9", 1.2, 5.5)]
    assert spans("can I take the card number? my name is really 4 7 2 1 1 5 2 5 2 4 9") == [
        (CARD_NUMBER, "my name is really", 2.4, 3.9), (CARD_NUMBER, "4 7 2 1 1 5 2 5 2 4 9", 4.0, 8.3)]


def test_me_back_leads_a_phone_number() -> None:
    # a harmless call (gen 375): "call me back on" written "me back", and 12 digits masked as a card,
    # then amounts after it as the card's code
    assert spans("What is one moment? me back 1 4 7 4, 7 5 4, 7 2 4 3 5. are anything else...") == []
    # "the back" is where the code is
    assert spans(CARD + "lovely and on the back 7 3 1 thanks") == [
        (CARD_NUMBER, "4532 0151 1283 0366", 4.0, 5.5), (SECURITY_CODE, "7 3 1", 7.6, 8.7)]


def test_the_car_ending_a_clause_is_the_card() -> None:
    # a card call (gen 376, en-us+Andy): the agent's "the long number on the front of the card, whenever you're
    # ready" written "... on the front of the car, whenever you're married?", no ask heard, and the card read in
    # two parts joined by two misheard words taken apart: 23 of 23 digits audible
    ask = "could you read me along and we're on the front of the car, whenever you're married? "
    assert spans(ask + "Okay, got this here, four, five, one, two, five, one, seven, MMA came, five, five, five, "
                       "five, eight. Can you come") == [
        (CARD_NUMBER, "this here,", 7.1, 7.9), (CARD_NUMBER, "four, five, one, two, five, one, seven,", 8.0, 10.7),
        (CARD_NUMBER, "five, five, five, five, eight.", 11.6, 13.5), (CARD_NUMBER, "Can you come", 13.6, 14.7)]
    # "my car," is the caller's car
    assert spans("I left it in my car, 4 5 1 2 5 1 7 8 okay") == []
