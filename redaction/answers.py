"""The caller's answer to an ask that nothing the card logic found answers, masked whole
(``unanswered``), the asks a recognizer wrote without their words (``implied_asks``), and the
card read before an expiry ask when nothing found says it (``unread_cards``), the rest of a
card found short of digits, its ask heard or not (``short_cards``, cards 1.76), and the expiry
date before the code ask or before the agent speaks again after a card, and the code before the
agent speaks again after the date, when nothing found says them (``expiries_before_code``,
``expiries_before_ack``, ``codes_before_ack``, cards 1.79).

Whisper tiny writes some voices' cards, expiry dates and codes as other words; with no digits
the card logic (``cards``) finds nothing, so for a speech recognizer's words in pass 1 the
words of the caller's answer to the agent's ask are masked whole. After a card number the
agent asks for the expiry date, and after that for the code: the agent's next question is
such an ask even when its ask word was misheard (cards 1.18).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import takewhile

from redaction.card_words import (
    ASK_WINDOW_S,
    CARD_NUMBER,
    CARD_WORDS,
    CHECKED_CARD_CONFIDENCE,
    COUNT_WORDS,
    EXPIRY,
    FULL_DIGITS,
    INTERJECTIONS,
    MISHEARD_CARD_WORDS,
    MISHEARD_EXPIRY_WORDS,
    MOST_DIGITS,
    NUMBER_WORDS,
    PAYMENT_WORD,
    REASK_S,
    REASK_WORDS,
    REFERENCE_WORDS,
    SAME_QUESTION_S,
    SECURITY_CODE,
    WEAK_EXPIRY_WORDS,
    UNCHECKED_CARD_CONFIDENCE,
    Ask,
    Entity,
    Times,
    ask_of,
    ends_sentence,
    keyed_between,
    lead_of,
    named_kind,
    other_code,
    plain,
)
from redaction.numbers import digits_said, month_said, one_of_a_phrase, pieces, says_number
from redaction.words import TimedWord

#: The caller's answer to an ask that nothing answers (see ``unanswered``) is masked for
#: this long from the end of the agent's sentence (a card is read for 6-12 s; an expiry date
#: or a code, after "just a second", within a few: 7 s since 1.64, 5 s before it, when answers
#: begun 5.5-6 s after the ask, after "Let me see...", stayed audible: fresh tune set 177-180
#: +13 digits of 3,112 for 0.02 point of other speech, then set 181-184 +2 for 0.03 point less) ...
UNANSWERED_S = {"card": 12.0, "expiry": 7.0, "code": 7.0}
#: ... where no card number was found from this long before a card ask, nor anything from
#: this long before an expiry or code ask's end ...
UNANSWERED_BEFORE_S = 10.0
ANSWER_EARLY_S = 1.0
#: ... the sentence ending within this many words of the ask word, or at a pause this long ...
ASK_TAIL_WORDS = 8
#: Words Whisper writes with a capital in mid-sentence.
SELF_WORDS = frozenset({"i", "im", "ill", "ive", "id"})
#: The agent's words that may follow a card ask's card word in its sentence ("... the card
#: number whenever you are ready").
RUN_ON_ASK_WORDS = frozenset({"number", "numbers", "please", "whenever", "when", "you", "are", "youre", "ready"})
TURN_GAP_S = 0.5
#: "the last three ...": the agent's code ask going on in a sentence of its own (``_counts``).
LAST_WORD, LAST_COUNTS = "last", frozenset({"three", "3", "free", "four", "4"})
#: ... when the agent asked for the number: one of these words within ASK_NUMBER_WORDS of the card word ...
ASKED_NUMBER_WORDS = frozenset({"number", "numbers", "digit", "digits", "details", "front"})
ASK_NUMBER_WORDS = 8
#: ... or one of these verbs within TAKING_BEFORE_WORDS before its card word ("can I take the card",
#: "could you read me the card", "can I have the card").
TAKING_WORDS = frozenset({"take", "read", "have"})
TAKING_BEFORE_WORDS = 3
#: ... from its first word that is none of these ("okay, it is", "sure, it's", "ready?"); "well" is
#: no lead-in: "Right, well, and idle in ..." was an expiry date's "twelve ..." misheard, kept audible (1.94) ...
ANSWER_LEAD_WORDS = (INTERJECTIONS - {"so", "or", "well"}) | {"it", "its", "is", "ready", "all", "go", "ahead"}
#: ... and up to one of these words (the agent speaking again: "lovely", "and finally, ...").
#: Whisper tiny writes the agent's "lovely" so for voices it does not know ("Lonely maps are all gone
#: through", "Learnly, ...", "Lumbly", "Learning that tomorrow gone through": 1.79).
MISHEARD_LOVELY = frozenset({"lumbly", "learnly", "longly", "lumley", "londley", "learning", "lovelyness",
                             "learnliness"})
ANSWER_END_WORDS = frozenset({"thank", "thanks", "great", "perfect", "lovely", "brilliant", "excellent",
                              "finally"}) | MISHEARD_LOVELY
#: An expiry date's or a code's answer also ends where a sentence starts with one of these: the
#: agent's next question ("... went in high. And if you're ready, the last three digits on the
#: back": masked to the 5 s, cards 1.36). A card's answer goes on (its groups may be sentences).
NEXT_SENTENCE_WORDS = frozenset({"and"})
#: ... and (an expiry date's or a code's answer only) "Last thing, the ...", "Last of all, ..." (1.83).
NEXT_ASK_STARTS = NEXT_SENTENCE_WORDS | {"last"}
UNANSWERED_CONFIDENCE = 0.3
#: The call's closing ("thanks very much for your help", "you're welcome", "goodbye"; 1.41: "you
#: will get a confirmation shortly", after the payment): no sentence with one of these words is
#: the agent's next question (``implied_asks``), and no answer goes on into one but "welcome",
#: which Whisper writes for digits it misheard ("I want to welcome a ticket for fine night." for
#: a card; cards 1.29). "is there anything else", "no, that's everything" (1.80: the alt wording's
#: closing, after the payment, was masked as the code's unanswered answer).
#: "the payment has been accepted", "approved", "processed", "that was successful" (1.83: the generated
#: wording's closings after the payment, masked as an unanswered code's answer).
CLOSING_WORDS = frozenset({"goodbye", "bye", "welcome", "help", "confirmation", "else", "everything", "accepted",
                           "approved", "processed", "successful"})
CLOSING_ENDS = CLOSING_WORDS - {"welcome"}
#: The agent's "that went through fine", "that's gone through for you" (1.99: the generated wording's closings
#: after the payment, masked as the code the caller said before the agent spoke again): closings as those
#: words are, but no end of an answer masked whole (``_answer``): "went" is also Whisper's writing of
#: digits ("June 20th, went in high"), and a code written short ("At 8,000, lonely, naps, I'm all gone
#: through and you will get a confirmation") lost a digit cut there.
DONE_VERBS, DONE_WORD = frozenset({"went", "gone"}), "through"
#: Most words of the agent's closing sentence before its closing word, as Whisper tiny writes them after
#: the agent's "lovely" ("that has all gone through and you will get a confirmation": 10; "that's a mod on
#: free and you will get a"; "nights are more gone through and you will get a" after "lonely"): an answer run
#: on into the closing with no full stop keeps its words before these (``_before_closing``, cards 1.97).
CLOSING_RUN_WORDS = 10
#: The caller's "one moment", "hang on, let me check", "sorry, it's in my other hand" before an
#: answer is no part of it ...
#: "let me find it", "give me a second", "one second please", "hang about", "hold on, just getting it out" (1.82: the
#: alt and alt-us wordings' holds).
HOLD_CUE_WORDS = frozenset({"moment", "second", "sec", "check", "see", "look", "hang", "hold", "wait", "bear",
                            "hand", "wallet", "purse", "grab", "find"})
HOLD_WORDS = HOLD_CUE_WORDS | {"one", "just", "a", "on", "let", "me", "have", "with", "um", "uh", "er", "erm", "i",
                               "ill", "get", "it", "find", "need", "to", "in", "my", "other", "read", "the",
                               "about", "getting", "out", "give", "please", "well"}
#: ... and the answer's window (``UNANSWERED_S``) lasts at least this long after it (a long hold
#: took most of it: "I'll read it in my other hand." and the expiry date 4 s later; 1.35).
HELD_ANSWER_S = 3.0
#: After a card number the agent asks for the expiry date, and after that for the code
#: (``implied_asks``): the agent's next question, when Whisper wrote it without an ask word,
#: is such an ask. The next question begins within NEXT_QUESTION_S of the data's end, ends with
#: "?" or has QUESTION_WORDS words or more (up to QUESTION_TAIL_WORDS: a sentence Whisper ran
#: on into the answer), and is more than an acknowledgement (ACK_WORDS only: "Thank you.") ...
NEXT_QUESTION_S = 6.0
QUESTION_WORDS = 3
QUESTION_TAIL_WORDS = 12
ACK_WORDS = INTERJECTIONS | ANSWER_END_WORDS | {"you", "and", "it", "that", "thats"}
#: ... after a card number asked for in words or checked (its digits pass the Luhn check:
#: ``card_words.CHECKED_CARD_CONFIDENCE`` or more), or after the first expiry date found within
#: SLOT_S of such a card or of any chain as long as a card (1.24: a card heard with a digit
#: wrong, its ask misheard); the ask is answered by anything found within IMPLIED_ANSWER_S of it.
SLOT_S = 15.0
IMPLIED_ANSWER_S = {"expiry": 8.0, "code": 8.0}
#: A card answering the ask with fewer digits than the shortest common card (Amex, 15) lost
#: some: the answer's words before its first digit are masked too (likewise an expiry date or
#: a code with fewer than its ``FULL_DIGITS``).
SHORTEST_CARD_DIGITS = 15
#: Such a card's answer goes on after it, too, in its sentence (``_read_on``), for as long as its
#: missing digits take at its own pace, times this (the card's last digits written as other words:
#: "... five four eight four big faith I want to I in one", cards 1.36) ...
MISSING_DIGITS_SLACK = 1.5
#: ... the card's digits being those of the first card found and of the cards read on within this
#: long with more digits than a code (an expiry date or a code taken for a card after it is no
#: part of it: "6, 7, 1, ... 2, are in January 20th, and the cold nine seven five").
READ_ON_S = 3.0
#: A card found after this many of the answer's words (less its lead-in) answers the ask late.
TALKED_WORDS = 8
_ASKED = {"card": CARD_NUMBER, "expiry": EXPIRY, "code": SECURITY_CODE}
_KIND_OF = {entity: kind for kind, entity in _ASKED.items()}  # what asks for each kind of data


@dataclass(frozen=True)
class Heard:
    """What the card logic reads of a call: its words in time order, when each word's digits
    were said (``times``: cards' ``_said_from``) and the keyed sequences (``keyed_s``: (start_s, end_s))."""

    words: Sequence[TimedWord] = field(repr=False)  # may say card data: never in a repr
    times: Times = field(repr=False)
    keyed_s: Sequence[tuple[float, float]] = ()


def unanswered(asks: list[Ask], heard: Heard, found: list[Entity],
               windows_s: dict[str, float] = ASK_WINDOW_S, others: Sequence[Ask] = (),
               parted: Callable[[Entity], list[Entity]] | None = None) -> list[Entity]:
    """What the recognizer wrote for the caller's answer to an ask that nothing it found
    answers, masked whole (``_answer``): Whisper tiny writes some voices' cards, expiry dates
    and codes as other words ("I want to welcome a ticket", "so big, 20, 10 run"), and with
    no digits, nothing is found and the data stays audible.

    A card ask counts when it asks for the number (``ASKED_NUMBER_WORDS`` near its card word:
    "can I take the card number", not "pay by card"), or as an expiry ask when a card number
    was found just before it (``UNANSWERED_BEFORE_S``: "the expiry date on the card?", its
    expiry word misheard, "the necessary date on the card?"). A card ask is answered by a card
    number found from ``UNANSWERED_BEFORE_S`` before it to ``ASK_WINDOW_S`` after it, and one
    with fewer than ``SHORTEST_CARD_DIGITS`` lost some: the answer's words before it are masked
    too ("it's time, time, time, I know. 6, 10, 1, ..."); so are they before a card that starts
    more than the answer's window (``UNANSWERED_S``) after the ask, which answered something
    else (the card written as other words, then a number read later; 1.42), or after
    ``TALKED_WORDS`` of the answer's words with no card ask between (1.46: what was found
    followed the card, or is its end). An expiry or code
    ask is answered by what it asked for found from ``ANSWER_EARLY_S`` before its end to its
    window's end, with ``FULL_DIGITS`` to ``MOST_DIGITS``; found first with fewer, it lost some, or
    with more, it may be something else misheard, and anything else found first after the ask's
    end was not the answer (1.54: "There's a three number ..." found as a card of one digit):
    the words before it are masked too ("the number 28" for "oh one, twenty eight"; "you are
    paying $1 .4570 70559" for a code, cards 1.28). Asks of one
    question (``SAME_QUESTION_S``) count once, by their last word. Key presses (``keyed_s``,
    keyed sequences) in an ask's window (``windows_s``) answer it whatever it asked.

    A card short of digits also masks the answer's words after it in its sentence, for as long as
    its missing digits take at its pace (``MISSING_DIGITS_SLACK``), and so does an expiry date or a
    code short of its ``FULL_DIGITS`` ("four oh two too late.", 1.52); a card's digits are those of one reading
    (``READ_ON_S``) of the parts ``parted`` (cards' ``_spoken_apart``) makes of the cards found:
    an expiry date and a code chained to a card are no part of its reading."""
    words, times, keyed_s = heard.words, heard.times, heard.keyed_s
    out: list[Entity] = []
    cards = [e for e in found if e.entity == CARD_NUMBER]
    sure_cards = _sure_cards(asks, words, found)
    last_s = -float("inf")
    for k, ask in enumerate(asks):
        end_s = words[ask.word].end_s
        same_question = takewhile(lambda a: words[a.word].start_s - end_s <= SAME_QUESTION_S, asks[k + 1 :])
        # asks are in time order; one asked again may lie in the answer masked before it (1.84)
        asked_again = plain(words[ask.word].text) in REASK_WORDS
        if (end_s <= last_s and not asked_again) or any(a.kind == ask.kind for a in same_question):
            continue
        until_s = float("inf")
        after: tuple[Entity, float] | None = None  # a short card's last part, and until when words after it answer
        kind = ask.kind
        if kind == "card":
            if not asks_number(ask, words):
                # "what is the expiry date on the card?" heard as "... the necessary date on the card?"
                if any(e.entity == CARD_NUMBER and 0 <= end_s - e.end_s <= UNANSWERED_BEFORE_S for e in [*found, *out]):
                    kind = "expiry"
                else:
                    continue
        if keyed_between(keyed_s, end_s - UNANSWERED_BEFORE_S, end_s + windows_s[kind]):
            continue
        if plain(words[ask.word].text) in MISHEARD_EXPIRY_WORDS and not any(e.end_s <= end_s for e in sure_cards):
            continue  # "fire" asks for the expiry date only after a card number was taken
        said, lead_end_s = _answer(ask.word, words, UNANSWERED_S[kind], kind != "card")
        if kind == "card":
            answered = [e for e in cards
                        if end_s - UNANSWERED_BEFORE_S <= e.end_s and e.start_s <= end_s + ASK_WINDOW_S["card"]]
            if answered:
                reading = _one_reading([p for e in answered for p in (parted(e) if parted else [e])], words)
                first = reading[0]
                digits = sum(_digits_in(e, words) for e in reading)
                # found after TALKED_WORDS of the answer's words (1.46), unless the card was asked
                # for again in between (the later ask's answer)
                talked = sum(words[w].end_s <= first.start_s for w in said) >= TALKED_WORDS
                late = first.start_s - end_s > UNANSWERED_S["card"] or (talked and not any(
                    a.kind == "card" and ask.word < a.word and words[a.word].end_s <= first.start_s for a in asks))
                if (digits >= SHORTEST_CARD_DIGITS and not late) or first.start_s <= end_s:
                    continue
                until_s = first.start_s
                if digits < SHORTEST_CARD_DIGITS:
                    after = _missing_after(reading, digits, SHORTEST_CARD_DIGITS)
        else:
            # up to the next ask for something else: what comes after it answers that
            next_s = min((words[a.word].start_s for a in [*asks, *others] if a.kind != ask.kind and a.word > ask.word),
                         default=float("inf"))
            answered = [e for e in found if end_s - ANSWER_EARLY_S <= e.start_s <= min(end_s + windows_s[kind], next_s)]
            if answered:
                first = min(answered, key=lambda e: e.start_s)
                digits = _digits_in(first, words)
                asked = first.entity == _ASKED[kind]
                # found after the answer's window, it answers something else, or the ask's answer
                # came again (the agent reading it back, a harmless number taken for it) (1.84)
                late = first.start_s - end_s > UNANSWERED_S[kind]
                if first.start_s <= end_s or (asked and FULL_DIGITS[kind] <= digits <= MOST_DIGITS[kind] and not late):
                    continue
                until_s = first.start_s
                if asked and digits < FULL_DIGITS[kind]:  # its missing digits may follow it too (1.52)
                    after = _missing_after([first], digits, FULL_DIGITS[kind])
        answer = [w for w in said if words[w].end_s <= until_s]
        if answer:
            start_s = min(times[w][0] for w in answer)
            out.append(Entity(_ASKED[kind], start_s if lead_end_s is None else min(lead_end_s, start_s),
                              max(times[w][1] for w in answer), UNANSWERED_CONFIDENCE, tuple(answer), asked=ask.word))
            last_s = words[answer[-1]].end_s
        if after is not None:
            rest = _read_on(max(after[0].words), set(said) - {w for e in found for w in e.words}, words, after[1])
            if rest:
                out.append(_masked_whole(_ASKED[kind], rest, heard))
                last_s = max(last_s, words[rest[-1]].end_s)
    return out


#: The card number the caller read before the agent's expiry ask, written as other words (1.44):
#: a card or number word (SLOT_WORDS) said in the CARD_SLOT_S before the ask's sentence, and no
#: card data found, keyed or masked there ...
CARD_SLOT_S = 30.0
CARD_NAMING_WORDS = CARD_WORDS | MISHEARD_CARD_WORDS
SLOT_WORDS = CARD_NAMING_WORDS | NUMBER_WORDS  # "what is the 16 video number?"
#: Words after an acknowledgement that say the agent goes on asking for the card number.
AGENT_ASKING_WORDS = ASKED_NUMBER_WORDS | CARD_NAMING_WORDS
#: ... and the caller's words before that sentence masked as the card, back to the agent's
#: question (a word ending in "?" or a card word) for at most UNANSWERED_S["card"].
QUESTION_END = "?"
#: The expiry ask's sentence starts at most this many words before its expiry word, after a
#: comma or a sentence's end ("thank you, and the expiry date", "and when does the card expire"):
#: Whisper runs the caller's last words into it ("... made and you and the expiry base please").
ASK_LEAD_WORDS = 5
CLAUSE_ENDS = (",", ".", "?", "!")


def _ends_clause(word: TimedWord) -> bool:
    """True when ``word`` ends a clause (``CLAUSE_ENDS``: a sentence or a comma)."""
    return word.text.rstrip().endswith(CLAUSE_ENDS)


def asks_on(word: TimedWord) -> bool:
    """True when ``word`` ends the agent's question (``QUESTION_END``)."""
    return word.text.rstrip().endswith(QUESTION_END)


def unread_cards(asks: list[Ask], heard: Heard, found: list[Entity]) -> list[Entity]:
    """The caller's card number before the agent's first expiry ask, when nothing found there
    says it: Whisper tiny wrote the card as other words and the card ask was misheard too ("go
    ahead with the problem whenever you're ready?", "can I pay for the card and please?"), so
    no ask's answer (``unanswered``) masked it; the expiry ask (its words, not Whisper's "fire")
    says a card was read just before. The caller's words from the agent's question (``QUESTION_END``,
    or a card word) up to the expiry ask's sentence, for at most ``UNANSWERED_S["card"]``, less
    their lead-in (``ANSWER_LEAD_WORDS``) and the agent's acknowledgement (``ACK_WORDS``: "thank
    you, and the expiry date"), are masked as that card. Nothing when no card or number word
    (``SLOT_WORDS``) was said in the ``CARD_SLOT_S`` before (no payment: "my membership expires
    next month"), or something was found or keyed there."""
    words, keyed_s = heard.words, heard.keyed_s
    first = next((a for a in asks if a.kind == "expiry" and plain(words[a.word].text) not in MISHEARD_EXPIRY_WORDS),
                 None)
    if first is None:
        return []
    start = first.word  # the first word of the ask's sentence
    while (start > 0 and first.word - start < ASK_LEAD_WORDS and not _ends_clause(words[start - 1])
           and words[start].start_s - words[start - 1].end_s < TURN_GAP_S):
        start -= 1
    ask_s = words[start].start_s
    from_s = ask_s - CARD_SLOT_S
    slot = range(bisect_left(words, from_s, key=lambda w: w.start_s), start)  # words are in time order
    if (any(from_s <= e.end_s and e.start_s <= words[first.word].end_s for e in found)
            or keyed_between(keyed_s, from_s, words[first.word].end_s)
            or not any(plain(words[k].text) in SLOT_WORDS for k in slot)):
        return []
    said: list[int] = []
    for k in reversed(slot):
        if (words[k].start_s < ask_s - UNANSWERED_S["card"] or asks_on(words[k])
                or plain(words[k].text) in CARD_NAMING_WORDS):
            break
        said.append(k)
    said.reverse()
    return _card_said(said, heard)


#: The card read before the first expiry date or code found, when no card was found before it
#: (1.47): the caller's words from this long before the data's ask to that ask, by the data's kind
#: (a code's ask comes after the expiry date's ask and answer, all unheard as card talk).
CARD_BEFORE_DATA_S = {EXPIRY: 12.0, SECURITY_CODE: 20.0}
#: ... back to the agent's question before the card (the card ask), past the expiry date's ask
#: before a code.
QUESTIONS_PASSED = {EXPIRY: 0, SECURITY_CODE: 1}
#: The words that say card data was being taken before the data's ask: a card or number word,
#: or the agent's "security" (code) ask said before it (1.50: "And with the security port 3, the
#: rough 3 digits on the bus. And with the PC. 7. 7. 8.", the card under a decoding loop).
DATA_SLOT_WORDS = SLOT_WORDS | {"security"}
#: The data's ask: the sentence before its answer, found back from the answer's lead-in within
#: this many words.
DATA_ASK_WORDS = 12


def cards_before_data(heard: Heard, found: list[Entity]) -> list[Entity]:
    """The caller's card number before the first expiry date or code found, when no card was
    found, keyed or masked in the ``CARD_SLOT_S`` before it and a card or number word was said
    there: Whisper wrote the card as other words and misheard the card ask and the expiry ask
    too ("go ahead with the problem whenever you're ready? Yes, it's for yeah, W you, big, ...
    You know I can select that with it? Yes, 7, 30."), so no ask's answer masked it, and the
    expiry date or code found says card data was being taken. The words said from
    ``CARD_BEFORE_DATA_S`` before the data's ask (the sentence before its answer) to that ask,
    back to a card word or the agent's question before the card at most (``QUESTIONS_PASSED``),
    less a lead-in and the agent's acknowledgement, are masked as the card (for a code, the
    expiry date's ask and answer with it). Data masked only as an ask's answer that nothing answered
    (``UNANSWERED_CONFIDENCE``) says nothing here (1.69: "call me back on" heard "call in the back
    end." asked for a code in a harmless call, the number read next was masked as its answer, and 19 s
    before it as a card)."""
    words, keyed_s = heard.words, heard.keyed_s
    data = [e for e in found if e.entity in CARD_BEFORE_DATA_S and e.confidence > UNANSWERED_CONFIDENCE]
    if not data:
        return []
    first = min(data, key=lambda e: e.start_s)
    w0 = min(first.words)
    from_s = words[w0].start_s - CARD_SLOT_S
    if (any(e.entity == CARD_NUMBER and from_s <= e.end_s and e.start_s <= first.start_s for e in found)
            or keyed_between(keyed_s, from_s, first.end_s)):
        return []
    k = w0 - 1
    while k >= 0 and plain(words[k].text) in ANSWER_LEAD_WORDS:
        k -= 1
    ends = [j for j in range(k, max(-1, k - DATA_ASK_WORDS), -1) if _ends_clause(words[j])]
    if len(ends) < 2:
        return []
    ask = ends[1] + 1  # the first word of the data's ask: after the sentence before it
    slot = range(bisect_left(words, from_s, key=lambda w: w.start_s), ask)  # words are in time order
    if not any(plain(words[j].text) in DATA_SLOT_WORDS for j in slot):
        return []  # no payment talk before the data's ask
    if any(plain(words[j].text) in MISHEARD_EXPIRY_WORDS for j in range(ask, w0)):
        return []  # asked in Whisper's "fire" (1.43): too weak to say a card was read
    ask = _asked_from(ask, first.entity, words)
    back_to = bisect_left(words, words[ask].start_s - CARD_BEFORE_DATA_S[first.entity], key=lambda w: w.start_s)
    said: list[int] = []
    passed = QUESTIONS_PASSED[first.entity]
    for j in range(ask - 1, back_to - 1, -1):
        if plain(words[j].text) in CARD_NAMING_WORDS:
            break  # the card ask
        if asks_on(words[j]):
            if not passed:
                break  # the agent's question before the card
            passed -= 1
        said.append(j)
    said.reverse()
    return _card_said(said, heard)


#: The caller naming a code before saying it ("and the code is ...", written "the COVID" too) when
#: Whisper wrote the code as other words ("and the code is too big, sir"): the words after it, to
#: the sentence's end and for at most NAMED_CODE_S, are masked as the code (1.51) ...
NAMED_CODE_S = 2.5
MISHEARD_CODE_IS = "covid"
#: ... after a card or an expiry date found in the NAMED_SLOT_S before.
NAMED_SLOT_S = 30.0


def named_codes(heard: Heard, found: list[Entity]) -> list[Entity]:
    """The code the caller named ("... and the code is", ``card_words.named_kind``, not "the post
    code is"; or Whisper's "the COVID") and Whisper wrote as other words: the words after the
    name, in its sentence and within
    ``NAMED_CODE_S`` of its end, up to an acknowledgement or a lead word, masked as a code, when
    nothing found is among them and a card or an expiry date was found in the
    ``NAMED_SLOT_S`` before (the caller is giving card data)."""
    words = heard.words
    used = {w for e in found for w in e.words}
    out: list[Entity] = []
    for k, w in enumerate(words):
        text = plain(w.text)
        named = text == MISHEARD_CODE_IS or named_kind([plain(v.text) for v in words[max(0, k - 2) : k + 1]]) == "code"
        if not named or (ends_sentence(w.text) and text != MISHEARD_CODE_IS):
            continue  # "... the code is." names nothing after it
        if not any(e.entity in (CARD_NUMBER, EXPIRY) and 0 <= w.start_s - e.end_s <= NAMED_SLOT_S for e in found):
            continue
        if any(e.entity == SECURITY_CODE and e.confidence > UNANSWERED_CONFIDENCE
               and 0 <= w.start_s - e.end_s <= NAMED_SLOT_S for e in found):
            continue  # the code was taken: "the authorisation code is ..." (misheard) names another (1.83)
        said: list[int] = []
        for j in range(k + 1, len(words)):
            word = plain(words[j].text)
            if (words[j].start_s > w.end_s + NAMED_CODE_S or word in ANSWER_END_WORDS
                    or lead_of(word, plain(words[j - 1].text)) is not None):
                break
            said.append(j)
            if ends_sentence(words[j].text):
                break
        if not said or any(j in used for j in said):
            continue
        out.append(_masked_whole(SECURITY_CODE, said, heard))
    return out


#: The expiry date read between a card number and the agent's code ask, when nothing found there
#: says it (1.79): Whisper wrote the date as other words, and the expiry ask with neither its words
#: nor a question ("Great, I'm next firing 8. One moment. I'll just plan it if I haven't. Lovely
#: and ..."), so neither ``unanswered`` nor ``implied_asks`` masked it: the caller's words before
#: the code ask's sentence (``_said_before``) ...
EXPIRY_TURN_GAP_S = 1.0
#: ... when a card was found in the CODE_SLOT_S before the code ask's sentence and nothing since.
CODE_SLOT_S = 30.0
#: The code ask's sentence starts at its "and" up to this many words before its ask word ("And, as
#: you've got it there, please, the last three digits"), across pauses of up to EXPIRY_TURN_GAP_S.
ASK_BACK_WORDS = 10


def expiries_before_code(asks: list[Ask], heard: Heard, found: list[Entity]) -> list[Entity]:
    """The caller's expiry date before the agent's first code ask after a card number, when nothing
    was found or keyed between the card and the ask: the caller's words before the ask's sentence
    (``_said_before``), masked whole. A card holding a month (its expiry date found with it) has
    its date."""
    words, keyed_s = heard.words, heard.keyed_s
    used = {w for e in found for w in e.words}
    card_ends = sorted(e.end_s for e in found if e.entity == CARD_NUMBER
                       and not any(month_said(words[w].text) for w in e.words))
    expiry_asks = {a.word for a in asks if a.kind == "expiry"}
    out: list[Entity] = []
    done: set[float] = set()  # the cards whose code ask was taken
    for ask in (a for a in asks if a.kind == "code"):
        start = _sentence_start(ask.word, words, used)
        ask_s = words[start].start_s
        card_end_s = max((t for t in card_ends if ask_s - CODE_SLOT_S <= t <= words[ask.word].start_s), default=None)
        if card_end_s is None or card_end_s in done:
            continue
        done.add(card_end_s)
        if (any(e.end_s > card_end_s and e.start_s < ask_s for e in found)
                or keyed_between(keyed_s, card_end_s, ask_s)):
            continue
        said = _said_before(start, card_end_s, UNANSWERED_S["expiry"], words, used)
        if said and not _asks_on_into(said, expiry_asks, words):
            out.append(_masked_whole(EXPIRY, said, heard))
            used |= set(said)
    return out


#: The agent's one question for the expiry date and the code names the date in at most this many
#: words after its ask word ("the expiry date and ...", "the expiry date please and ...").
ASK_NOUN_WORDS = 2


def _asks_on_into(said: list[int], asks: set[int], words: Sequence[TimedWord]) -> bool:
    """Whether the words ``said`` (indices, in order) are the start of the agent's one question for
    two things ("can I have the expiry date and the security code please?", the second's sentence
    starting at its "and"), not the caller's answer (1.96): an ask word (``asks``: word indices) at
    most ASK_NOUN_WORDS from their end, no sentence ending after it, running on into the next
    sentence with no pause of EXPIRY_TURN_GAP_S (the caller's "it expires over to set" before the
    agent's "perfect, and the three numbers ..." is the caller's answer)."""
    last = said[-1]
    if last + 1 < len(words) and words[last + 1].start_s - words[last].end_s >= EXPIRY_TURN_GAP_S:
        return False
    return any(k in asks and len(said) - i - 1 <= ASK_NOUN_WORDS
               and not any(ends_sentence(words[j].text) for j in said[i:])
               for i, k in enumerate(said))


def _sentence_start(word: int, words: Sequence[TimedWord], used: set[int]) -> int:
    """The first word of the agent's ask that holds word ``word``: its "and" (``NEXT_SENTENCE_WORDS``)
    within ``ASK_BACK_WORDS`` before it, else back at most ``ASK_LEAD_WORDS`` to a clause's end;
    never back past a sentence's end, a pause of ``EXPIRY_TURN_GAP_S`` or a word of what was found
    (``used``)."""
    start, lead = word, None
    while (start > 0 and word - start < ASK_BACK_WORDS and not ends_sentence(words[start - 1].text)
           and start - 1 not in used and words[start].start_s - words[start - 1].end_s < EXPIRY_TURN_GAP_S):
        start -= 1
        if lead is None and word - start <= ASK_LEAD_WORDS and _ends_clause(words[start - 1]):
            lead = start
        if plain(words[start].text) in NEXT_SENTENCE_WORDS:
            return start
    return lead if lead is not None else max(start, word - ASK_LEAD_WORDS)


#: The code read after an expiry date, when nothing found says it (1.79): Whisper wrote the code
#: as other words and the agent's code ask without its words ("Perfect, and the premium is on the
#: thickness of print. ... It's gone to 8 .7. Lovely, ..."): the caller's words (``_said_before``)
#: before the agent speaks again (``AGENT_AGAIN_WORDS``: an acknowledgement or the payment
#: reference, within CODE_AFTER_EXPIRY_S of the date's end and before the call's closing), that
#: sentence's first word at most AGENT_LEAD_WORDS before it ("Your payment reference").
CODE_AFTER_EXPIRY_S = 15.0
AGENT_LEAD_WORDS = 3
#: The agent's words that say it speaks again there ("payment": "your payment reference", its "reference"
#: misheard as "for" or "preferences").
AGENT_AGAIN_WORDS = ANSWER_END_WORDS | REFERENCE_WORDS | {"payment"}


#: A card found with this many digits is a 16-digit card and its expiry date read on after it, no ask
#: heard between (cards 1.97: "... 8, 1 2, 5, 6, 8 33." for a card, then "0 8 3 3"): the code is
#: looked for after it as after an expiry date (``codes_before_ack``).
CARD_AND_EXPIRY_DIGITS = 16 + FULL_DIGITS["expiry"]


def codes_before_ack(heard: Heard, found: list[Entity]) -> list[Entity]:
    """The caller's code after an expiry date found within ``CODE_SLOT_S`` of a card, or after a card
    read on into its expiry date (``CARD_AND_EXPIRY_DIGITS``), when no code was found after that date
    and nothing was found or keyed after it before the agent spoke again: the words before that,
    masked whole (``_said_till_agent``)."""
    card_ends = [e.end_s for e in found if e.entity == CARD_NUMBER]
    expiries = [e for e in found if e.entity == EXPIRY and any(0 <= e.start_s - t <= CODE_SLOT_S for t in card_ends)]
    expiries += [e for e in found if e.entity == CARD_NUMBER and _digits_in(e, heard.words) == CARD_AND_EXPIRY_DIGITS]
    return _said_after_each(expiries, SECURITY_CODE, heard, found, answered=lambda expiry, now: any(
        e.entity == SECURITY_CODE and e.start_s >= expiry.end_s for e in now))


def expiries_before_ack(asks: list[Ask], heard: Heard, found: list[Entity]) -> list[Entity]:
    """The caller's expiry date after a card that says card data was taken (``_sure_cards``: asked
    for in words, or checked), when no expiry date was found in the ``CODE_SLOT_S`` after it and
    nothing was found or keyed after it before the agent spoke again ("Great, I'm next firing 8.
    One moment. I'll just plan it if I haven't. Lovely and ..."): the words before that, after a
    pause, masked whole (``_said_till_agent``)."""
    return _said_after_each(_sure_cards(asks, heard.words, found), EXPIRY, heard, found, answered=lambda card, now: any(
        e.entity == EXPIRY and card.end_s <= e.start_s <= card.end_s + CODE_SLOT_S for e in now))


def _said_after_each(data: Sequence[Entity], entity: str, heard: Heard, found: list[Entity],
                     answered: Callable[[Entity, list[Entity]], bool]) -> list[Entity]:
    """For each of ``data`` (in the order they end) that ``answered`` (it, what was found so far)
    says nothing answers yet, the caller's words after it till the agent speaks again
    (``_said_till_agent``), as one ``entity`` masked whole."""
    used = {w for e in found for w in e.words}
    starts = sorted(e.start_s for e in found)
    out: list[Entity] = []
    for datum in sorted(data, key=lambda e: e.end_s):
        if answered(datum, [*found, *out]):
            continue
        said = _said_till_agent(datum.end_s, entity, heard, used, starts)
        if said:
            out.append(_masked_whole(entity, said, heard))
            used |= set(said)
    return out


def _said_till_agent(after_s: float, entity: str, heard: Heard, used: set[int], starts: Sequence[float]) -> list[int]:
    """The caller's words (``_said_before``, for at most the ``UNANSWERED_S`` of ``entity``'s kind;
    for an expiry date only after a pause) before the agent's first sentence after ``after_s`` with
    an ``AGENT_AGAIN_WORDS`` word in it that has such words before it, within ``CODE_AFTER_EXPIRY_S``;
    none at a word found (``used``) or the call's closing first, or when something was found
    (``starts``: where each found entity starts) or keyed between ``after_s`` and that sentence."""
    words = heard.words
    kind = _KIND_OF[entity]
    k = bisect_left(words, after_s, key=lambda w: w.start_s)  # words are in time order
    while k < len(words) and words[k].start_s <= after_s + CODE_AFTER_EXPIRY_S and k not in used:
        word = plain(words[k].text)
        if _closes(k, words):
            return []
        if word in AGENT_AGAIN_WORDS:
            agent = _agent_from(k, words)
            said = _said_before(agent, after_s, UNANSWERED_S[kind], words, used, turn=entity == EXPIRY)
            if said:
                if (any(after_s < t < words[agent].start_s for t in starts)
                        or keyed_between(heard.keyed_s, after_s, words[agent].start_s)):
                    return []
                return said
        k += 1
    return []


def _agent_from(k: int, words: Sequence[TimedWord]) -> int:
    """The first word of the agent's sentence that holds word ``k``: back at most
    ``AGENT_LEAD_WORDS`` to a sentence's end or a pause of ``TURN_GAP_S``."""
    start = k
    while (start > 0 and k - start < AGENT_LEAD_WORDS and not ends_sentence(words[start - 1].text)
           and words[start].start_s - words[start - 1].end_s < TURN_GAP_S):
        start -= 1
    return start


def _said_before(k: int, from_s: float, limit_s: float, words: Sequence[TimedWord], used: set[int],
                 turn: bool = False) -> list[int]:
    """The caller's words (indices, in order) before the agent's sentence that starts at word ``k``:
    past the agent's acknowledgement (``ACK_WORDS``: "perfect, and the ..."), back to the pause of
    ``EXPIRY_TURN_GAP_S`` before them (the agent's ask), a question, an acknowledgement, a word found
    (``used``), a harmless lead word or a number of two digits or more (no card data: it would have
    been found), after ``from_s`` and for at most ``limit_s``; with ``turn``, none unless that pause
    was found (words run on from a card are no answer: without it, 0.03-0.10 point more other speech
    for no digit). None after a reference word or a code of another kind ("your receipt number is
    ...", "the billing zip code ...", 1.83), or the agent's "payment" ("Your payment preferences 9 4 8
    9 8.": its "reference" misheard, 1.95): those words say a harmless number."""
    k -= 1
    while k >= 0 and words[k].start_s >= from_s and plain(words[k].text) in ACK_WORDS:
        k -= 1
    said: list[int] = []
    if k < 0:
        return said
    from_s = max(from_s, words[k].end_s - limit_s)
    while (k >= 0 and words[k].start_s >= from_s and k not in used and not asks_on(words[k])
           and plain(words[k].text) not in ANSWER_END_WORDS and len(digits_said(words[k].text)) < 2
           and lead_of(plain(words[k].text), plain(words[k - 1].text) if k else "") != "harmless"):
        said.append(k)
        if k > 0 and words[k].start_s - words[k - 1].end_s >= EXPIRY_TURN_GAP_S:
            return said[::-1]
        k -= 1
    if k >= 0 and _leads_reference(k, words):
        return []  # a reference read out ("your receipt number is 5 4 7 ..."), a zip code: no answer (1.83)
    return [] if turn else said[::-1]


def _leads_reference(k: int, words: Sequence[TimedWord]) -> bool:
    """Whether word ``k`` leads a harmless number: a reference word, a code of another kind, or the
    agent's "payment" (1.95; not the caller's "make a payment", which leads nothing: ``lead_of``)."""
    word, before = plain(words[k].text), plain(words[k - 1].text) if k else ""
    return (word in REFERENCE_WORDS or other_code(word, before)
            or word == PAYMENT_WORD and lead_of(word, before) is not None)


def _masked_whole(entity: str, said: list[int], heard: Heard) -> Entity:
    """The words ``said`` (indices, in order) as one ``entity`` masked whole."""
    return Entity(entity, min(heard.times[w][0] for w in said), max(heard.times[w][1] for w in said),
                  UNANSWERED_CONFIDENCE, tuple(said))


#: A card read short of the shortest common card (``SHORTEST_CARD_DIGITS``) with at least this
#: many digits lost the rest whether or not its ask was heard (``short_cards``).
SHORT_CARD_DIGITS = 8


def short_cards(heard: Heard, found: list[Entity], parted: Callable[[Entity], list[Entity]] | None = None) -> list[Entity]:
    """The words after each card reading (``_one_reading`` of the cards ``found``, in their parts
    ``parted`` makes) that says ``SHORT_CARD_DIGITS`` to fewer than ``SHORTEST_CARD_DIGITS`` digits,
    for as long as its missing digits take at its pace (``_missing_after``, as an answer's), across
    the caller's sentences, up to the agent speaking again
    (``_read_on_past``): Whisper wrote a card's first digits and then its last as other words,
    its ask unheard ("go ahead with the current number", "can I expect to garden with me?")."""
    words = heard.words
    used = {w for e in found for w in e.words}
    # the read-on stops at other data found, and goes on over words an answer's read-on took
    # (``unanswered``'s ``_read_on``: to its sentence's end), adding none of them twice
    data = {w for e in found if _digits_in(e, words) for w in e.words}
    rest = sorted((p for e in found if e.entity == CARD_NUMBER for p in (parted(e) if parted else [e])),
                  key=lambda e: e.start_s)
    out: list[Entity] = []
    while rest:
        reading = _one_reading(rest, words)
        rest = rest[len(reading):]
        digits = sum(_digits_in(e, words) for e in reading)
        if not SHORT_CARD_DIGITS <= digits < SHORTEST_CARD_DIGITS:
            continue
        last, until_s = _missing_after(reading, digits, SHORTEST_CARD_DIGITS)
        tail = [k for k in _read_on_past(max(last.words), data, words, until_s) if k not in used]
        if tail:
            out.append(_masked_whole(CARD_NUMBER, tail, heard))
            used |= set(tail)
    return out


def _read_on_past(last: int, data: set[int], words: Sequence[TimedWord], until_s: float) -> list[int]:
    """The words after word ``last`` that start by ``until_s``, up to a word of other data found
    (``data``), an acknowledgement (``ANSWER_END_WORDS``: "thank you", "lovely"), the call's
    closing, an "and" (``NEXT_SENTENCE_WORDS``: "... made you and when does it expire"), a
    question (``_asks_here``) or a lead word (the next ask: "the expiry date")."""
    out: list[int] = []
    for k in range(last + 1, len(words)):
        word = plain(words[k].text)
        if (words[k].start_s > until_s or k in data or word in ANSWER_END_WORDS or _closes(k, words)
                or word in NEXT_SENTENCE_WORDS or _asks_here(k, words)
                or lead_of(word, plain(words[k - 1].text)) is not None):
            break
        out.append(k)
    return out


def _asks_here(k: int, words: Sequence[TimedWord]) -> bool:
    """True when the sentence from word ``k`` on is a question (ends in a question mark within
    ``QUESTION_TAIL_WORDS``, before any ``NEXT_SENTENCE_WORDS`` word: "... more fine and when does
    it run out?" is the caller's words run on into the agent's question, which starts at "and")."""
    for j in range(k, min(len(words), k + QUESTION_TAIL_WORDS)):
        if plain(words[j].text) in NEXT_SENTENCE_WORDS:
            return False
        if ends_sentence(words[j].text):
            return words[j].text.rstrip().endswith(QUESTION_END)
    return False


def _asked_from(ask: int, data: str, words: Sequence[TimedWord]) -> int:
    """The first word of the agent's ask for ``data`` (EXPIRY, SECURITY_CODE) that ends with the
    sentence starting at word ``ask``: back over the sentences before it that still ask for it (an
    ask word of its kind or a count word in them: "And the security code please. The last three
    digits on the back. And the CVV."), each at most ``DATA_ASK_WORDS`` long."""
    kind = _KIND_OF[data]
    while ask > 0:
        start = ask - 1
        while (start > 0 and ask - start < DATA_ASK_WORDS
               and not _ends_clause(words[start - 1])):
            start -= 1
        if not any(ask_of(plain(w.text)) == kind or plain(w.text) in COUNT_WORDS for w in words[start:ask]):
            break
        ask = start
    return ask


def _card_said(said: list[int], heard: Heard) -> list[Entity]:
    """The caller's unheard card: the words ``said`` (indices, in order), less a lead-in at their
    front and the agent's acknowledgement at their end ("thank you," before the next ask), as one
    card number masked whole (none when nothing is left)."""
    words = heard.words
    start, end = 0, len(said)
    while start < end and plain(words[said[start]].text) in ANSWER_LEAD_WORDS:
        start += 1
    while end > start and plain(words[said[end - 1]].text) in ACK_WORDS:
        end -= 1
    kept = said[start:end]
    if not kept:
        return []
    return [_masked_whole(CARD_NUMBER, kept, heard)]


def _missing_after(reading: list[Entity], digits: int, full: int) -> tuple[Entity, float]:
    """The last part of a short ``reading`` (one entity's parts, in order, saying ``digits`` of
    ``full``) and until when its missing digits may follow it: as long as they take at its pace,
    times ``MISSING_DIGITS_SLACK``."""
    pace_s = sum(e.end_s - e.start_s for e in reading) / max(digits, 1)
    return reading[-1], reading[-1].end_s + (full - digits) * pace_s * MISSING_DIGITS_SLACK


def _read_on(last: int, answer: set[int], words: Sequence[TimedWord], until_s: float) -> list[int]:
    """The words after word ``last`` (a short card's last) in the same sentence, of ``answer``
    (the answer's words, less what was found), starting by ``until_s``, up to a
    ``NEXT_SENTENCE_WORDS`` word: the agent's next question after the card's full stop ("... 7 .6
    .7. And what is the expiry date"), or run on into it ("one eight zero and what is"), stays audible."""
    out: list[int] = []
    k = last
    while not ends_sentence(words[k].text):
        k += 1
        if (k >= len(words) or k not in answer or words[k].start_s > until_s
                or plain(words[k].text) in NEXT_SENTENCE_WORDS):  # "... 1 8 0 and what is the expiry date"
            break
        out.append(k)
    return out


def _one_reading(cards: list[Entity], words: Sequence[TimedWord]) -> list[Entity]:
    """The first of ``cards`` and those read on after it (``READ_ON_S``, more digits than a code)."""
    ordered = sorted(cards, key=lambda e: e.start_s)
    reading = ordered[:1]
    for e in ordered[1:]:
        if e.start_s - reading[-1].end_s > READ_ON_S or _digits_in(e, words) <= MOST_DIGITS["code"]:
            break
        reading.append(e)
    return reading


def implied_asks(kind: str, after: str, asks: list[Ask], words: Sequence[TimedWord],
                  found: list[Entity]) -> list[Ask]:
    """The agent's asks for ``kind`` (expiry, code) that the recognizer wrote without their
    words ("and when does the car next fire?" for "... the card expire?"): after a card number
    the agent asks for the expiry date, and after the expiry date for the code, so the agent's
    next question (``_next_question``) after the data found (``after``: "card", "expiry") is
    that ask, unless an ask word lies between the data and the question's end (asked in
    words: ``unanswered``'s) or something was found there (no question, then its answer)."""
    cards = _sure_cards(asks, words, found)
    if after == "card":
        data = cards
    else:  # the first expiry date within SLOT_S after such a card, or any as long as a card (1.24:
        # checked or not, its ask misheard), and the rest of it said in parts
        expiries = sorted((e for e in found if e.entity == EXPIRY), key=lambda e: e.start_s)
        data = []
        full = [e for e in found if e.entity == CARD_NUMBER and e.confidence >= UNCHECKED_CARD_CONFIDENCE]
        for card in [*cards, *(e for e in full if e not in cards)]:
            parts = [e for e in expiries if card.end_s <= e.start_s <= card.end_s + SLOT_S][:1]
            for e in expiries:
                if parts and parts[-1].end_s < e.start_s <= parts[-1].end_s + NEXT_QUESTION_S:
                    parts.append(e)
            data += parts
    out: list[Ask] = []
    ends = sorted(e.end_s for e in data)
    for k, end_s in enumerate(ends):
        if k + 1 < len(ends) and ends[k + 1] - end_s <= NEXT_QUESTION_S:
            continue  # said in parts: the question comes after the last
        question = _next_question(words, end_s)
        if question is None:
            continue
        asked_s = words[question].end_s
        if any(end_s <= words[a.word].start_s <= asked_s for a in asks):
            continue
        if any(e.end_s > end_s and e.start_s <= asked_s for e in found):
            continue
        out.append(Ask(kind, question))
    return out


def reasked_data(asks: list[Ask], words: Sequence[TimedWord], found: list[Entity]) -> list[Ask]:
    """The agent asking again ("sorry, can you say that again?", ``REASK_WORDS`` ending a clause) for
    the card data found in the ``REASK_S`` before it, where no ask was heard (``cards._runs`` takes
    a re-ask after one): an ask for that data's kind (1.84)."""
    out: list[Ask] = []
    asked = {a.word for a in asks}
    for k, w in enumerate(words):
        if k in asked or plain(w.text) not in REASK_WORDS or not w.text.rstrip().endswith(CLAUSE_ENDS):
            continue
        last = max((e for e in found if w.start_s - REASK_S <= e.end_s <= w.start_s), key=lambda e: e.end_s, default=None)
        if last is not None and not any(last.end_s <= words[a.word].start_s < w.start_s for a in asks):
            out.append(Ask(_KIND_OF[last.entity], k))
    return out


def _sure_cards(asks: list[Ask], words: Sequence[TimedWord], found: list[Entity]) -> list[Entity]:
    """The card numbers of ``found`` that say card data was taken: asked for in words (within the
    card ask's window after it) or passing the issuer and Luhn checks."""
    card_asks_s = [words[a.word].end_s for a in asks if a.kind == "card" and asks_number(a, words)]
    return [e for e in found if e.entity == CARD_NUMBER and (
        e.confidence >= CHECKED_CARD_CONFIDENCE or any(0 <= e.start_s - t <= ASK_WINDOW_S["card"] for t in card_asks_s))]


def _digits_in(entity: Entity, words: Sequence[TimedWord]) -> int:
    """How many digits ``entity`` says ("April" two, "twenty seven" two)."""
    return sum(len(p.digits) for p in pieces([words[i] for i in entity.words]))


def asks_number(ask: Ask, words: Sequence[TimedWord]) -> bool:
    """A card ask asks for the number (``ASKED_NUMBER_WORDS`` near its card word: "can I take
    the card number", not "pay by card"), or takes the card (``TAKING_WORDS`` right before its card
    word: "can I take the card in them but please", its "number" misheard; 1.77)."""
    near = words[max(0, ask.word - ASK_NUMBER_WORDS) : ask.word + ASK_NUMBER_WORDS + 1]
    before = words[max(0, ask.word - TAKING_BEFORE_WORDS) : ask.word]
    return (any(plain(w.text) in ASKED_NUMBER_WORDS for w in near)
            or any(plain(w.text) in TAKING_WORDS for w in before))


def _next_question(words: Sequence[TimedWord], after_s: float) -> int | None:
    """The last word of the first sentence that begins within ``NEXT_QUESTION_S`` after
    ``after_s`` and says more than an acknowledgement ("Thank you." "Lovely.") or the call's
    closing (``CLOSING_WORDS``): a question
    (it ends with "?") or of ``QUESTION_WORDS`` words or more, cut after QUESTION_TAIL_WORDS
    words; None if there is none."""
    j = bisect_left(words, after_s, key=lambda w: w.start_s)  # words are in time order
    while j < len(words) and words[j].start_s <= after_s + NEXT_QUESTION_S:
        end = _sentence_end(j, words, QUESTION_TAIL_WORDS)
        end = min(len(words), j + QUESTION_TAIL_WORDS) if end is None else end
        said = [plain(w.text) for w in words[j:end]]
        if any(digits_said(words[i].text) and not (i + 1 < end and plain(words[i + 1].text) in COUNT_WORDS)
               and not one_of_a_phrase(words, i) for i in range(j, end)):
            return None  # data said, not asked for ("the last three digits" asks; "one moment" is no digit)
        if any(_closes(i, words, CLOSING_WORDS) for i in range(j, end)) or _asks_other(said):
            # the call's closing, no question: "Brilliant, thanks very much for your help."; or a question for
            # something else: "and the house number of the billing address?" (1.83)
            j = end
            continue
        if not all(w in ACK_WORDS for w in said) and (
                len(said) >= QUESTION_WORDS or asks_on(words[end - 1])):
            return end - 1
        j = end
    return None


#: Words that say the agent's question asks for the caller's address or date of birth, no card data
#: ("and the house number of the billing address?", "the billing zip code"; not every harmless lead
#: word: Whisper writes the code ask "last thing, the security code please" as "... to call the police").
OTHER_ASK_WORDS = frozenset({"zip", "zipcode", "postcode", "postal", "house", "address", "birth"})


def _asks_other(said: Sequence[str]) -> bool:
    """True when a sentence (``plain`` words) asks for a number that is no card data (``OTHER_ASK_WORDS``,
    or a code of another kind: "the post code", ``card_words.other_code``)."""
    return any(w in OTHER_ASK_WORDS or other_code(w, said[i - 1] if i else "") for i, w in enumerate(said))


def _answer(ask: int, words: Sequence[TimedWord], limit_s: float, harmless_ends: bool) -> tuple[list[int], float | None]:
    """Indices of the words that answer the ask said by word ``ask``, and where its sound
    begins (None: at its first word). The answer starts after the agent's sentence
    (``_sentence_end``) and after a sentence that still says what is asked (a count word or
    a card, expiry or code word in it: "... the security code please. The last three digits
    on the back."), less its lead-in (``ANSWER_LEAD_WORDS`` and the caller's "one moment.",
    ``_held``: the sound begins where the lead-in ends; Whisper wrote nothing for some codes
    read after "Right."). It lasts
    ``limit_s``, up to a card, expiry or code word or an acknowledgement (the agent speaking
    again; as a card answer's first word with no number or card word in the 8 after it, the
    caller's lead-in misheard, "Thank OK, it is", 1.46, and so is any answer's first word right after
    the caller's hold: "let me see. Thanks, heaven free one.", 1.94) or the call's closing (``CLOSING_ENDS``)
    or, with ``harmless_ends`` (an expiry or a code), a harmless lead word ("your payment reference is") or a sentence starting with
    ``NEXT_SENTENCE_WORDS``. A card ask's sentence with no end starts the answer at
    ``_run_on_end`` (1.46); an expiry or code ask's sentence may run on for ``QUESTION_TAIL_WORDS``
    (1.51: "and the security code please the last three did it some back.")."""
    j = _answer_from(ask, words, harmless_ends)
    if j is None or j >= len(words):
        return [], None
    out: list[int] = []
    lead_end_s: float | None = None
    held_to = j
    for k in range(j, len(words)):
        word = plain(words[k].text)
        held_s = words[min(held_to, len(words) - 1)].start_s
        until_s = max(words[j].start_s + limit_s, held_s + min(limit_s, HELD_ANSWER_S))
        if words[k].start_s > until_s:
            break
        if word in CLOSING_ENDS:
            out = _before_closing(out, k, words)
            break
        if word in ANSWER_END_WORDS:
            after_hold = j < k == held_to  # the caller's "one moment." just before it (1.94)
            if out or (k > j and not after_hold) or (harmless_ends and not after_hold) or any(
                    plain(w.text) in AGENT_ASKING_WORDS for w in words[k + 1 : k + 1 + ASK_TAIL_WORDS]):
                break  # the agent speaking again ("Lovely, what is the 16-digit number ...")
            lead_end_s = words[k].end_s  # the caller's first word misheard ("Thank OK, it is ...")
            continue
        if harmless_ends and out and word in NEXT_ASK_STARTS and (
                ends_sentence(words[k - 1].text) or _asks_data(k, words)):
            break  # the agent's next question ("And ...", "Last thing, ...")
        lead = lead_of(word, plain(words[k - 1].text))
        # a card's answer goes on over a harmless word ("ticket" may be "digits" misheard), and any
        # answer over a weak expiry word as its first ("It's through nine.": "three", 1.51)
        if lead is not None and (lead != "harmless" or harmless_ends) and not (word in WEAK_EXPIRY_WORDS and not out):
            break
        if not out and k >= held_to:
            held_to = _held(k, words)
        if out or (word not in ANSWER_LEAD_WORDS and k >= held_to):
            out.append(k)
        else:
            lead_end_s = words[k].end_s
    return out, lead_end_s


def _answer_from(ask: int, words: Sequence[TimedWord], harmless_ends: bool) -> int | None:
    """The index of the first word after the agent's ask said by word ``ask`` and a sentence after it
    that still says what is asked (``_answer``; ``len(words)`` when nothing follows), None when an expiry
    or code ask's (``harmless_ends``) sentence runs on past QUESTION_TAIL_WORDS, or such a sentence after
    it past ASK_TAIL_WORDS."""
    j = _sentence_end(ask, words, QUESTION_TAIL_WORDS if harmless_ends else ASK_TAIL_WORDS)
    if j is None and not harmless_ends:  # a card ask
        j = _run_on_end(ask, words)
    elif j is not None and j < len(words):
        after = _sentence_end(j, words)
        said = words[j : after if after is not None else j]
        if any(plain(w.text) in COUNT_WORDS or ask_of(plain(w.text)) is not None for w in said) or _counts(said):
            j = after
    return j


#: "Thank you" right after the agent's ask is no agent speaking again (nothing was answered to thank for):
#: Whisper wrote it over the caller's answer or the silence before it ("Thank Just a second.", "Thank you
#: very welcome you" for a code), so an answer window (``answer_window_s``) goes on past it.
THANKS_WORDS = frozenset({"thank", "thanks"})


def answer_window_s(ask: Ask, words: Sequence[TimedWord]) -> tuple[float, float] | None:
    """(start_s, end_s) of where the caller answers the agent's expiry or code ``ask`` (``words`` in time
    order): from the end of its sentence and of one after it that still asks (``_answer``) to the start of
    the first word after that in which the agent speaks again (``_agent_again``; end_s inf when none
    does), past a "thank you" right after the ask (``THANKS_WORDS``) unless its sentence (``_sentence_end``:
    a turn's pause ends it too) says a number (the agent's amount: session 56's review); None when its sentence runs on
    (``_answer_from``): where the answer starts is not known."""
    j = _answer_from(ask.word, words, harmless_ends=True)
    if j is None:
        return None
    k = j
    if k < len(words) and plain(words[k].text) in THANKS_WORDS:
        while k < len(words) and plain(words[k].text) in THANKS_WORDS | {"you"}:
            k += 1
        end = _sentence_end(k - 1, words, QUESTION_TAIL_WORDS) or k  # the thanks' sentence (None: no number)
        if any(says_number(w.text) or any(c.isdigit() for c in w.text) for w in words[k:end]):
            k = j  # the agent's thanks and its own amount after them ("Thank you, that's £45.20"): it speaks again
    end_s = next((words[i].start_s for i in range(k, len(words)) if _agent_again(i, words)), float("inf"))
    return words[j - 1].end_s, end_s


def answer_windows(asks: Sequence[Ask], words: Sequence[TimedWord],
                   keyed_s: Sequence[tuple[float, float]] = ()) -> list[tuple[str, float, float]]:
    """(entity, start_s, end_s) of each expiry and code ask of ``asks`` whose answer window is known
    (``answer_window_s``) and holds no keyed sequence (``keyed_s``: the caller keyed the answer)."""
    out = []
    for ask in asks:
        if ask.kind not in ("expiry", "code"):
            continue
        end_s = words[ask.word].end_s
        window = answer_window_s(ask, words)
        if window is not None and not keyed_between(keyed_s, end_s, end_s + ASK_WINDOW_S[ask.kind]):
            out.append((_ASKED[ask.kind], *window))
    return out


def _agent_again(k: int, words: Sequence[TimedWord]) -> bool:
    """Word ``k`` says the agent speaks again after an answer: an acknowledgement or the call's closing
    (``ANSWER_END_WORDS``, ``CLOSING_WORDS``), a word that asks for or leads card data or a harmless
    number ("your payment reference is"), or a sentence's first word that starts the next question
    (``NEXT_ASK_STARTS``: "And ...")."""
    word, before = plain(words[k].text), plain(words[k - 1].text) if k else ""
    return (word in ANSWER_END_WORDS or word in CLOSING_WORDS or ask_of(word) is not None
            or lead_of(word, before) is not None
            or (word in NEXT_ASK_STARTS and k > 0 and ends_sentence(words[k - 1].text)))


def _closes(k: int, words: Sequence[TimedWord], closing: frozenset[str] = CLOSING_ENDS) -> bool:
    """True when word ``k`` says the call's closing: a word of ``closing`` (CLOSING_ENDS, or CLOSING_WORDS
    where "welcome" closes too) or the "through" of "went through" (``_gone_through``)."""
    return plain(words[k].text) in closing or _gone_through(k, words)


def _gone_through(k: int, words: Sequence[TimedWord]) -> bool:
    """True when word ``k`` is the "through" of "went through" or "gone through" (``DONE_VERBS``)."""
    return k > 0 and plain(words[k].text) == DONE_WORD and plain(words[k - 1].text) in DONE_VERBS


def _asks_data(k: int, words: Sequence[TimedWord]) -> bool:
    """The sentence starting at word ``k`` (at most QUESTION_TAIL_WORDS words) asks for card data: an
    ask word or "the last three" in it. The agent's "and ..., please, the last three digits on the Mac"
    right after an expiry date Whisper ended with a comma ("And when did I,") is the next question, not
    more of the date's answer (1.95)."""
    end = _sentence_end(k, words, QUESTION_TAIL_WORDS)
    said = words[k : min(len(words), k + QUESTION_TAIL_WORDS) if end is None else end]
    return _counts(said) or any(ask_of(plain(w.text)) is not None for w in said)


def _before_closing(out: list[int], closing: int, words: Sequence[TimedWord]) -> list[int]:
    """``out`` (an answer's word indices, in order) less its last words that say no number and share
    a sentence with the call's closing word ``closing``, when that sentence goes on after it: "You will
    get a confirmation shortly." after the code ask's sentence is the agent's closing whole, not an
    answer cut at "confirmation" (1.95). An answer run on into a last "goodbye" keeps its words ("so big
    tender goodbye": the expiry date misheard, then the caller's goodbye). When that would leave nothing of
    the answer, the words before the closing's ``CLOSING_RUN_WORDS`` are kept: the caller's code run on
    with no full stop into the agent's "lovely, that has all gone through and you will get a confirmation"
    ("Free line for London, that's a mod on free and you will get a confirmation", cards 1.97)."""
    if ends_sentence(words[closing].text) or closing + 1 >= len(words) or (
            words[closing + 1].start_s - words[closing].end_s >= TURN_GAP_S):
        return out
    i = closing - 1
    whole = out
    while (out and out[-1] == i and not ends_sentence(words[i].text) and not digits_said(words[i].text)
           and not month_said(words[i].text) and words[i + 1].start_s - words[i].end_s < TURN_GAP_S):
        out = out[:-1]
        i -= 1
    return out or [w for w in whole if closing - w > CLOSING_RUN_WORDS]


def _run_on_end(ask: int, words: Sequence[TimedWord]) -> int:
    """Where the answer starts when the ask's sentence has no end (``_sentence_end``): Whisper
    ran the caller's answer on into the agent's ask, unpunctuated and with no pause ("... the
    front on the card Okay, it is ..."): at the first word after ``ask`` within
    ``ASK_TAIL_WORDS`` that Whisper began with a capital (a sentence it heard start; not "I"),
    else just after the ask word (the card ask's word ends its sentence: "... across the front
    of your card right the number is")."""
    end = min(len(words), ask + ASK_TAIL_WORDS + 1)
    for k in range(ask + 1, end):
        text = words[k].text.lstrip()
        if text[:1].isupper() and plain(text) not in SELF_WORDS:
            return k
    k = ask + 1
    while k < end and plain(words[k].text) in RUN_ON_ASK_WORDS:
        k += 1
    return k


def _counts(said: Sequence[TimedWord]) -> bool:
    """True when ``said`` (a sentence) has "last" and a code's count right after it: the agent's
    "the last three digits on the back", its count word misheard ("The last three minutes on the
    Mac.", "the last 3 niggas on the map"; 1.49)."""
    text = [plain(w.text) for w in said]
    return any(a == LAST_WORD and b in LAST_COUNTS for a, b in zip(text, text[1:]))


def _held(k: int, words: Sequence[TimedWord]) -> int:
    """The index after the caller's "one moment." ("just a second", "hang on, let me check")
    that starts at word ``k``, or ``k``: a sentence of HOLD_WORDS and ANSWER_LEAD_WORDS only,
    with a HOLD_CUE_WORDS word in it, or such a clause ended by a comma ("Let me see, it's ten to
    five.": cards 1.99, the generated wording's holds masked as the answer)."""
    for ends in (_ends_sentence, _ends_clause):
        end = _sentence_end(k, words, ends=ends) or k
        said = {plain(w.text) for w in words[k:end]}
        if said & HOLD_CUE_WORDS and said <= HOLD_WORDS | ANSWER_LEAD_WORDS:
            return end
    return k


def _ends_sentence(word: TimedWord) -> bool:
    """True when ``word`` ends a sentence (``ends_sentence``)."""
    return ends_sentence(word.text)


def _sentence_end(word: int, words: Sequence[TimedWord], tail_words: int = ASK_TAIL_WORDS,
                  ends: Callable[[TimedWord], bool] = _ends_sentence) -> int | None:
    """The index of the first word after the sentence that holds ``word`` (a full stop or
    question mark, or a pause of ``TURN_GAP_S``; with ``ends``, a word it is true of ends
    it: ``_ends_clause``, a comma too), None when that lies more than ``tail_words`` words on."""
    j = word + 1
    while (j < len(words) and j - word <= tail_words and not ends(words[j - 1])
           and words[j].start_s - words[j - 1].end_s < TURN_GAP_S):
        j += 1
    return None if j - word > tail_words else j
