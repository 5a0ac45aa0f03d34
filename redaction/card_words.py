"""What the card logic reads in words: the kinds of card data, the agent's asks for them, and
the words that lead in, interrupt or count a number.

Shared by the card logic (``cards``: runs, chains, entities) and its answers to asks
(``answers``); neither is imported here, so the arrows point one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CARD_NUMBER, EXPIRY, SECURITY_CODE = "card_number", "expiry", "security_code"
#: Confidence of a card number whose digits pass the Luhn check (``cards._card_chain``; 0.99
#: with an issuer's prefix and length too): a card this sure is "checked" (``answers``).
CHECKED_CARD_CONFIDENCE = 0.9
#: Confidence of a chain as long as a card with no valid number inside (``cards._card_chain``).
UNCHECKED_CARD_CONFIDENCE = 0.6
#: The digits of a whole expiry date (MMYY) and security code (most cards' three).
FULL_DIGITS = {"expiry": 4, "code": 3}
#: ... and at most this many ("12 2027"; Amex's 4-digit code).
MOST_DIGITS = {"expiry": 6, "code": 4}

#: Words said between groups of digits that are no misheard digit ("okay and 9 5 13").
INTERJECTIONS = frozenset({"okay", "ok", "yes", "yeah", "right", "sorry", "so", "well", "now", "thanks", "thank",
                           "hang", "wait", "sure", "alright", "got", "or"})

EXPIRY_WORDS = frozenset({"expiry", "expiration", "expires", "expire", "expired", "expiring", "exp", "valid", "thru",
                          "through", "until"})
#: Every word that starts so says "expiry" (Whisper tiny's "expirated", "expiries"; 1.65).
EXPIRY_STEM = "expir"
#: Whisper tiny's writing of the agent's "expiry" ("and the next fire is eight, please", "when does
#: the car get fired", "as firing"): an ask for the expiry date (1.43), its answer masked whole
#: when nothing answers it only after a card number was taken (asked for or checked: ``answers.unanswered``).
MISHEARD_EXPIRY_WORDS = frozenset({"fire", "fired", "firing", "fiery"})
#: Expiry words that name a date only right before it ("valid thru 12/27").
WEAK_EXPIRY_WORDS = frozenset({"valid", "thru", "through", "until"})
CODE_WORDS = frozenset({"security", "cvv", "cvc", "cv2", "cvv2", "csc", "cid", "verification", "back", "signature"})
#: Words that name the run right after them with "is" ("the code is", "the expiry is": ``named_kind``).
NAMING_WORDS = CODE_WORDS | EXPIRY_WORDS | {"code"}
#: Whisper tiny's "is" after "code" ("and the code in four, five, six.", "I'm the code in 472.": two tune
#: voices of 315-318 naming the code so; 1.94): "the code in" names the run after it as "the code is" does.
MISHEARD_IS, CODE = "in", "code"
#: Words before "code" that name a code of another kind ("the post code is", "the sort code is",
#: "the promo code is"): no security code named (cards 1.55).
OTHER_CODE_WORDS = frozenset({"post", "postal", "zip", "sort", "area", "dialling", "dialing", "country", "promo",
                              "promotional", "discount", "voucher", "gift", "access", "booking", "reference", "tracking",
                              "confirmation", "door", "alarm", "tax", "product", "authorisation", "authorization",
                              "approval", "auth"})
CARD_WORDS = frozenset({"card", "visa", "mastercard", "amex", "discover", "credit", "debit"})
#: "car" right before "number" or ending a sentence: the card word with its final d lost.
#: Whisper tiny wrote the agent's "card number" as "car number" 27 times in the tune split's
#: card calls and "the long number on the front of your card?" as "... of your car?" (never in
#: a harmless call); the answer, a digit or two lost, then masked nothing without its ask.
MISHEARD_CARD_WORD, NUMBER_WORDS = "car", frozenset({"number", "numbers"})
#: Before "number", also "current": Whisper tiny wrote "can I take the card number" as "... the
#: current number" in every call one tune agent voice asked so (en-us+m3, tune seeds 39-42),
#: and with no ask the card's runs, parted by a misheard word, were taken apart unmasked.
MISHEARD_CARD_WORDS = frozenset({MISHEARD_CARD_WORD, "current"})


def car_said_for_card(word: str, text: str, before: str) -> bool:
    """True when ``word`` (``plain``; ``text``: as written, ``before``: the ``plain`` word before it)
    is Whisper's "car" for "card", its final d lost: ending a sentence ("... on the front of the
    car?") or a clause after "the" ("the car, whenever you're married?": cards 2.01; not "my car,")."""
    end = text.rstrip()
    return word == MISHEARD_CARD_WORD and (end.endswith(("?", ".")) or (end.endswith(",") and before == "the"))


#: Words that lead in a number which is no card data ("my order number is", "your payment
#: reference is", "call me back on", "extension"): when one is the latest of these lead
#: words (card, expiry and code words included) before a run, the run is harmless unless it
#: holds a card that passes both checks. They also end a chain, as expiry and code words do.
#: "payment" (1.26): Whisper tiny writes the agent's "your payment reference is" as "your payment
#: threat is", "... preferences"; a number nobody asked for after it is as harmless. "your authorisation
#: code is", "the billing zip", "my date of birth", "I was born in", "you can reach me on" (1.83).
#: "land": "landline" as Whisper writes it, "my land line is" (1.85: harmless calls of tune sets 243-244
#: and 251-252 0.74 -> 0.28 % and 3.94 -> 3.48 % of speech masked) and, its "line" lost, "my land is"
#: (1.86); "delivery": "the delivery was booked for ..." (1.86: generated tune set 255-258, harmless
#: calls 2.15 -> 1.54 % of speech masked with both words, no digit lost on it or on dev 259-262).
#: "billing": the agent's "and the billing zip code", "the billing postcode", written "the billing oh six ..."
#: (1.99: a billing number after the code masked as a card, gen tune set 373-374; the billing address,
#: postcode and zip code are no card data).
HARMLESS_WORDS = frozenset({"reference", "ref", "order", "phone", "telephone", "mobile", "landline", "call",
                            "extension", "ext", "ticket", "tracking", "invoice", "booking", "postcode", "zipcode",
                            "house", "flat", "apartment", "policy", "claim", "case", "parcel", "room", "payment",
                            "receipt", "confirmation", "authorisation", "authorization", "approval", "zip", "birth", "born",
                            "reach", "land", "delivery", "billing"})
HARMLESS_PLURALS = frozenset(w + "s" for w in HARMLESS_WORDS)
#: "payment" after "a" is the caller's reason for the call ("hi, I'm calling to make a payment"),
#: not the agent's "your payment reference is": it leads no harmless number (cards 1.85: a card
#: read after it, its ask unheard and not passing the Luhn check, was kept audible whole).
PAYMENT_WORD, REASON_ARTICLE = "payment", "a"
#: Harmless words that name the number the agent reads out when the card data is taken ("your
#: payment reference is ..."): a run they lead in answers no expiry or code ask (1.38), where
#: other harmless words may be the caller's own ("hang on, my phone", "it is in the other room").
#: "your receipt number is" (1.80), "your confirmation number is" (1.81).
REFERENCE_WORDS = frozenset({"reference", "references", "ref", "receipt", "receipts", "confirmation", "confirmations",
                             "authorisation", "authorization", "approval"})
#: How long after the agent asks ("the expiry date", "the security code") a run counts as
#: the answer, though the caller looked for the card first (a card ask only ends the
#: window of an earlier one).
ASK_WINDOW_S = {"card": 30.0, "expiry": 20.0, "code": 20.0}
#: A card word this soon after an expiry or code ask belongs to that question.
SAME_QUESTION_S = 3.0
#: The agent asking again for what it asked last ("sorry, could you say that again?", "pardon?"):
#: within REASK_S of that ask, one of these words asks for the same (cards 1.84).
REASK_WORDS = frozenset({"again", "pardon"})
REASK_S = 30.0
#: Words after a one-digit number that make it a count in the agent's ask ("the last three
#: digits", "the three numbers on the signature strip"): no run, and the ask still waits for
#: its answer. (Whisper tiny heard the answer's first digit as "to", "Zero to five.", and the
#: ask, taken by "three", masked nothing of it; two digits were a caller's code written "16-digit".)
#: "tickets": Whisper tiny's "digits" in "the last three digits on the back" (1.34); a count of
#: tickets is no card data either.
COUNT_WORDS = frozenset({"digit", "digits", "numbers", "tickets"})

#: What ends a sentence in a recognizer's or a provider's words.
SENTENCE_ENDS = (".", "?", "!")


def keyed_between(keyed_s: Sequence[tuple[float, float]], from_s: float, to_s: float) -> bool:
    """True when a keyed sequence of ``keyed_s`` ((start_s, end_s) each) overlaps ``from_s``-``to_s``."""
    return any(from_s <= b and a <= to_s for a, b in keyed_s)


def ends_sentence(text: str) -> bool:
    """True when a word's text ends a sentence (``SENTENCE_ENDS``, trailing spaces aside)."""
    return text.rstrip().endswith(SENTENCE_ENDS)

Times = dict[int, tuple[float, float]]  # word index -> (start_s, end_s)


@dataclass(frozen=True)
class Entity:
    """Sensitive card data found in the words: kind, time, confidence, which words said it."""

    entity: str
    start_s: float
    end_s: float
    confidence: float
    words: tuple[int, ...]  # indices into the words given to find_entities
    #: The ask's word (an index as ``words``') when this is the answer masked for an ask nothing
    #: answered (``answers.unanswered``); None otherwise.
    asked: int | None = None


@dataclass(frozen=True)
class Ask:
    """The agent asked for ``kind`` (card, expiry, code) with word ``word`` (an index)."""

    kind: str
    word: int


def plain(text: str) -> str:
    """``text`` as the vocabularies spell it: lower case, letters and digits only ("Card," "card")."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def expiry_word(word: str) -> bool:
    """True for an expiry word (a ``plain`` word): one of EXPIRY_WORDS, or of the stem EXPIRY_STEM."""
    return word in EXPIRY_WORDS or word.startswith(EXPIRY_STEM)


def ask_of(word: str) -> str | None:
    """What the agent asks for with ``word`` (a ``plain`` word): card, expiry, code or None."""
    if word in CARD_WORDS:
        return "card"
    if (expiry_word(word) and word not in WEAK_EXPIRY_WORDS) or word in MISHEARD_EXPIRY_WORDS:
        return "expiry"  # ("you're through to ..." asks nothing)
    if _code_singular(word) in CODE_WORDS:
        return "code"
    return None


def _code_singular(word: str) -> str:
    """A code word's plural as the word ("the three numbers on the signature strip", written
    "... of signatures": 1.19); "backs" stays (not "the back")."""
    return word[:-1] if word.endswith("s") and word[:-1] in CODE_WORDS - {"back"} else word


def bare_back(word: str, before: str) -> bool:
    """True for "back" not said as "the back" (``before``: the word said before it): "call me
    back on ...", not "the code on the back"; such a "back" names no code (no ask, no lead word,
    no context word)."""
    return word == "back" and before != "the"


def own_number(word: str, before: str) -> bool:
    """True for "my number" (``before``: the word said before it): the caller's own number is a phone
    number, as "my phone number" is; a card is "the number", "my card number" (cards 1.99: a harmless
    call's "my number is" and 11 digits were masked as a card, gen tune set 373-374)."""
    return word == "number" and before == "my"


#: "my", then what the caller names, then "is", in the last this many words before a run (``own_named``).
OWN_NAMED_WORDS = 4
OWNER_WORD, IS_WORD = "my", "is"


def own_named(recent: Sequence[str]) -> bool:
    """True when the last OWN_NAMED_WORDS of ``recent`` (``plain`` words, oldest first) name a number
    of the caller's own that is no card data: "my", a word or two, "is", no card, expiry or code word
    among them (cards 2.01: "my order number is", "my phone number is" written "My humver is near"
    and "My name is really", and 12 and 11 digits masked as a card in harmless calls, gen tune sets
    375, 383). "my" with no "is" after what it names names nothing ("sorry it's in my bag")."""
    last = list(recent[-OWN_NAMED_WORDS:])
    if OWNER_WORD not in last:
        return False
    named = last[len(last) - last[::-1].index(OWNER_WORD):]
    return IS_WORD in named[1:] and not any(lead_of(w, "") is not None or w in MISHEARD_CARD_WORDS for w in named)


def other_code(word: str, before: str) -> bool:
    """True for "code" said as a code of another kind (``before``: the word said before it, in
    ``OTHER_CODE_WORDS``): "the post code", "your authorisation code"."""
    return word == "code" and before in OTHER_CODE_WORDS


def named_kind(recent: Sequence[str]) -> str | None:
    """What the words just before a run name it (``recent``: ``plain`` words, oldest first): "code"
    after "the code is" (or "the code in": ``MISHEARD_IS``), "the security code is", "expiry" after
    "the expiry is" (cards 1.35: "and the code is 3 .5 minutes.", Whisper's writing of a code as a
    duration); None otherwise, and for a code of another kind ("the post code is": ``OTHER_CODE_WORDS``, 1.55)."""
    if len(recent) < 2 or recent[-2] not in NAMING_WORDS:
        return None
    if recent[-1] != "is" and (recent[-1], recent[-2]) != (MISHEARD_IS, CODE):
        return None
    if len(recent) > 2 and other_code(recent[-2], recent[-3]):
        return None
    return "expiry" if recent[-2] in EXPIRY_WORDS else "code"


def lead_of(word: str, before: str) -> str | None:
    """The kind of lead word ``word`` is (``before``: the word said before it); a code of another
    kind leads a harmless number ("the billing zip code", "your authorisation code is": 1.83)."""
    if bare_back(word, before):
        return None
    if word == PAYMENT_WORD and before == REASON_ARTICLE:
        return None  # "I'd like to make a payment": the caller's reason
    if (word in HARMLESS_WORDS or (word.endswith("s") and word[:-1] in HARMLESS_WORDS)  # "references"
            or other_code(word, before) or own_number(word, before)):
        return "harmless"
    if word in CARD_WORDS:
        return "card"
    if expiry_word(word):
        return "expiry"
    if _code_singular(word) in CODE_WORDS:
        return "code"
    return None
