"""Card logic: groups spoken or keyed digits into card numbers, expiry dates and security codes.

Works on timed words from any source (a provider transcript, the speech recognizer, keyed
DTMF digits as one-character words) in three steps:

1. runs: digit pieces (see ``numbers``) with no ordinary word between them and pauses of at
   most ``RUN_GAP_S``; fillers ("uh", "and") do not break a run;
2. chains: runs joined across short interruptions ("okay", "go on") so a card read in groups
   is one candidate;
3. entities: a chain of 13 or more digits is a card number; the best Luhn- and issuer-valid
   window raises confidence and lets what follows be labelled expiry and security code, but
   a long run is masked whole whatever the checks say. Runs chained across real words are
   one card only when card words, the agent's ask or both checks say so. Shorter runs are an
   expiry date or a security code when context words say so, when they answer the agent's
   ask for one within ``ASK_WINDOW_S`` (a digit or two may be lost), or right after a card.
   An entity's digits are masked apart where real words part them for long enough
   (``_spoken_apart``): the words stay audible unless one may be a digit misheard. An
   entity starts no later than its long numerals could have begun (``_said_from``).
4. for a speech recognizer's words (``unanswered=True``), the caller's answer to an ask that
   nothing found answers is masked whole, and the words before a card that answers the ask
   short of digits (``answers.unanswered``): a recognizer that wrote the digits as other words
   leaves nothing else to find. An ask it wrote without its words counts too: after a card
   the agent's next question asks for the expiry date, and after that for the code
   (``answers.implied_asks``, 1.18); and with no ask heard at all, the caller's words between
   a card and the agent's code ask or its next acknowledgement are its expiry date, and those
   between an expiry date and the agent's next acknowledgement or payment reference its code (1.79).

Numbers that are no card data stay audible: digits a recognizer heard twice in overlapping
pieces count once (``_second_hearings``); a run of 10-12 digits starting with 0 is a phone
number unless a card word or the card ask comes before it (``_phone_runs``), numerals inside it
grouped as a card is written and Luhn-valid, or a card read on after its digits, excepted
(``_grouped_cards``, 1.98, 1.99); a run led in
by a harmless word ("order number", "reference", "call me back on", "extension") is masked
only when it is as long as a card (a card heard with a digit wrong fails the checks), and
such a word ends a chain (unless it stands alone amid a reading of digits: a digit misheard,
1.19); an amount, a time or a duration ("forty five pounds twenty", "eleven twenty pm", "45
minutes") is no expiry date or code after a card; nor is "may" or "march" without a year
("good may goodbye") unless the agent asked; nor is a number nobody asked for once the card's
expiry date and code are found (1.19: "your payment reference is ...", its lead word misheard).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from difflib import SequenceMatcher
from itertools import groupby

from redaction import answers, years
from redaction.run_ends import RunEnds
from redaction.card_words import (
    ASK_WINDOW_S,
    CARD_NUMBER,
    CHECKED_CARD_CONFIDENCE,
    CARD_WORDS,
    CODE_WORDS,
    COUNT_WORDS,
    EXPIRY,
    EXPIRY_WORDS,
    HARMLESS_PLURALS,
    HARMLESS_WORDS,
    INTERJECTIONS,
    MISHEARD_CARD_WORDS,
    MOST_DIGITS,
    NAMING_WORDS,
    NUMBER_WORDS,
    REASK_S,
    REASK_WORDS,
    REFERENCE_WORDS,
    SAME_QUESTION_S,
    SECURITY_CODE,
    UNCHECKED_CARD_CONFIDENCE,
    WEAK_EXPIRY_WORDS,
    Ask,
    Entity,
    Times,
    ask_of,
    bare_back,
    car_said_for_card,
    ends_sentence,
    expiry_word,
    keyed_between,
    lead_of,
    own_named,
    own_number,
    named_kind,
    plain,
)
from redaction.issuers import issuer_of, luhn_valid
from redaction.numbers import Piece, atoms_of, digits_said, month_said, pieces
from redaction.words import UNKNOWN_WORD, TimedWord

#: Version of the card logic, recorded with transcript detections in reports and metadata (and in
#: a recognizer's detector version: ``engine.recognizer_version``). It moves with what is masked
#: beside a transcript too (``beside_transcript``, 1.90; a transcript aligned onto the audio's clock piece
#: by piece, ``piecewise_clock``, 1.91; its pieces moved along a line, 1.92), so a batch re-redacts what
#: an older one masked (1.93: a provider's numeral of fewer digits than a card's is no long run, ``_one_numeral``).
#: 1.94: digits written as words ("high" amid a card, a card's first digits), "the code in", a month in the
#: expiry ask, an acknowledgement right after the caller's hold, a date or code whose first word was timed
#: with no length, "well" no answer's lead-in; a provider's numeral timed short is no second writing of
#: the digits before it (``_read_again`` is the recognizer's). 1.95: the call's closing sentence is no
#: unanswered answer ("You will get a confirmation shortly."), nor the agent's next ask after a comma ("And when
#: did I, and ..., please, the last three digits on the Mac"), nor the agent's payment reference its
#: "reference" misheard ("Your payment preferences 9 4 8 9 8.") the code said before the agent speaks again.
#: 1.96: the caller's "make a payment" is no such lead ("payment" after "a" leads nothing: ``lead_of``); a
#: month in the expiry ask is counted from that ask's word, not from a later ask's ("... three digits in May."); the
#: agent's one question for the expiry date and the code is no expiry date said before the code ask; a year's
#: "twenty" written "when did" after a month or a card found is the expiry date ("April 20th, when did I?": ``years``).
#: 1.97: a card no check passes ends its reading at the run that brings it to a common card's length when each
#: run after it reads as an expiry date or a code on its own (``_unchecked_card``): the words between stay audible;
#: a long answer to the code ask after a card is the code up to its longest pause, no card (``_long_code_answer``);
#: an answer run on into the call's closing with no full stop keeps its words before the closing's
#: (``answers.CLOSING_RUN_WORDS``); a card of 16 + 4 digits is a card read on into its expiry date, the
#: code looked for after it (``answers.CARD_AND_EXPIRY_DIGITS``); "fix" may be "six" misheard (``DIGIT_SOUNDALIKES``);
#: digits framed or joined by symbols ("<4111", "4111&1111", "*4111*") are read as digits (``numbers._SPLIT``).
#: 1.98: numerals grouped as a card is written, Luhn-valid, inside runs taken for a phone number are the card
#: (``_grouped_cards``: "my phone is 1234 4111 1111 1111 1111" kept the card whole in every transcript format).
#: 1.99: a card with an issuer's prefix and length, Luhn-valid, read on in any grouping after a phone number's digits is
#: the card (``_grouped_cards``: "call me on 07700 900123 4 1 1 1 ..." was all phone number).
#: 1.99: words of other wordings (issue 9, the generated wording): "my number" leads a phone number
#: (``card_words.own_number``); "billing" leads a harmless number (``card_words.HARMLESS_WORDS``);
#: the caller's hold ends at a comma too ("Let me see, ...": ``answers._held``); "went through", "gone through"
#: are the call's closing (``answers.DONE_VERBS``).
#: 2.00: digits Whisper wrote again in a decoding loop keep no time of their own in a mask and are no evidence
#: at its edges (``digit_loops``, ``sounds``, ``edges``): the mask keeps to the number sounds there.
#: 2.00: "three hundred" or "300" after "the" and before "on" is the count of the agent's code ask
#: ("And the three hundred on the big nature trip.": ``HUNDRED_COUNT_READINGS``), not the code.
#: 2.01: an unchecked card chain's speech regions after its card's 16th digit in which the network heard no number
#: sound, where it heard the card, are unmasked (``card_tails``: the agent's ask under digits Whisper wrote again).
#: 2.01: "my", a word or two, "is" before a run with no card, expiry or code word among them and nothing asked
#: names a number of the caller's own ("My humver is near 1277, 1, 5, ...": ``card_words.own_named``), as
#: "my order number is" does: a harmless lead. "me back" right before a run leads a phone number as "back on"
#: does ("What is one moment? me back 1 4 7 4, ...": ``ME_BACK``).
#: 2.01: "the car," ending a clause is the card word as "car?" and "car." are ("on the front of the car, whenever ...").
VERSION = "2.01"

MIN_CARD_DIGITS, MAX_CARD_DIGITS = 13, 19
#: Longest pause inside one run of digits (people pause between groups of four).
RUN_GAP_S = 2.5
#: Runs this close, with at most CHAIN_OTHER_WORDS ordinary words between, form one chain.
CHAIN_GAP_S = 6.0
CHAIN_OTHER_WORDS = 4
#: A harmless word alone between two runs at most this far apart is a digit misheard as a
#: word, not the lead-in of a new number: it neither ends the chain nor leads the next run
#: ("two two one five four four four four seven, house. two four seven, house, eight eight":
#: a stranger voice's "six" written "house", 1.19; a lead-in takes more words and time).
#: Strangers 91-94, where it was written: 499 -> 519 of 550 digits, 1 -> 0 leaky cards; no
#: change on tune seeds 89-92 or strangers 95-98.
MISHEARD_AMID_S = 1.0
#: A chain of fewer than MIN_CARD_DIGITS joined across more real words than this (a
#: recognizer's "<other>" is no real word) is taken run by run: a phone number, "okay" and a
#: house number are no card, nor an expiry date, the agent's question and a code (the runs
#: of a card asked for are masked run by run: see ``_short_run``).
CHAIN_REAL_WORDS = 0
#: ... unless it is read like a card: at least this many groups, one word at most between
#: them (Whisper writes an "oh" it did not catch as a word), MIN_LONG_RUN_DIGITS in all.
MIN_GROUPS = 3
#: A chain of MIN_CARD_DIGITS to MAX_CARD_DIGITS digits whose runs are joined by at most this
#: many real words each is a card though no card word was heard ("3 0, I'm 3 5 8, ...":
#: Whisper wrote a digit it misheard as a word); a phone number, a word or two and a house
#: number are fewer digits, two phone numbers more.
MAX_JOIN_WORDS = 1
#: ... and this many more when every digit of the chain is a word of its own (a card read digit
#: by digit: "3, 7, 0, 6. I made 3, 4, 0, 4. 9, 1, 0, 3, 1." with the card ask heard as "the
#: count number", 1.27); a numeral of two digits or more among them ("2015 on November 21",
#: ".69. Right for 15" in harmless calls) keeps MAX_JOIN_WORDS.
ONE_BY_ONE_JOIN_WORDS = 1
#: A run that starts with 0 (no card number does; a phone number with its trunk prefix does)
#: and has MIN_PHONE_DIGITS to MAX_PHONE_DIGITS digits, with no card word near and no card
#: asked for, is a phone number wherever it stands (UK 11 digits, a digit lost or added), and
#: what follows it is judged on its own ("call me on 07845 713776, so ..."); after a harmless
#: lead-in ("call me on") up to MAX_ZERO_LED_DIGITS (Whisper wrote it with up to three digits
#: too many). Longer, it may be a 15-16 digit card whose first digit was misheard as 0;
#: shorter, an expiry date or a code.
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS, MAX_ZERO_LED_DIGITS = 10, 12, 14
#: How a card's numerals are written (16 digits 4-4-4-4, Amex's 15 4-6-5, 19 digits 4-4-4-4-3): so
#: grouped and Luhn-valid inside runs taken for a phone number, they are the card (``_grouped_cards``,
#: 1.98: "my phone is 1234 4111 1111 1111 1111" was all phone number, its repeated groups counted once).
#: An order number so grouped after a phone word passes 1 time in 10 and is masked: accepted.
CARD_GROUPINGS = ((4, 4, 4, 4), (4, 6, 5), (4, 4, 4, 4, 3))
#: How many ordinary words before a run count as its context.
CONTEXT_WORDS = 10
#: A code or an expiry date without context words counts when it follows a card this closely.
AFTER_CARD_S = 30.0
#: A run of this many digits right after a card is masked even when its length or month
#: does not fit an expiry date or a code (a word misheard or lost on the way).
MIN_AFTER_CARD_DIGITS, MAX_AFTER_CARD_DIGITS = 2, 6
#: Digits found after a short expiry date, within EXPIRY_REST_S of its end, are the rest of that
#: date, not the code, when both together hold at most EXPIRY_MONTH_YEAR_DIGITS (MMYY): "zero seven,
#: so that's two eight", "zero five, flush, two seven" (1.57: 7 more digits in 2 of about 1,000 tune
#: card calls, no more other speech; 3.0 s the same).
EXPIRY_REST_S = 1.5
EXPIRY_MONTH_YEAR_DIGITS = 4
#: Fewest digits that count as (part of) a card number when context words say so.
MIN_PARTIAL_CARD_DIGITS = 8
#: Digits read just before the agent's expiry ask or an expiry date, where no card was found,
#: are the card (``_cards_before_expiry``): the last of them ends within this long before it ...
CARD_BEFORE_EXPIRY_S = 8.0
#: ... or within this long before the agent's code ask ...
CARD_BEFORE_CODE_S = 25.0
#: ... and the first begins at most this long before the last ends (a card read slowly, in groups).
MAX_CARD_READ_S = 15.0
#: An expiry date heard as its year alone reaches back over the words said just before it,
#: at most this many, starting at most this long before the year: its month, misheard
#: ("no member, 28", "or just 20 33", "perfect, 28"; ``_with_month``).
MONTH_WORDS = 2
MONTH_REACH_S = 1.5
#: "may" or "march" alone at most this many words after the agent's expiry ask word, in its
#: sentence and ending it, in a recognizer's words, is the ask's "date" misheard ("I'm the next fire
#: in May.": 1.94; "and the expiry may 27" is the answer), no answer to it:
#: the caller's answer after it ("Okay, oh for two salmon.") stayed audible as the ask was taken
#: (tune 315-317 rescored: +4 digits, less other speech).
ASK_MONTH_WORDS = 2
#: Fewest digits that count as a card number without any context: a 16-digit card of which
#: a recognizer lost a few words is still a card (longer than any phone number but one
#: with a country code, which is no loss to mask). Unidentified words between the runs of
#: a chain count as lost digits, as long as MIN_PARTIAL_CARD_DIGITS were heard.
MIN_LONG_RUN_DIGITS = 12
#: Fewest digits of a chain joined across real words that is card data where taken apart its
#: runs are not (``_dense``): more than any phone number with its international prefix has.
DENSE_MIN_DIGITS = MAX_ZERO_LED_DIGITS + 1
#: ... or this many, read one digit a word and not starting with 0 (a phone number read
#: digit by digit starts with its trunk 0, or has 10 digits; amounts, dates and times are
#: said in numbers of two digits or more).
MIN_ONE_BY_ONE_RUN_DIGITS = 11

#: How close before a run a harmless word must be to lead it in.
HARMLESS_LEAD_WORDS = 6
#: Harmless words that lead in a phone number: after one, with no card word near and nothing
#: asked for, a chain of at most MAX_ZERO_LED_DIGITS is a phone number whether or not it starts
#: with 0 (Whisper drops the "oh" of "oh seven ...") unless a card that passes both checks
#: starts where a run does (1.19; tune seeds 89-90 rescored: speech masked in harmless calls
#: 1.65 -> 1.22 %; no change on seeds 91-92 and the strangers' 91-98). So does "my number"
#: (``card_words.own_number``, 1.99).
PHONE_WORDS = frozenset({"call", "phone", "telephone", "mobile", "landline", "reach"})
#: A card word at most this many words after "call" is "back on" misheard ("you can call me my
#: card. 0 7 0 0 5 6 ..."; not after "phone": "a payment over the phone ... from the card", 1.48).
CALL_WORD, PHONE_CARD_WORDS = "call", 3
#: ... with at least this many digits (a phone number a few digits short; a shorter run after
#: "call" may be an expiry date or a code after a card).
MIN_PHONE_LED_DIGITS = 7
#: ... and up to this many when it starts with 0 (no card does): a phone number Whisper wrote
#: long, a loop at its end ("0 7 3 4 9 4 8 7 6, 0, 4, 14, 1, 2, 1, 2, 1") or a part written twice
#: ("zero seven eight four 80784572 5, 8, 9, 7"), up to two phone numbers (1.88: the harmless
#: calls of eight tune word sets, 0.11-0.42 point less speech masked on five of them, one
#: call each, fsdd-jackson's; no card digit lost on any, noisy line included).
MAX_ZERO_PHONE_LED_DIGITS = 2 * MAX_PHONE_DIGITS
#: ... counting once what Whisper wrote twice: a copy of MIN_TWICE_DIGITS or more digits right after
#: the digits it copies, at most TWICE_GAP_DIGITS apart ("0 5 9 9 605 733 0 605733007", "9, 7, 8, 7,
#: 8, 6, 3, 3, 9, 9, 7, 8, 7, 8, 6, 3, 3": a phone number and its second writing were as long as a
#: card; 1.75: harmless calls of tune sets 193-196 and 201-208 0.63 -> 0.51 % and 0.47 -> 0.41 % of
#: speech masked, no digit lost on six card tune sets). Looked for only in chains short enough to be
#: a phone number written twice (the search is cubic in the digits).
MIN_TWICE_DIGITS, TWICE_GAP_DIGITS = 6, 1
#: Words right after a number that make it an amount, a time or a duration ("forty five
#: pounds", "eleven twenty pm", "45 minutes"): such a run is no expiry date or code unless
#: context words say so.
QUANTITY_WORDS = frozenset({"pounds", "pound", "quid", "pence", "p", "dollars", "dollar", "bucks", "cents", "cent",
                            "euros", "euro", "percent", "oclock", "pm", "am", "minutes", "minute", "mins", "hours",
                            "hour", "seconds", "days", "weeks", "months", "years", "miles", "items"})
#: Fewest digits of an answer to an ask (a recognizer drops "oh" and repeated digits).
MIN_ANSWER_DIGITS = 2
#: An answer to the ask with more digits than the data holds (``MOST_DIGITS``), up to this many,
#: is masked all the same (1.28): the caller read the expiry date and the code together ("expiring, 0 2 2 8, 9 6 7"), or
#: the recognizer wrote digits too many ("3 1 8, 1 3 3 1" for an expiry date); more is a card.
#: Not after a phone word ("the results of the code. You can call me back on 7 8 1 8 3 ...").
MAX_LONG_ANSWER_DIGITS = 12
#: ... a long answer to the code ask only up to a pause this long between two of its digit words
#: with two to four digits before it: the code, then the payment reference the agent read, its
#: lead-in unheard ("oh seven ... six two seven zero six seven two", fresh seeds 110-111).
CODE_PAUSE_S = 0.8
#: Real words between two runs of a card chain that are speech, not a misheard digit or two.
SPOKEN_BETWEEN_WORDS = 3
#: An entity's words are masked apart where at least SPOKEN_APART_WORDS real words part two
#: of its digit words and at least SPOKEN_APART_S seconds lie between those digits ("4 5 3 2,
#: that's fine, 1 2 2 7": the padding masks 0.55 s of a gap), none of the words a digit
#: misheard (DIGIT_SOUNDALIKES, a lone letter, a number word, an unidentified word).
SPOKEN_APART_WORDS = 2
SPOKEN_APART_S = 0.8
#: Words a recognizer writes for a digit it misheard ("for", "to", "won", "ate", "hide one").
DIGIT_SOUNDALIKES = frozenset({
    "o", "owe", "oh", "won", "wan", "want", "to", "too", "tu", "tue", "tree", "free", "three", "for", "fore", "four",
    "fall", "far", "fine", "fife", "hive", "hide", "five", "sex", "sick", "sicks", "seeks", "six", "heaven", "seven",
    "ate", "hate", "eight", "aid", "nein", "nine", "mine", "none", "nun", "zero", "hero", "ten", "tin", "teen",
    "time",  # "nine" (1.66)
    "fix",  # "six": "Okay, it is time to fix 1, 9, 4, ...", the card's first digits (1.97; tune 337 +3 digits)
    "high",  # "five", its f lost: "2 2 1 6 high mode high in 12 7" parted a card (1.94; tune 315-317 +2 digits)
})  # fmt: skip
#: Most words between two runs of a number read out that may all be digits misheard (1.39).
MISHEARD_JOIN_WORDS = 3
#: Month names that are also ordinary words ("you may", "march on"): alone, no expiry date.
WORD_MONTHS = frozenset({"may", "march"})
#: Most digits of a count in the agent's ask (a ``COUNT_WORDS`` word after it: "the last three digits").
MAX_COUNT_DIGITS = 1
#: Counts that ask for a security code ("the three digits", "the four numbers on the front").
CODE_COUNTS = frozenset({"3", "4"})
#: Counts that ask for a card number ("the sixteen digit number on the front"): a card's usual
#: lengths. Whisper tiny wrote "... the 16 -digit number on the phone to your" for "... on the front of
#: your card": no card word, and "phone" led the card read next in as a phone number (1.62).
CARD_COUNTS = frozenset({"15", "16"})
#: A number said right after "the" and read as one of these, a code word at most COUNT_GAP_WORDS
#: words after it, is the count of the agent's code ask, its count word misheard ("and the 300 on
#: the signature strip", "the three -legged security code", "the 3 is the signature"; 1.45).
CODE_COUNT_READINGS = frozenset({"3", "4", "300", "400"})
COUNT_GAP_WORDS = 4
#: Of those, a hundred read right before "on" is such a count whatever follows: Whisper tiny wrote the
#: agent's "and the three digits on the signature strip" as "And the three hundred on the big nature
#: trip." and "I'm the 300 on the picnic", and the code taken from it left the caller's code audible (2.00).
HUNDRED_COUNT_READINGS, ON_WORD = frozenset({"300", "400"}), "on"
#: Whisper tiny's "free" for "three" before "digit(s)" is a code's count too ("free number" is not).
MISHEARD_THREE, DIGIT_COUNT_WORDS = "free", frozenset({"digit", "digits"})
#: "security" after "for" asks for no code: "can I take your date of birth for security?", "for
#: security purposes" (the alt wording's small talk, 1.80: its answer was masked as an unanswered code).
SECURITY_WORD, FOR_WORD = "security", "for"
#: "code" two words after "front of" or "front on" is the card word misheard: the long number is on
#: the card's front, the code on its back ("... read me the long number across the front of the
#: code.": a code ask, and the card's first digits, misheard, stayed audible; 1.70). "the code on the
#: front" (an Amex code) stays a code.
FRONT_WORD, FRONT_OF_WORDS = "front", frozenset({"of", "on"})
#: "front" with a number word in the FRONT_NUMBER_WORDS before it, and no code word, asks for the
#: card ("the long number across the front", "the 16-digit number on the front" written "what is
#: perfect in the kitchen number and the front": no card word heard; 1.79).
FRONT_NUMBER_WORDS = 4
#: ... unless it is the front of something else ("the number on the front of the parcel": the word
#: after "of the", at most FRONT_OBJECT_WORDS on, is no card word).
FRONT_OBJECT_WORDS = 4
FRONT_ARTICLES = frozenset({"the", "a", "your", "my", "this", "that"})
#: What Whisper wrote for the card after "the front of" in the tune calls ("the long number across the
#: front of the phone.", "... of your car?", "... of the code.").
FRONT_OF_CARD_WORDS = CARD_WORDS | MISHEARD_CARD_WORDS | frozenset({"code", "phone"})
#: Whisper tiny's "on the Mac", "on the map", "on the mat" for the agent's "on the back" ("the three
#: digits on the back"): a code word as "the back" is (1.51).
MISHEARD_BACK_WORDS = frozenset({"mac", "map", "mat"})
#: A bare "back on" ("call me back on", ``card_words.bare_back``: not "the back") right before a
#: run leads it in as a phone number whatever Whisper wrote for "call" ("you can throw me back
#: on", "come back on", "follow me back on"): a harmless lead with a phone word near (1.72: harmless
#: calls of tune sets 177-180, 181-184 and 193-196 0.54 -> 0.33, 0.65 -> 0.57 and 0.88 -> 0.63 % of
#: speech masked; no digit lost on six fresh tune sets). Only right before it: "I'm back on the
#: line now" said before a card read leads in nothing.
BACK_ON = ("back", "on")
#: ... and so does "me back" right before it ("call me back on", its "call" and "on" unheard: "What is one
#: moment? me back 1 4 7 4, 7 5 4, ...", 12 digits masked as a card in a harmless call, gen tune set 375; 2.01).
ME_BACK = ("me", "back")
#: Most digits of an amount, a time or a duration said before a quantity word.
MAX_QUANTITY_DIGITS = 4
#: Fewest digits of a numeral that the digit words inside its time span may say again.
MIN_REPEATED_NUMERAL_DIGITS = 3
#: A numeral of this many digits or more, timed too short to have been said there, that
#: repeats most (REPEAT_SHARE) of the digits said in the REPEAT_WINDOW_S before it is Whisper
#: writing them again (``_read_again``).
REPEAT_MIN_DIGITS = 5
REPEAT_WINDOW_S = 15.0
REPEAT_SHARE = 0.8
MAX_REPEAT_DIGITS = 2 * MAX_CARD_DIGITS
#: Least time one digit takes to say. A numeral of REACH_MIN_DIGITS or more (longer than the
#: groups a card is read in) timed shorter than its digits take was begun before its
#: timestamp: Whisper times a long numeral token at the end of the digits it wrote
#: (a 16-digit token timed 0.6 s, and the word before it no earlier, for digits read over
#: 10 s), so an entity reaches back READ_SECONDS_PER_DIGIT a digit from such a word's end:
#: about as fast as people read a card out, group pauses included (fsdd jackson 0.65 s).
#: (0.3 s lost 5-8 digits more on the tune calls, 0.6 s masked +0.05 to +0.26 points more
#: other speech; from 2 digits on, groups of four timed short reached back over the words
#: between them: +0.04 to +0.1 points of other speech for a digit or two.)
MIN_SECONDS_PER_DIGIT = 0.3
#: Whisper writes an expiry date or a code read in one breath as one numeral ("754.") and times it
#: late: the caller's lead-in, timed right up to it ("That's", "It's", "Right,"), lies over its
#: first digit, which stayed audible. Such an entity starts at that word (``_with_lead_in``, 1.58:
#: 16 more digits on twelve tune word sets, 0.03 point more other speech; a lead-in word up to
#: 1 s long or up to 0.2 s before the numeral, the same digits; one-digit words too, 7 more for
#: 0.2 point: Whisper times words it wrote one by one well enough). A DIGIT_SOUNDALIKES word said
#: as close against a card number's first or last digit is a digit Whisper misheard there
#: (``_with_misheard_edges``, 1.60: 8 more digits on the twelve tune word sets, 0.003 point more
#: other speech; the word before only or after only: half as many; expiry dates and codes too: 2
#: more for 0.006 point and 0.003 in harmless calls). Since 1.66 up to MISHEARD_JOIN_WORDS of them
#: on a side, each right against the next: "the number is time time for time 1, time 2, 3, ..."
#: for "nine nine four nine one nine two three" (fresh tune set 181-184: one call, 5 more
#: digits and no leaky card there; "time" in DIGIT_SOUNDALIKES alone: 3; set 177-180 the same).
LEAD_IN_NUMERAL_DIGITS = 2
LEAD_IN_GAP_S = 0.05
#: A card's first digits Whisper wrote as words with others among them ("Sure, it's time for one
#: payment, number 013 639 7 ...": 1.94): of the MISHEARD_LEAD_WORDS words said right before the card,
#: one sentence with no pause of answers.TURN_GAP_S, at least MISHEARD_LEAD_DIGITS that may be digits
#: (DIGIT_SOUNDALIKES or number words) start it from the first of them.
MISHEARD_LEAD_WORDS, MISHEARD_LEAD_DIGITS = 5, 3
READ_SECONDS_PER_DIGIT = 0.5
REACH_MIN_DIGITS = 5


#: Seconds subtracted land a hair off (2.4 - 1.6 = 0.7999999999999998).
_EPS_S = 1e-9


@dataclass
class _Run:
    digits: list[tuple[str, int]] = field(repr=False)  # (digit, word index); card data: never in a repr
    start_s: float
    end_s: float
    between: frozenset[str]  # ordinary words (lower case) since the previous run
    others_before: int  # how many
    context: frozenset[str]  # the last CONTEXT_WORDS ordinary words before the run
    real_before: int = 0  # ordinary words since the previous run that are not UNKNOWN_WORD
    asked: str | None = None  # the latest ask (card, expiry, code) whose window holds the run
    lead: str | None = None  # the latest lead word's kind (card, expiry, code, harmless) in its context
    quantity: bool = False  # an amount, a time or a duration: a quantity word follows it
    month_only: bool = True  # said by WORD_MONTHS alone ("may"), no digit
    month_said: bool = False  # a month's name among its words ("October 19th, 2017")
    harmless_near: bool = False  # a harmless word among its last HARMLESS_LEAD_WORDS words
    phone_near: bool = False  # a PHONE_WORDS word among them ("call me back on")
    named: str | None = None  # "code" or "expiry": said right after "the code is", "the expiry is" (``_named``)
    slashed: bool = False  # "slash" said amid its digits ("zero seven slash two six")
    after_the: bool = False  # the word said right before it is "the" ("and the three ...")
    whole_numerals: bool = False  # a transcription provider's words: a numeral says its number whole

    @property
    def text(self) -> str:
        return "".join(d for d, _ in self.digits)


def find_entities(words: Sequence[TimedWord], *, unanswered: bool = False,
                  keyed_s: Sequence[tuple[float, float]] = (), whole_numerals: bool = False) -> list[Entity]:
    """Card numbers, expiry dates and security codes in ``words`` (any order), by time;
    ``unanswered``: also the caller's answer to an ask that nothing found answers
    (``answers.unanswered``: for a speech recognizer's words in pass 1, not for a provider's
    transcript, keyed digits, or what verification hears around masks), and the words at the
    data's edges that such a recognizer misheard or mistimed (``_with_misheard_edges``,
    ``_with_lead_in``: a provider's "It 4111111111111111 to ..." keeps its "to"); an ask
    answered by key presses (``keyed_s``: (start_s, end_s) of keyed sequences) is answered;
    ``whole_numerals``: the words are a transcription provider's, whose numerals say their numbers
    whole (``_one_numeral``)."""
    return _found(words, unanswered, keyed_s, whole_numerals)[0]


def find_in_pass1(words: Sequence[TimedWord], *,
                  keyed_s: Sequence[tuple[float, float]] = ()) -> tuple[list[Entity], list[tuple[str, float, float]]]:
    """``find_entities`` on a speech recognizer's words in pass 1 (``unanswered``), and (entity,
    start_s, end_s) of where the caller answers each expiry and code ask it took, in words or
    implied (``answers.answer_windows``: for ``sound_chains.data_chains_s``)."""
    return _found(words, True, keyed_s, False)


def _found(words: Sequence[TimedWord], unanswered: bool, keyed_s: Sequence[tuple[float, float]],
           whole_numerals: bool) -> tuple[list[Entity], list[tuple[str, float, float]]]:
    """``find_entities`` and, with ``unanswered``, the answer windows (``find_in_pass1``)."""
    order = sorted(range(len(words)), key=lambda i: (words[i].start_s, i))
    again = _second_hearings([words[i] for i in order], written_once=whole_numerals)
    order = [i for k, i in enumerate(order) if k not in again]
    ordered = [words[i] for i in order]
    asks: list[Ask] = []
    runs = _runs(pieces(ordered), ordered, asks, keyed_s, whole_numerals)
    times = {i: (_said_from(w), w.end_s) for i, w in enumerate(ordered)}
    found: list[Entity] = []
    windows_s: list[tuple[str, float, float]] = []
    before = _Before()
    for chain in _chains(runs):
        entities = _classify_chain(chain, before, times)
        found += entities
        before = before.then(entities, chain)
    found += _cards_before_expiry(runs, asks, found, ordered, times)
    found += _repeats(runs, found, times)
    if unanswered:
        heard = answers.Heard(ordered, times, keyed_s)
        asks = sorted(asks + answers.reasked_data(asks, ordered, found), key=lambda a: a.word)
        found += answers.unanswered(asks, heard, found, parted=lambda e: _spoken_apart(e, ordered, times))
        taken = list(asks)
        for kind, after in (("expiry", "card"), ("code", "expiry")):
            implied = answers.implied_asks(kind, after, asks, ordered, found)
            found += answers.unanswered(implied, heard, found, answers.IMPLIED_ANSWER_S, others=asks)
            taken += implied
        windows_s = answers.answer_windows(taken, ordered, keyed_s)
        found += answers.unread_cards(asks, heard, found)
        found += answers.cards_before_data(heard, found)
        found += answers.named_codes(heard, found)
        found += answers.expiries_before_code(asks, heard, found)
        found += answers.expiries_before_ack(asks, heard, found)
        found += answers.codes_before_ack(heard, found)
        found += answers.short_cards(heard, found, parted=lambda e: _spoken_apart(e, ordered, times))
        found += years.misheard_years(heard, found)
        used = {w for e in found for w in e.words}
        found = [_with_lead_in(_with_misheard_edges(_with_month(e, ordered, times, used), ordered), ordered)
                 for e in found]
    found = [part for e in found for part in _spoken_apart(e, ordered, times)]
    return sorted(
        (Entity(e.entity, e.start_s, e.end_s, e.confidence, tuple(sorted(order[w] for w in e.words)),
                None if e.asked is None else order[e.asked]) for e in found),
        key=lambda e: e.start_s,
    ), windows_s


#: "code" with one of these before it: what the agent asks for with it after asking for card data (1.84).
CODE_WORD = "code"
CODE_DETERMINERS = frozenset({"the", "your", "that"})
IS_WORD = "is"
#: "slash" amid a run's digits: a month and a year so said are an expiry date, whatever else says so (1.83).
SLASH_WORD = "slash"
#: A run that says again the digits of card data found in the REPEAT_S before it is that data too:
#: the caller asked to say the code again, the agent reading the expiry date back (1.83).
REPEAT_S = 30.0
MIN_REPEAT_DIGITS = 3


def _repeats(runs: list[_Run], found: list[Entity], times: Times) -> list[Entity]:
    """Entities for the runs no entity took that say exactly the digits (``MIN_REPEAT_DIGITS`` or
    more) of one found in the ``REPEAT_S`` before them: of its kind and confidence."""
    used = {w for e in found for w in e.words}
    at: dict[int, list[int]] = {}  # each word's digits: where they are in the runs' digits, in order
    digits = [d for run in runs for d in run.digits]  # (digit, word index), in order
    for k, (_, w) in enumerate(digits):
        at.setdefault(w, []).append(k)
    # each entity found by how many digits it says: the digits themselves are joined only for an
    # entity as long as a run to compare (a word of thousands of tokens holds the digits of every
    # entity in it: each joined took the square of its length, 286 MB for 2,000 entities in one word)
    by_count: dict[int, list[Entity]] = {}
    for e in found:
        by_count.setdefault(sum(len(at.get(w, ())) for w in set(e.words)), []).append(e)
    said: dict[int, str] = {}  # by id(entity): the digits it says

    def says(e: Entity) -> str:
        if id(e) not in said:
            said[id(e)] = "".join(digits[k][0] for k in sorted(k for w in set(e.words) for k in at.get(w, ())))
        return said[id(e)]
    out: list[Entity] = []
    for run in runs:
        if len(run.text) < MIN_REPEAT_DIGITS or any(w in used for _, w in run.digits):
            continue
        first = next((e for e in by_count.get(len(run.text), ())
                      if 0 <= run.start_s - e.end_s <= REPEAT_S and says(e) == run.text), None)
        if first is not None:
            out.append(_entity(first.entity, run.digits, first.confidence, times))
    return out


def _cards_before_expiry(runs: list[_Run], asks: list[Ask], found: list[Entity], words: Sequence[TimedWord],
                         times: Times) -> list[Entity]:
    """The digits read just before the agent asked for the expiry date, or before an expiry
    date, where no card was found: a card whose ask was misheard, its runs parted by words
    Whisper wrote for digits ("5, 4, 4, 6. the right tool on the right tool on 3, 6, 2, 7, 9, 7,
    we're all expiring 1 1 3 4"), or read from "oh" and dropped as a phone number ("oh eight
    five five two five two six zero 3, I'm 3, I'm 1. And what is the expiring aid on the
    card?"). Runs that end within CARD_BEFORE_EXPIRY_S of the ask's word or the date's start
    (CARD_BEFORE_CODE_S of the agent's code ask: the expiry date misheard too, 1.35), begin at most
    MAX_CARD_READ_S before the last of them ends, none of them used by what was found, an amount
    or led in by a harmless or phone word, holding MIN_PARTIAL_CARD_DIGITS or more digits in all,
    are one card entity (1.32). A question that names the card but asks for no number ("And what is
    next I remade from the card?": the expiry ask, its words misheard) is such an ask too (1.61)."""
    asked_on_card = {a for a in asks if a.kind == "card" and not answers.asks_number(a, words)
                     and answers.asks_on(words[a.word])}
    anchors = sorted({(words[a.word].start_s, CARD_BEFORE_EXPIRY_S) for a in asks
                      if a.kind == "expiry" or a in asked_on_card}
                     | {(e.start_s, CARD_BEFORE_EXPIRY_S) for e in found if e.entity == EXPIRY}
                     | {(words[a.word].start_s, CARD_BEFORE_CODE_S) for a in asks if a.kind == "code"})
    used = {w for e in found for w in e.words}
    card_ends = sorted(e.end_s for e in found if e.entity == CARD_NUMBER)
    starts = [run.start_s for run in runs]  # runs are in time order
    runs_of: dict[int, list[int]] = {}  # word -> the runs holding it
    for k, run in enumerate(runs):
        for _, w in run.digits:
            runs_of.setdefault(w, []).append(k)
    # the runs a card may take, each out once its words are a card's (not scanned by every ask again)
    takeable = RunEnds([run.end_s if not (run.harmless_near or run.phone_near or run.quantity
                                          or any(w in used for _, w in run.digits)) else math.inf for run in runs])
    out: list[Entity] = []
    for anchor_s, reach_s in anchors:
        from_s = anchor_s - reach_s - MAX_CARD_READ_S
        if bisect_right(card_ends, anchor_s) > bisect_left(card_ends, from_s):
            continue  # a card was found there
        lo = bisect_left(starts, from_s)
        last = takeable.last_at_most(lo, bisect_right(starts, anchor_s), anchor_s)
        if last is None or runs[last].end_s < anchor_s - reach_s:
            continue
        lo = max(lo, bisect_left(starts, runs[last].end_s - MAX_CARD_READ_S))  # (a run this long: not even it)
        near = [last] if last >= lo else []
        while near and (k := takeable.last_at_most(lo, near[-1], anchor_s)) is not None:
            near.append(k)
        digits = [d for k in reversed(near) for d in runs[k].digits]
        if len(digits) >= MIN_PARTIAL_CARD_DIGITS:
            card = _entity(CARD_NUMBER, digits, 0.4, times)
            out.append(card)
            insort(card_ends, card.end_s)
            for w in {w for _, w in digits} - used:
                used.add(w)
                for k in runs_of[w]:
                    takeable.close(k)
    return out


def _with_month(entity: Entity, words: Sequence[TimedWord], times: Times, used: set[int]) -> Entity:
    """An expiry date found by its year alone ("Okay, no member, 28."), with the words said
    right before it that may be its month misheard: up to MONTH_WORDS ordinary words, the first
    starting within MONTH_REACH_S of the year, back to a sentence's end, a word that asks or
    leads in, or a word some entity holds (``used``: "the number 28", its words masked as
    the answer's already; 1.34)."""
    if entity.entity != EXPIRY:
        return entity
    first = min(entity.words)
    said = "".join(digits_said(words[w].text) for w in sorted(entity.words))
    if not _year_only(said) or any(month_said(words[w].text) for w in entity.words):
        return entity
    month: list[int] = []
    for w in range(first - 1, max(-1, first - 1 - MONTH_WORDS), -1):
        text = words[w].text
        word = plain(text)
        before = plain(words[w - 1].text) if w else ""
        if (w in used or not word or digits_said(text) or ends_sentence(text)
                or ask_of(word) is not None or lead_of(word, before) is not None
                or times[w][0] < times[first][0] - MONTH_REACH_S):
            break
        month.append(w)
    if not month:
        return entity
    return Entity(EXPIRY, min(entity.start_s, times[month[-1]][0]), entity.end_s, entity.confidence,
                  tuple(sorted({*entity.words, *month})), entity.asked)


def _year_only(said: str) -> bool:
    """A card's year and nothing else: YY or 20YY, YY from 20 to 39."""
    year = said[2:] if len(said) == 4 and said.startswith("20") else said
    return len(year) == 2 and 20 <= int(year) <= 39


def _numeral(word: TimedWord) -> bool:
    """``word`` is written in figures ("4,"), not as a word ("four")."""
    return any(ch.isdigit() for ch in word.text)


def _timed_short(word: TimedWord, digits: int) -> bool:
    """``word``, saying ``digits`` digits, is timed shorter than they take at the fastest
    (``MIN_SECONDS_PER_DIGIT``): Whisper timed it at the end of the digits, or wrote them again."""
    return word.end_s - word.start_s < digits * MIN_SECONDS_PER_DIGIT


def _said_from(word: TimedWord) -> float:
    """When ``word`` began at the latest, given the digits it says (``READ_SECONDS_PER_DIGIT``)."""
    digits = len(digits_said(word.text))
    if digits < REACH_MIN_DIGITS or not _timed_short(word, digits):
        return word.start_s
    return max(0.0, min(word.start_s, word.end_s - digits * READ_SECONDS_PER_DIGIT))


def _with_lead_in(entity: Entity, words: Sequence[TimedWord]) -> Entity:
    """``entity`` from the start of the word said right before it, when it is an expiry date or a
    code found by its digits whose first word is one numeral of LEAD_IN_NUMERAL_DIGITS digits or
    more, and the word before it is no number and ends where the numeral starts (``LEAD_IN_GAP_S``);
    likewise one whose first word Whisper timed with no length (stacked at the next word's start:
    "It's[24.27-24.95] April[24.95-24.95] 29th.", the month said under "It's"; for cards too, tune
    322-323 masked a lead-in "It's" for no digit more)."""
    if entity.entity not in (EXPIRY, SECURITY_CODE) or entity.confidence <= answers.UNANSWERED_CONFIDENCE:
        return entity
    first = min(entity.words)
    if first == 0:
        return entity
    word, before = words[first], words[first - 1]
    stacked = word.end_s - word.start_s < _EPS_S
    numeral = _numeral(word) and len(digits_said(word.text)) >= LEAD_IN_NUMERAL_DIGITS
    if not (stacked or numeral) or digits_said(before.text) or word.start_s - before.end_s > LEAD_IN_GAP_S:
        return entity
    return replace(entity, start_s=min(entity.start_s, before.start_s))


def _with_misheard_edges(entity: Entity, words: Sequence[TimedWord]) -> Entity:
    """``entity`` with the DIGIT_SOUNDALIKES words said right against its first or its last word
    (``LEAD_IN_GAP_S``), each right against the next, up to MISHEARD_JOIN_WORDS on a side, when it
    is a card number found by its digits: digits Whisper misheard at the card's edge ("to 5 4 3 2
    ...", "... 0 3 6 for.", "time time for time 1, time 2, ...": 1.66)."""
    if entity.entity != CARD_NUMBER or entity.confidence <= answers.UNANSWERED_CONFIDENCE:
        return entity
    first, last = min(entity.words), max(entity.words)
    edges: set[int] = set()
    for own, step in ((first, -1), (last, 1)):  # from its edge word outwards, word by word
        k = own + step
        while (0 <= k < len(words) and abs(k - own) <= MISHEARD_JOIN_WORDS and plain(words[k].text) in DIGIT_SOUNDALIKES
               and words[max(k, k - step)].start_s - words[min(k, k - step)].end_s <= LEAD_IN_GAP_S):
            edges.add(k)
            k += step
    edges |= _misheard_lead(min(edges | {first}), words)  # from the first word: edges may lie after it too
    if not edges:
        return entity
    return replace(entity, start_s=min(entity.start_s, *(words[k].start_s for k in edges)),
                   end_s=max(entity.end_s, *(words[k].end_s for k in edges)), words=tuple(sorted({*entity.words, *edges})))


def _misheard_lead(first: int, words: Sequence[TimedWord]) -> set[int]:
    """The words from the first of those that may be digits (``_soundalike`` or a number word) among
    the ``MISHEARD_LEAD_WORDS`` said right before word ``first`` (one sentence, no pause of
    ``answers.TURN_GAP_S``, no numeral: digits Whisper wrote are runs of their own) when at least
    ``MISHEARD_LEAD_DIGITS`` of them may be; else none."""
    lead: list[int] = []
    k = first - 1
    while (k >= 0 and first - k <= MISHEARD_LEAD_WORDS and not ends_sentence(words[k].text) and not _numeral(words[k])
           and words[k + 1].start_s - words[k].end_s < answers.TURN_GAP_S):
        lead.append(k)
        k -= 1
    digits = [k for k in lead if _soundalike(plain(words[k].text)) or digits_said(words[k].text)]
    if len(digits) < MISHEARD_LEAD_DIGITS:
        return set()
    return set(range(min(digits), first))


def _spoken_apart(entity: Entity, words: Sequence[TimedWord], times: Times) -> list[Entity]:
    """``entity`` in parts, parted where words that cannot be a digit lie between two of its
    digit words (``words``: in time order, the entity's indices into them): "and the code
    is", "that's right" stay audible; a gap of fewer than SPOKEN_APART_WORDS real words,
    shorter than SPOKEN_APART_S, or holding a word that may be a misheard digit stays masked."""
    indices = sorted(entity.words)
    parts = [[indices[0]]]
    for a, b in zip(indices, indices[1:]):
        if _spoken_gap(words[a + 1 : b]) and times[b][0] - times[a][1] >= SPOKEN_APART_S - _EPS_S:
            parts.append([])
        parts[-1].append(b)
    if len(parts) == 1:
        return [entity]
    return [Entity(entity.entity, min(times[w][0] for w in part), max(times[w][1] for w in part), entity.confidence,
                   tuple(part), entity.asked) for part in parts]


def _spoken_gap(between: Sequence[TimedWord]) -> bool:
    """At least SPOKEN_APART_WORDS real words and nothing that may be a misheard digit, nor
    words Whisper's alignment stacked at one instant (two running words with no length, both
    starting when the first did: "the right tool on the right tool on" between a card's digits,
    its second "the right tool on" at 22.98 s, a decoding loop over digits; 1.33)."""
    if any(b.start_s == a.start_s and b.end_s - b.start_s < _EPS_S for a, b in zip(between, between[1:])):
        return False
    real = 0
    for word in between:
        if word.text == UNKNOWN_WORD:
            return False
        atoms = atoms_of(word.text, 0)
        if any(a.kind not in ("other", "filler") for a in atoms):
            return False
        if _soundalike(plain(word.text)) or any(_soundalike(plain(part)) for part in word.text.split()):
            return False
        if any(a.kind == "other" for a in atoms):
            real += 1
    return real >= SPOKEN_APART_WORDS


def _soundalike(word: str) -> bool:
    """A word that may be a digit misheard: a DIGIT_SOUNDALIKES word or a lone letter ("X")."""
    return word in DIGIT_SOUNDALIKES or len(word) == 1


def _second_hearings(words: Sequence[TimedWord], written_once: bool = False) -> set[int]:
    """Indices (into ``words``, in time order) of number words that repeat what another
    number word already said at the same time: Whisper hears overlapping pieces of a call,
    and the same digits may come back twice, interleaved ("zero 0, seven 7, ...") or as
    digit words inside the span of a numeral that says them all. Kept: the numeral, and the
    first of two same digits whose times overlap by more than half the shorter one, when the
    second starts before the first's middle, is timed too short to say, or is written the other
    way (a word and a numeral); else both: a double digit whose words Whisper timed each over
    the next ("one, 20.8-21.66, one, 21.36-21.9": 1.34). ``written_once``: a transcription
    provider's words, which write a number once where it was said: a numeral timed short is no
    second writing of the digits before it (``_read_again``; 1.94)."""
    said = {i: d for i, w in enumerate(words) if (d := digits_said(w.text))}
    again = _inside_numerals(words, said)
    kept: list[int] = []
    for i in sorted(said):
        if i in again or len(said[i]) != 1:
            continue
        w = words[i]
        for k in kept[-3:]:
            o = words[k]
            overlap = min(w.end_s, o.end_s) - max(w.start_s, o.start_s)
            if (said[k] == said[i] and overlap > 0.5 * min(w.end_s - w.start_s, o.end_s - o.start_s)
                    and (w.start_s < (o.start_s + o.end_s) / 2 or _timed_short(w, 1) or _numeral(w) != _numeral(o))):
                again.add(i)
                break
        else:
            kept.append(i)
    return again if written_once else again | _read_again(words, said, again)


def _inside_numerals(words: Sequence[TimedWord], said: dict[int, str]) -> set[int]:
    """Indices of one-digit words whose middle lies inside (edges included) a numeral of
    MIN_REPEATED_NUMERAL_DIGITS or more digits that has two or more of them inside: the digits
    of its span said again. In O(n log n) whatever a transcript holds (a numeral against every
    digit word took a 400 KB transcript minutes): each numeral counts its digits by bisection,
    and the digits inside the union of the numerals that count two are marked in one sweep."""
    singles = sorted(((words[j].start_s + words[j].end_s) / 2, j) for j in said if len(said[j]) == 1)
    middles = [m for m, _ in singles]
    spans = []
    for i, digits in said.items():
        if len(digits) >= MIN_REPEATED_NUMERAL_DIGITS:
            w = words[i]
            if bisect_right(middles, w.end_s) - bisect_left(middles, w.start_s) >= 2:
                spans.append((w.start_s, w.end_s))
    out: set[int] = set()
    spans.sort()
    k = 0
    for start_s, end_s in spans:  # in order of start: each digit word is looked at once
        k = max(k, bisect_left(middles, start_s))
        while k < len(singles) and singles[k][0] <= end_s:
            out.add(singles[k][1])
            k += 1
    return out


def _read_again(words: Sequence[TimedWord], said: dict[int, str], again: set[int]) -> set[int]:
    """Indices of numerals that say again the digits said just before them: Whisper writes a
    number read out digit by digit, then the same digits again as one or two numerals timed
    too short to have been said there ("0 7 2 4 3 6 5 3 8 0 00724365807", the last 11 digits in
    0.9 s). A numeral of REPEAT_MIN_DIGITS or more timed shorter than its digits take at the
    fastest (``MIN_SECONDS_PER_DIGIT``), with the numerals of that kind said right after it, repeats what was
    said when REPEAT_SHARE of its digits come, in order, among the last digits said before it
    (two more than it has) within REPEAT_WINDOW_S (1.33)."""
    order = sorted(said)
    position = {i: k for k, i in enumerate(order)}
    fast = [i for i in order if i not in again and len(said[i]) >= REPEAT_MIN_DIGITS
            and _timed_short(words[i], len(said[i]))]
    out: set[int] = set()
    k = 0
    while k < len(fast):
        group = [fast[k]]  # with the fast numerals said right after it
        while k + 1 < len(fast) and position[fast[k + 1]] == position[group[-1]] + 1:
            k += 1
            group.append(fast[k])
        k += 1
        repeat = "".join(said[i] for i in group)
        if len(repeat) > MAX_REPEAT_DIGITS:
            continue  # no number said twice: bounded work whatever a transcript holds
        from_s = words[group[0]].start_s - REPEAT_WINDOW_S
        before = ""
        for p in range(position[group[0]] - 1, -1, -1):
            j = order[p]
            if len(before) >= len(repeat) + 2 or words[j].start_s < from_s:
                break
            if j not in again:
                before = said[j] + before
        before = before[-(len(repeat) + 2):]
        matched = sum(b.size for b in SequenceMatcher(None, repeat, before, autojunk=False).get_matching_blocks())
        if matched >= REPEAT_SHARE * len(repeat):
            out.update(group)
    return out


def _lead(recent: list[str]) -> str | None:
    """The kind of the latest lead word in ``recent`` (ordinary words, oldest first): a
    harmless word leads only from the last HARMLESS_LEAD_WORDS words ("your payment reference
    is"), and "code" after it (the agent's "security code", misheard) leads to nothing unless it is a
    code of another kind (``lead_of``: "the billing zip code")."""
    for j in range(len(recent) - 1, -1, -1):
        kind = lead_of(recent[j], recent[j - 1] if j else "")
        if recent[j] == "code" and kind is None:
            return None
        if kind == "harmless" and len(recent) - j > HARMLESS_LEAD_WORDS:
            continue
        if kind is not None:
            return kind
    return None


def _runs(items: list[Piece], words: Sequence[TimedWord], asks: list[Ask],
          keyed_s: Sequence[tuple[float, float]] = (), whole_numerals: bool = False) -> list[_Run]:
    """The runs of digits in ``items``; ``asks`` gets each ask the agent made (card, expiry, code).
    An ask the caller answered by key presses (a keyed sequence of ``keyed_s`` in its window after
    it) is answered: no run answers it (1.43). What it asks of a word's text is worked out once
    a word (``plain_at``, ``month_at``, ``spelled_at``), for this call only: a provider's word may
    hold thousands of tokens, each an item ("card 4111 1111 ... thanks" in one AWS item's content),
    and working it out again for each item took the square of the word's length (2,000 tokens in
    one word: 5.6 s)."""
    plain_at = cache(lambda k: plain(words[k].text))
    month_at = cache(lambda k: month_said(words[k].text))
    spelled_at = cache(lambda k: _spelled(words[k].text))
    runs: list[_Run] = []
    others: list[str] = []  # ordinary words since the last run, oldest first
    last_ask: tuple[str, float, int] | None = None  # (kind, when, which word) of the latest ask word
    asked_last: tuple[str, float, int] | None = None  # the same, kept when a run answers it (re-asks, 1.84)
    current: _Run | None = None
    before_run: tuple[list[str], tuple[str, float, int] | None] = ([], None)  # others and last_ask before current
    for item in items:
        if not item.digits:
            if item.filler:
                if current is not None and not others and plain_at(item.words[0]) == SLASH_WORD:
                    current.slashed = True
                continue
            text = words[item.words[0]].text
            word = text if text == UNKNOWN_WORD else plain_at(item.words[0])
            if spelled_at(item.words[0]):
                word = UNKNOWN_WORD  # "5, 4, 3. M -M -A -M. 5 -2 -3": items of a sequence misheard (1.84)
            if expiry_word(word) and word not in EXPIRY_WORDS:
                word = "expiry"  # "expirated", "expiries": the context, lead and naming sets read it as the ask does
            # "... on the front of the car?"; "the car," ending a clause too ("on the front of the car, whenever
            # you're married?": 2.01), not "my car,"
            if car_said_for_card(word, text, others[-1] if others else ""):
                word = "card"
            if word in MISHEARD_BACK_WORDS and others[-2:] == ["on", "the"]:
                word = "back"
            if (current is not None and not others and word in QUANTITY_WORDS and len(current.digits) <= MAX_QUANTITY_DIGITS
                    and not current.named):
                current.quantity = True
            if (current is not None and not others and word in COUNT_WORDS
                    and (len(current.digits) <= MAX_COUNT_DIGITS or current.text in CARD_COUNTS)):
                # "the last three digits on the back", "the 16 -digit number": the agent's ask, no answer to it
                runs.pop()
                others, last_ask = before_run
                count = current.text
            elif (current is not None and not others and word == ON_WORD and current.after_the
                  and current.text in HUNDRED_COUNT_READINGS):
                # "And the three hundred on the big nature trip.": the agent's "the three digits on the
                # signature strip", its count word and its code word misheard; no answer to an ask (2.00)
                runs.pop()
                others, last_ask = before_run
                count = current.text[0]
            elif word in DIGIT_COUNT_WORDS and others and others[-1] == MISHEARD_THREE:
                count = "3"  # "the three digits on the back" written "the free digits ... on the Mac" (1.25)
            else:
                count = ""
            if count in CODE_COUNTS:
                # "the last three digits on the mat": a code's count asks for it whatever the rest,
                # for its answer masked whole when nothing answers it (1.23)
                asks.append(Ask("code", item.words[0]))
                asked_last = ("code", item.end_s, item.words[0])
            current = None
            card_number = word in NUMBER_WORDS and bool(others) and others[-1] in MISHEARD_CARD_WORDS
            if card_number:
                others[-1] = "card"
            if word == "code" and len(others) >= 3 and others[-3] == FRONT_WORD and others[-2] in FRONT_OF_WORDS:
                word, card_number = "card", True  # "the long number across the front of the code." (1.70)
            others.append(word)
            if (word == FRONT_WORD and set(others[-1 - FRONT_NUMBER_WORDS : -1]) & NUMBER_WORDS
                    and not any(ask_of(w) == "code" for w in others[-1 - FRONT_NUMBER_WORDS : -1])
                    and not _front_of_other(item.words[0], words)):
                card_number = True
            kind = "card" if card_number or count in CARD_COUNTS else (
                None if bare_back(word, others[-2] if len(others) > 1 else "") else ask_of(word))
            # what the agent asked for last, within REASK_S (1.84)
            recent = asked_last[0] if asked_last is not None and item.end_s - asked_last[1] <= REASK_S else None
            if kind is None and word in REASK_WORDS and recent is not None:
                kind = recent  # "sorry, could you say the code again?" (1.84)
            if (kind is None and word == CODE_WORD and recent in ("card", "expiry")
                    and others[-2:-1] and others[-2] in CODE_DETERMINERS and _next_word(item, words) != IS_WORD):
                # "and the code?" after the agent asked for the card or its expiry date: the security
                # code ("the zip code", "the organisation code" name others, as may "code" after the code;
                # "the code is ..." is the caller naming it, 1.51) (1.84)
                kind = "code"
            if kind == "code" and word == SECURITY_WORD and others[-2:-1] == [FOR_WORD]:
                # "can I take your date of birth for security?": the account's security check, no code ask
                kind = None
            if kind == "card" and CALL_WORD in others[-1 - PHONE_CARD_WORDS : -1]:
                # "you can call me my card. 0 7 0 0 ...": Whisper's "call me back on", no card word (1.48)
                kind, others[-1] = None, "on"
            if (kind == "code" and runs and runs[-1].after_the and len(others) <= COUNT_GAP_WORDS
                    and runs[-1].text in CODE_COUNT_READINGS):
                # "and the 300 on the signature strip": the ask's count, no answer to an ask before it
                runs.pop()
                last_ask = before_run[1]
            # "the expiry date on the card": the card word names where, not what is asked
            same_question = last_ask is not None and item.end_s - last_ask[1] <= SAME_QUESTION_S
            if kind is not None and not (kind == "card" and same_question and last_ask[0] != "card"):
                last_ask = asked_last = (kind, item.end_s, item.words[0])
                asks.append(Ask(kind, item.words[0]))
            continue
        month = len(item.words) == 1 and plain_at(item.words[0]) in WORD_MONTHS
        if current is not None and item.start_s - current.end_s <= RUN_GAP_S:
            current.digits += [(d, _word_of(item, k)) for k, d in enumerate(item.digits)]
            current.end_s = max(current.end_s, item.end_s)
            current.month_only = current.month_only and month
            current.month_said = current.month_said or any(month_at(k) for k in item.words)
            continue
        before_run = (others, last_ask)
        context = frozenset(_context_words(others[-CONTEXT_WORDS:]))
        asked = None
        if last_ask is not None and item.start_s - last_ask[1] <= ASK_WINDOW_S[last_ask[0]]:
            asked = last_ask[0]
        if (month and asked == "expiry" and not whole_numerals and ends_sentence(words[item.words[0]].text)
                and _in_ask(last_ask[2], item.words[0], words)):  # its ask's word, not a later ask's (1.96)
            others.append(plain_at(item.words[0]))  # the ask's own word: no run, the ask still waits
            current = None
            continue
        # "you can come back on 0 7 ...": Whisper's "call me back on", its "call" misheard (1.72)
        back_on = tuple(others[-2:]) == ME_BACK or (
            tuple(others[-2:]) == BACK_ON and bare_back(BACK_ON[0], others[-3] if len(others) > 2 else ""))
        lead = "harmless" if back_on else _lead(others[-CONTEXT_WORDS:])
        # "My humver is 1277, 1, 5, ...": the caller names a number of their own, nothing asked (2.01)
        own = lead is None and asked is None and own_named(others)
        lead = "harmless" if own else lead
        if asked is not None and keyed_between(keyed_s, last_ask[1], last_ask[1] + ASK_WINDOW_S[asked]):
            # "Now the expiry date, four digits, then hash." written "let's fire eight four oh oh oh
            # five three" before the caller keyed the date: the words are the prompt's, not an answer
            asked = last_ask = None
        if asked in ("expiry", "code") and lead == "harmless" and set(others[-HARMLESS_LEAD_WORDS:]) & REFERENCE_WORDS:
            # "the three numbers on the signature strip. okay so I'm your payment reference is 8 6
            # 5": the agent moved on and reads the reference; the ask stays unanswered (1.38)
            asked = last_ask = None
        if asked in ("expiry", "code"):
            last_ask = None  # answered: a run after it answers something else
        real = sum(1 for w in others if w != UNKNOWN_WORD)
        near = others[-HARMLESS_LEAD_WORDS:]
        harmless_near = back_on or own or any(lead_of(w, near[j - 1] if j else "") == "harmless"
                                              for j, w in enumerate(near))
        current = _Run([], item.start_s, item.end_s, frozenset(others), len(others), context, real, asked, lead,
                       month_only=month, month_said=any(month_at(k) for k in item.words), harmless_near=harmless_near,
                       phone_near=back_on or bool(set(near) & PHONE_WORDS) or any(
                           own_number(w, near[j - 1]) for j, w in enumerate(near) if j), named=named_kind(others),
                       after_the=bool(others) and others[-1] == "the", whole_numerals=whole_numerals)
        current.digits = [(d, _word_of(item, k)) for k, d in enumerate(item.digits)]
        # "forty five pounds twenty": the pence (or the minutes) of the amount before it
        current.quantity = bool(runs and runs[-1].quantity and others and set(others) <= QUANTITY_WORDS)
        runs.append(current)
        others = []
    return runs


def _in_ask(ask: int, k: int, words: Sequence[TimedWord]) -> bool:
    """True when word ``k`` lies in the sentence of ask word ``ask``, at most ``ASK_MONTH_WORDS`` after it."""
    return 0 < k - ask <= ASK_MONTH_WORDS and not any(ends_sentence(w.text) for w in words[ask:k])


def _next_word(item: Piece, words: Sequence[TimedWord]) -> str:
    """The ``plain`` word said right after ``item``'s last word ("" at the end)."""
    k = item.words[-1] + 1
    return plain(words[k].text) if k < len(words) else ""


def _spelled(text: str) -> bool:
    """True for a letter Whisper wrote as an item of a sequence read out: one letter with a hyphen
    before it ("-M", "-A"), or one capital letter other than "A" and "I" ("M.")."""
    core = text.strip().rstrip(",.?!")
    if core.startswith("-"):
        return len(core) == 2 and core[1].isalpha()
    return len(core) == 1 and core.isupper() and core not in ("A", "I")


def _front_of_other(k: int, words: Sequence[TimedWord]) -> bool:
    """True when "front" (word ``k``) is the front of something that is no card ("the number on the
    front of the parcel", "... of the house"): "of" or "on" after it (``FRONT_OF_WORDS``), then a word
    that is none of ``FRONT_OF_CARD_WORDS`` (articles and "your" passed over)."""
    after = [plain(w.text) for w in words[k + 1 : k + 1 + FRONT_OBJECT_WORDS]]
    if not after or after[0] not in FRONT_OF_WORDS:
        return False
    named = [w for w in after[1:] if w not in FRONT_ARTICLES]
    return bool(named) and named[0] not in FRONT_OF_CARD_WORDS


def _context_words(recent: list[str]) -> list[str]:
    """``recent`` (ordinary words, oldest first) as a run's context, less a ``bare_back`` ("call me
    back on ...", "narrow back": no code word, as for asks and lead words; 1.22)."""
    return [w for j, w in enumerate(recent) if not bare_back(w, recent[j - 1] if j else "")]


def _word_of(item: Piece, k: int) -> int:
    """The word that said digit ``k`` of a piece (multi-word pieces: spread evenly)."""
    if len(item.words) == 1:
        return item.words[0]
    return item.words[min(len(item.words) - 1, k * len(item.words) // max(len(item.digits), 1))]


def _chains(runs: list[_Run]) -> list[list[_Run]]:
    chains: list[list[_Run]] = []
    for run in runs:
        last = chains[-1][-1] if chains else None
        if (
            last is not None
            and run.start_s - last.end_s <= CHAIN_GAP_S
            and run.others_before <= CHAIN_OTHER_WORDS
            and not run.between & (EXPIRY_WORDS | CODE_WORDS)  # a new entity
            and not (run.between & (HARMLESS_WORDS | HARMLESS_PLURALS) and not _misheard_amid(run, last))
            and not (run.quantity or last.quantity)  # "... thanks, it came to forty five pounds"
            and run.named is None  # "and the code is 3 .5 minutes"
        ):
            chains[-1].append(run)
        else:
            chains.append([run])
    return chains


def _misheard_amid(run: _Run, last: _Run) -> bool:
    """A lone word between two runs read one after the other (at most MISHEARD_AMID_S apart):
    a digit misheard as a word ("two four seven house eight eight"), not a lead word."""
    return run.others_before == 1 and run.start_s - last.end_s <= MISHEARD_AMID_S


def _entity(kind: str, digits: list[tuple[str, int]], confidence: float, times: Times) -> Entity:
    indices = tuple(sorted({w for _, w in digits}))
    start_s = min(times[w][0] for w in indices)
    end_s = max(times[w][1] for w in indices)
    return Entity(kind, start_s, end_s, confidence, indices)


@dataclass(frozen=True)
class _Before:
    """What the card logic found before a run, as ``_short_run`` reads it: the latest end of a
    card number and of an expiry date (and how many digits that date had), and the latest start
    of each kind found. Folded in entity by entity (``then``), so a call's runs are judged in
    time linear in what was found."""

    card_end_s: float | None = None
    expiry_end_s: float | None = None
    expiry_digits: int = 0  # the latest expiry date's digits
    latest_start_s: tuple[tuple[str, float], ...] = ()  # (kind, latest start), a kind once

    def then(self, entities: Sequence[Entity], runs: Sequence[_Run]) -> _Before:
        """Also ``entities``, found in ``runs``."""
        card, expiry, latest = self.card_end_s, self.expiry_end_s, dict(self.latest_start_s)
        expiry_digits = self.expiry_digits
        for e in entities:
            if e.entity == CARD_NUMBER:
                card = e.end_s if card is None else max(card, e.end_s)
            elif e.entity == EXPIRY:
                if expiry is None or e.end_s >= expiry:
                    said = set(e.words)
                    expiry_digits = sum(1 for run in runs for _, w in run.digits if w in said)
                expiry = e.end_s if expiry is None else max(expiry, e.end_s)
            latest[e.entity] = max(latest.get(e.entity, e.start_s), e.start_s)
        return _Before(card, expiry, expiry_digits, tuple(latest.items()))

    def latest_s(self, kind: str) -> float | None:
        """Where the latest entity of ``kind`` found so far starts (None: none found)."""
        return dict(self.latest_start_s).get(kind)

    def found_after_card(self) -> set[str]:
        """The kinds found starting at or after the latest card's end."""
        if self.card_end_s is None:
            return set()
        return {kind for kind, start_s in self.latest_start_s if start_s >= self.card_end_s}


def _classify_chain(chain: list[_Run], earlier: _Before, times: Times) -> list[Entity]:
    phone = _phone_runs(chain)
    if phone:
        cards = _grouped_cards(chain[:phone], times)
        return cards + (_classify_chain(chain[phone:], earlier.then(cards, chain[:phone]), times)
                        if chain[phone:] else [])
    digits = [d for run in chain for d in run.digits]
    context = chain[0].context
    if chain[0].lead == "harmless" and chain[0].asked not in ("expiry", "code") and len(digits) < MIN_CARD_DIGITS:
        # "my order number is ...", "call me back on ...": shorter than any card. A run as
        # long as a card is card data whatever leads it in (unless it is a phone number,
        # above): a card read off a phone and heard with one digit wrong fails the Luhn check
        # (and 117 of its 144 one-digit misreads would have been spared by that check).
        # A later run that says what it is ("in the house for 28 and the code is five one
        # six": the code chained to a house number) is judged from there on (1.34).
        # words between two runs that say what the later run is, whatever led the first in
        named = next((k for k in range(1, len(chain)) if chain[k].between & NAMING_WORDS), None)
        return _classify_chain(chain[named:], earlier, times) if named else []
    if (len(digits) < MIN_CARD_DIGITS and any(run.month_said for run in chain) and earlier.card_end_s is None
            and chain[0].asked is None):
        # A date ("My date on birth in 2019, October 19th, 2017."), no card found before it and
        # nothing asked: shorter than a card, it is judged run by run (an expiry date when an
        # expiry word names it), never as a card with digits lost (1.73: harmless calls of tune sets
        # 181-184 and 201-208 0.57 -> 0.43 % and 0.57 -> 0.47 % of speech masked, no digit lost on
        # six fresh card tune sets; nothing to act on in 209-216, made after it)
        return _short_runs(chain, context, earlier, times)
    if len(digits) >= MIN_CARD_DIGITS:
        starts = _run_starts(chain)
        if (len(chain) > 1 and any(run.real_before for run in chain[1:]) and not _card_like(chain, digits, starts)
                and not _read_as_one(chain, digits)):
            # Runs joined across real words (a phone number, "or", another phone number)
            # are one card only when something says so; else apart, and what apart is not
            # found stays card data in a dense chain (1.37).
            apart = _apart(chain, earlier, times)
            return apart + _dense_rest(chain, apart, times) if _dense(chain, digits) else apart
        return _card_chain(chain, digits, starts, times, earlier)
    # Words a recognizer could not identify between the runs of a chain may be digits it
    # lost, and so may one real word alone between two runs (a digit it misheard: "4 pigs
    # 1"): they count towards a long run, never towards a checked card number.
    joins = [run.real_before for run in chain[1:]]
    misheard = sum(1 for run in chain[1:] if 0 < run.real_before <= MAX_JOIN_WORDS and not run.between & INTERJECTIONS)
    unheard = sum(run.others_before for run in chain[1:] if run.between <= {UNKNOWN_WORD}) + misheard
    long_run = len(digits) >= MIN_PARTIAL_CARD_DIGITS and _long_run(digits, unheard) and not _one_numeral(chain, digits)
    grouped = max(joins, default=0) <= MAX_JOIN_WORDS and long_run
    if chain[0].asked == "card" and len(digits) >= MIN_PARTIAL_CARD_DIGITS and not chain[0].harmless_near:
        # The answer to the agent's card ask, with words amid it that Whisper heard for
        # digits ("1 2 0 2. I made paid 2 7 3 1 6 8, 9 0"): card data; ``_spoken_apart``
        # decides which words between its digits stay audible
        return [_entity(CARD_NUMBER, digits, 0.5, times)]
    code = _long_code_answer(chain, digits, context, earlier, times)
    if code:
        return code
    if any(j > CHAIN_REAL_WORDS for j in joins) and not grouped:
        # Joined across more than an interjection ("and the CVV number"): apart.
        return _apart(chain, earlier, times)
    if long_run:
        return [_entity(CARD_NUMBER, digits, 0.4 if unheard else 0.5, times)]
    if len(digits) >= MIN_PARTIAL_CARD_DIGITS and context & CARD_WORDS and not chain[0].harmless_near:
        # (not "you can call me my card ...": "call me back on", misheard, and a phone number)
        return [_entity(CARD_NUMBER, digits, 0.5, times)]
    return _short_runs(chain, context, earlier, times)


def _long_code_answer(chain: list[_Run], digits: list[tuple[str, int]], context: frozenset[str], earlier: _Before,
                      times: Times) -> list[Entity]:
    """A chain of a partial card's length (MIN_PARTIAL_CARD_DIGITS) or more, shorter than a card,
    in the code ask's window after a card found, read run by run (``_short_runs``: the code up to
    its longest pause, ``_code_part``) when that reading takes a digit of every run; else nothing.
    The code, then the agent's payment reference read with its lead-in unheard, was masked whole
    as a card with digits lost (1.97: "six six zero ... seven six nine four six oh seven three
    three", 4.3 s of reference in one mask)."""
    if chain[0].asked != "code" or earlier.card_end_s is None or len(digits) < MIN_PARTIAL_CARD_DIGITS:
        return []
    found = _short_runs(chain, context, earlier, times)
    read = {w for e in found for w in e.words}
    return found if all(any(w in read for _, w in run.digits) for run in chain) else []


def _short_runs(chain: list[_Run], context: frozenset[str], earlier: _Before, times: Times) -> list[Entity]:
    """Each run of ``chain`` judged on its own (``_short_run``), what it finds told to the runs after it."""
    out: list[Entity] = []
    for run in chain:
        entity = _short_run(run, context | run.context, earlier, times)
        if entity is not None:
            out.append(entity)
            earlier = earlier.then([entity], [run])
    return out


def _dense(chain: list[_Run], digits: list[tuple[str, int]]) -> bool:
    """DENSE_MIN_DIGITS or more digits in runs at most CHAIN_OTHER_WORDS apart, none of them near
    a harmless or phone word or an amount: a card read in groups whose agent's asks Whisper did
    not hear, the words between groups its misheard digits and short replies (1.37: runs of 8, 2,
    4, 7 and 4 digits over 20 s, two to four words between each, no ask heard: nothing masked in a
    card call; on the tune calls it also masked 8 more digits of one card read by mb-de5-en
    after seven of its digits joined by two words)."""
    return len(digits) >= DENSE_MIN_DIGITS and not any(
        run.harmless_near or run.phone_near or run.quantity or run.lead == "harmless" or _phone_shaped(run)
        for run in chain)


def _phone_shaped(run: _Run) -> bool:
    """A run of MIN_PHONE_DIGITS to MAX_PHONE_DIGITS digits that starts with 0: a phone number
    ("0 7 3 9 2 0 8 3 0 7 5"); no group of a card, which never starts with 0 (1.67)."""
    return run.text.startswith("0") and MIN_PHONE_DIGITS <= len(run.text) <= MAX_PHONE_DIGITS


def _dense_rest(chain: list[_Run], found: list[Entity], times: Times) -> list[Entity]:
    """Card entities (``_by_spoken_parts``) over each stretch of consecutive runs of ``chain`` of
    which ``found`` took no digit: what was found keeps its kind (an answer to the code ask)."""
    used = {w for e in found for w in e.words}
    stretches = groupby(chain, key=lambda run: any(w in used for _, w in run.digits))
    return [e for taken, runs in stretches if not taken
            for e in _by_spoken_parts(list(runs), UNCHECKED_CARD_CONFIDENCE, times)]


def _one_numeral(chain: list[_Run], digits: list[tuple[str, int]]) -> bool:
    """Every digit of ``chain`` (fewer than a card's) said by one numeral of a transcription
    provider's: a number written whole as it was heard ("can I have your account number? ...
    It's 325125675914.", a real Deepgram call), no card with digits lost, which an AWS Transcribe
    or AssemblyAI user redacting card numbers expects to get back as it was (1.93). A recognizer's
    numeral may have lost digits (Whisper's "78267996" for a card's last eight and more); a
    provider's card read in groups, one missing, is several numerals: both stay long runs."""
    return chain[0].whole_numerals and len({w for _, w in digits}) == 1


def _long_run(digits: list[tuple[str, int]], unheard: int) -> bool:
    """As long as a card with a few digits lost (MIN_LONG_RUN_DIGITS with the unheard words
    counted), or MIN_ONE_BY_ONE_RUN_DIGITS read one digit a word and not led by 0."""
    if len(digits) + unheard >= MIN_LONG_RUN_DIGITS:
        return True
    one_by_one = len({w for _, w in digits}) == len(digits)
    return one_by_one and digits[0][0] != "0" and len(digits) + unheard >= MIN_ONE_BY_ONE_RUN_DIGITS


def _phone_runs(chain: list[_Run]) -> int:
    """How many runs at the start of ``chain`` are a phone number: after a phone word
    (PHONE_WORDS) with no card word near and nothing asked for, the whole chain of
    MIN_PHONE_LED_DIGITS to MAX_ZERO_LED_DIGITS (a number written twice counted once: ``_heard_twice``;
    MAX_ZERO_PHONE_LED_DIGITS when it starts with 0) that
    holds no checked card; zero-led, after a harmless lead-in, the
    whole chain when it has at most MAX_ZERO_LED_DIGITS ("call me on 07700 900123" heard with
    digits too many; 1.8: tune harmless calls, seeds 11-14 1.88 % -> 1.29 % of speech
    masked, 15-18 0.58 % -> 0.32 %); else, with no card word near and nothing asked for (1.32: an
    expiry date or code asked for is no phone number unless a phone word leads it in), its
    first run when it has MIN_PHONE_DIGITS to MAX_PHONE_DIGITS (anywhere; 1.10: seeds 19-30,
    which it was written from, 1.15 % -> 0.57 %, fresh seeds 31-42 0.75 % either way)."""
    first = chain[0]
    digits = [d for run in chain for d in run.digits]
    most = MAX_ZERO_PHONE_LED_DIGITS if digits[0][0] == "0" else MAX_ZERO_LED_DIGITS
    if (first.phone_near and first.lead == "harmless" and first.asked is None and not first.context & CARD_WORDS
            and MIN_PHONE_LED_DIGITS <= len(digits) - _heard_twice("".join(d for d, _ in digits)) <= most
            and not _checks(chain, digits, _run_starts(chain))):
        return len(chain)  # "call me back on 7 9 4 ...": the number's "oh" dropped (1.19)
    if first.digits[0][0] != "0":
        return 0
    if first.lead == "harmless" and first.asked not in ("expiry", "code") and len(digits) <= MAX_ZERO_LED_DIGITS:
        return len(chain)
    if first.asked == "card" or (first.context & CARD_WORDS and not first.harmless_near):
        return 0
    if first.asked in ("expiry", "code") and not first.phone_near:
        return 0  # "oh seven two nine, one one nine": the expiry date and the code read together (1.32)
    return 1 if _phone_shaped(first) else 0


def _grouped_cards(chain: list[_Run], times: Times) -> list[Entity]:
    """Cards written inside runs taken for a phone number: consecutive numerals grouped as a card
    is written (CARD_GROUPINGS), the first not starting with 0, whose digits pass the Luhn check;
    when one of them also has an issuer's prefix and length, only those. Or a card read on in any
    grouping (one digit a word) to the end of a run led by 0, right after MIN_PHONE_DIGITS to
    MAX_PHONE_DIGITS of its digits (a phone number's), with an issuer's prefix and length and the
    Luhn check passed (``_issued``; 1.99: "call me on 07700 900123 4 1 1 1 ..." was all phone
    number; looked for from any 7 to 12 digits in and ending anywhere, two phone numbers read one
    digit a word held such a window 1 time in 8: session 56's review). Overlapping ones are one card ("1234 5555 5555 5555 4444": its first four groups pass
    Luhn too, no issuer's); the numerals around them stay audible."""
    digits = [d for run in chain for d in run.digits]
    groups = [list(said) for _, said in groupby(digits, key=lambda d: d[1])]  # the digits of one word each
    sizes = tuple(len(group) for group in groups)
    windows: list[tuple[int, int, bool]] = []  # (first group, group after the last, issuer's)
    for k in range(len(groups)):
        for shape in CARD_GROUPINGS:
            card = "".join(d for group in groups[k : k + len(shape)] for d, _ in group)
            if sizes[k : k + len(shape)] == shape and card[0] != "0" and luhn_valid(card):
                windows.append((k, k + len(shape), issuer_of(card) is not None))
    windows += [(k, len(groups), True) for k in range(len(groups))
                if MIN_PHONE_DIGITS <= sum(sizes[:k]) <= MAX_PHONE_DIGITS and groups[0][0][0] == "0"
                and _issued("".join(d for g in groups[k:] for d, _ in g))]
    windows.sort()
    if any(issued for _, _, issued in windows):
        windows = [w for w in windows if w[2]]
    found: list[Entity] = []
    spans: list[list[int]] = []
    for start, end, _ in windows:  # by start
        if spans and start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    for start, end in spans:
        card = [d for group in groups[start:end] for d in group]
        text = "".join(d for d, _ in card)
        confidence = 0.99 if luhn_valid(text) and issuer_of(text) else CHECKED_CARD_CONFIDENCE
        found.append(_entity(CARD_NUMBER, card, confidence, times))
    return found


def _issued(card: str) -> bool:
    """A card number's length, an issuer's prefix and length, and the Luhn check passed."""
    return MIN_CARD_DIGITS <= len(card) <= MAX_CARD_DIGITS and luhn_valid(card) and issuer_of(card) is not None


def _heard_twice(text: str) -> int:
    """How many digits of ``text`` are a copy of the MIN_TWICE_DIGITS or more right before them
    (at most TWICE_GAP_DIGITS apart): Whisper writing a number it heard again (0 when none, and for
    ``text`` longer than a phone number written twice)."""
    if len(text) > 2 * MAX_ZERO_LED_DIGITS + TWICE_GAP_DIGITS:
        return 0
    for k in range(len(text) // 2, MIN_TWICE_DIGITS - 1, -1):  # the longest copy first
        for gap in range(TWICE_GAP_DIGITS + 1):
            if any(text[i : i + k] == text[i + k + gap : i + 2 * k + gap] for i in range(len(text) - 2 * k - gap + 1)):
                return k
    return 0


def _apart(chain: list[_Run], earlier: _Before, times: Times) -> list[Entity]:
    """A chain taken apart where more than MAX_JOIN_WORDS real words join two runs; a chain
    with no such join, run by run."""
    parts: list[list[_Run]] = [[chain[0]]]
    for run in chain[1:]:
        if run.real_before > MAX_JOIN_WORDS:
            parts.append([run])
        else:
            parts[-1].append(run)
    out: list[Entity] = []
    if len(parts) == 1:
        parts = []
        k = 0
        while k < len(chain):
            answer = _split_answer(chain, k)
            if answer:
                out.append(_entity(EXPIRY if _answering(chain[k]) == "expiry" else SECURITY_CODE,
                                   [d for run in answer for d in run.digits], 0.5, times))
                k += len(answer)
            else:
                parts.append([chain[k]])
                k += 1
    seen = earlier.then(out, chain)
    for part in parts:
        found = _classify_chain(part, seen, times)
        out += found
        seen = seen.then(found, part)
    return out


def _split_answer(chain: list[_Run], k: int) -> list[_Run]:
    """The runs from ``chain[k]`` on that answer the agent's ask for an expiry date or a code
    though a word was misheard inside it ("5, number, 2" for a code), or that the caller named
    so (1.40: "and the code is six from zero"): chain[k] answers the ask (or is named) with
    fewer than MIN_ANSWER_DIGITS, the runs after it are joined by at most MAX_JOIN_WORDS
    real words each, and no more digits than the answer has. Empty when there is none."""
    first = chain[k]
    kind = _answering(first)
    if kind is None or len(first.digits) >= MIN_ANSWER_DIGITS:
        return []
    limit = MOST_DIGITS[kind]
    answer, count = [first], len(first.digits)
    for run in chain[k + 1 :]:
        if run.real_before > MAX_JOIN_WORDS or count + len(run.digits) > limit:
            break
        answer.append(run)
        count += len(run.digits)
    return answer if count >= MIN_ANSWER_DIGITS else []


def _answering(run: _Run) -> str | None:
    """The expiry date or code that ``run`` answers the agent's ask for, or that the words
    before it name ("the code is"); None if neither."""
    if run.asked in ("expiry", "code"):
        return run.asked
    return run.named


def _read_as_one(chain: list[_Run], digits: list[tuple[str, int]]) -> bool:
    """No more digits than a card has, its runs joined by at most MAX_JOIN_WORDS real words
    each (ONE_BY_ONE_JOIN_WORDS more when every digit is a word of its own) or by words that
    may all be digits misheard (``_misheard_digits``, 1.39): one number read out (a recognizer
    wrote a digit it misheard as a word or two)."""
    one_by_one = len({w for _, w in digits}) == len(digits)
    limit = MAX_JOIN_WORDS + (ONE_BY_ONE_JOIN_WORDS if one_by_one else 0)
    return len(digits) <= MAX_CARD_DIGITS and all(run.real_before <= limit or _misheard_digits(run) for run in chain[1:])


def _misheard_digits(run: _Run) -> bool:
    """Between ``run`` and the run before it, up to MISHEARD_JOIN_WORDS words, each of which may
    be a digit misheard (``_soundalike``): "oh three seven a free aid, 9 0 1, 5 0 5, 8, 9 1 2
    eight." after the card ask misheard: taken apart there, the first digits were left audible."""
    return 0 < run.others_before <= MISHEARD_JOIN_WORDS and all(_soundalike(w) for w in run.between)


def _run_starts(chain: list[_Run]) -> list[int]:
    """Where each run of ``chain`` starts among the chain's digits."""
    starts, count = [], 0
    for run in chain:
        starts.append(count)
        count += len(run.digits)
    return starts


def _card_like(chain: list[_Run], digits: list[tuple[str, int]], starts: list[int]) -> bool:
    """Card words before or inside the chain, the agent's card ask, or a card number that
    passes both checks (Luhn and an issuer's prefix and length) starting where a run starts."""
    if (chain[0].context | {w for run in chain[1:] for w in run.between}) & CARD_WORDS or chain[0].asked == "card":
        return True
    return _checks(chain, digits, starts)


def _checks(chain: list[_Run], digits: list[tuple[str, int]], starts: list[int]) -> bool:
    """A card number that passes both checks starts where a run of the chain starts."""
    text = "".join(d for d, _ in digits)
    return any(
        luhn_valid(text[a : a + n]) and issuer_of(text[a : a + n]) is not None
        for a in starts for n in range(MIN_CARD_DIGITS, min(MAX_CARD_DIGITS, len(text) - a) + 1)
    )


def _card_chain(chain: list[_Run], digits: list[tuple[str, int]], starts: list[int], times: Times,
                earlier: _Before) -> list[Entity]:
    text = "".join(d for d, _ in digits)
    ends = set(starts[1:]) | {len(text)}
    best, best_score = (0, min(len(text), MAX_CARD_DIGITS)), -1.0
    # A card starts where a run starts (any offset would find a Luhn-valid window by chance)
    # and ends where a run ends, or inside a run only at the common lengths 15 and 16 (a
    # card read on into its expiry date).
    for start in starts:
        for length in range(MIN_CARD_DIGITS, min(MAX_CARD_DIGITS, len(text) - start) + 1):
            if start + length not in ends and length not in (15, 16):
                continue
            window = text[start : start + length]
            score = 2.0 * luhn_valid(window) + 1.0 * (issuer_of(window) is not None)
            score += 0.5 * (start + length in ends) + 0.1 * (length == 16) - 0.01 * start
            if score > best_score:
                best, best_score = (start, length), score
    start, length = best
    checked = luhn_valid(text[start : start + length])
    if not checked:  # no valid card inside: every digit is sensitive, not the words between
        return _unchecked_card(chain, earlier, times)
    confidence = 0.99 if issuer_of(text[start : start + length]) else CHECKED_CARD_CONFIDENCE
    out = [_entity(CARD_NUMBER, digits[start : start + length], confidence, times)]
    if start:
        out.append(_entity(CARD_NUMBER, digits[:start], 0.5, times))
    rest = digits[start + length :]
    if len(rest) >= 4 and _expiry_like("".join(d for d, _ in rest[:4])):
        out.append(_entity(EXPIRY, rest[:4], 0.8, times))
        rest = rest[4:]
    if 3 <= len(rest) <= 4:
        out.append(_entity(SECURITY_CODE, rest, 0.8, times))
    elif rest:
        out.append(_entity(CARD_NUMBER, rest, 0.5, times))
    return out


def _unchecked_card(chain: list[_Run], earlier: _Before, times: Times) -> list[Entity]:
    """A chain of a card's length or more in which no card passes the Luhn check: card data in
    parts (``_by_spoken_parts``), its digits' words and the few words between them masked. When
    its runs reach ``answers.SHORTEST_CARD_DIGITS`` before its last run, none after that is held to the one before
    it (``_held_on``) and each of those reads on its own as an expiry date or a code (``_short_runs``,
    told of the card before it, takes every digit), the card ends there and each later run is its
    own entity: an expiry date one, anything else a card's (3 or 4 digits may be the date misheard:
    named the code, the code ask's answer would be taken for answered), so the words between the
    card and them stay audible (1.97: the caller's "yes", the agent's words Whisper left unwritten).
    What reads otherwise (more digits, a harmless lead) keeps the chain whole."""
    count = 0
    cut = next((k + 1 for k, run in enumerate(chain) if (count := count + len(run.digits)) >= answers.SHORTEST_CARD_DIGITS),
               len(chain))
    if cut == len(chain) or any(_held_on(run) for run in chain[cut:]):
        return _by_spoken_parts(chain, UNCHECKED_CARD_CONFIDENCE, times)
    card = _by_spoken_parts(chain[:cut], UNCHECKED_CARD_CONFIDENCE, times)
    rest = _short_runs(chain[cut:], chain[0].context, earlier.then(card, chain[:cut]), times)
    read = {w for e in rest for w in e.words}
    if not all(w in read for run in chain[cut:] for _, w in run.digits):
        return _by_spoken_parts(chain, UNCHECKED_CARD_CONFIDENCE, times)
    return card + [e if e.entity == EXPIRY else replace(e, entity=CARD_NUMBER, confidence=UNCHECKED_CARD_CONFIDENCE)
                   for e in rest]


def _held_on(run: _Run) -> bool:
    """``run`` stays chained to the run before it: a word between them may be a digit misheard (a
    word the recognizer could not identify, a ``_soundalike``: "0 9 2 X Maccoding 2 0 4 3"), or
    ``run`` names a month unasked (a date, "delivered on March 19th", no expiry date read on)."""
    return (run.others_before > run.real_before or any(_soundalike(word) for word in run.between)
            or (run.month_said and run.asked != "expiry"))


def _by_spoken_parts(chain: list[_Run], confidence: float, times: Times) -> list[Entity]:
    """One card entity per part of the chain, parts parted where SPOKEN_BETWEEN_WORDS or more
    real words join two runs ("... 1 1. That's it, it's expiring. 0 1 2 6. And the code is
    5 2 5"): those words stay audible; one or two words between runs may be misheard digits
    ("0 9 2 X, Maccoding 2 0 4 3") and are masked."""
    parts: list[list[tuple[str, int]]] = [list(chain[0].digits)]
    for run in chain[1:]:
        if run.real_before >= SPOKEN_BETWEEN_WORDS:
            parts.append([])
        parts[-1] += run.digits
    return [_entity(CARD_NUMBER, part, confidence, times) for part in parts]


def _code_part(digits: list[tuple[str, int]], times: Times) -> list[tuple[str, int]]:
    """The digits of a long answer to the code ask up to its longest pause, when that pause is
    CODE_PAUSE_S or more and MIN_ANSWER_DIGITS to ``MOST_DIGITS["code"]`` digits come before it (the code,
    then the payment reference the agent read, its lead-in unheard); else all of them."""
    pauses = [(times[digits[k + 1][1]][0] - times[digits[k][1]][1], k + 1) for k in range(len(digits) - 1)
              if digits[k + 1][1] != digits[k][1]]
    pause_s, cut = max(pauses, default=(0.0, len(digits)))
    if pause_s < CODE_PAUSE_S or not MIN_ANSWER_DIGITS <= cut <= MOST_DIGITS["code"]:
        return digits
    return digits[:cut]


def _expiry_like(text: str) -> bool:
    """MMYY, MMYYYY (20YY) or MYY with a real month."""
    if len(text) == 4:
        return 1 <= int(text[:2]) <= 12
    if len(text) == 6:
        return 1 <= int(text[:2]) <= 12 and text[2:4] == "20"
    if len(text) == 3:
        return 1 <= int(text[0]) <= 9
    return False


def _rest_of_expiry(run: _Run, earlier: _Before) -> bool:
    """``run`` says the rest of a short expiry date found just before it (the year after the
    month, a word between: "zero seven, so that's two eight"), not the code (1.57)."""
    return (earlier.expiry_end_s is not None and run.start_s - earlier.expiry_end_s <= EXPIRY_REST_S
            and earlier.expiry_digits + len(run.text) <= EXPIRY_MONTH_YEAR_DIGITS)


def _short_run(run: _Run, context: frozenset[str], earlier: _Before, times: Times) -> Entity | None:
    text = run.text
    last_card, last_expiry = earlier.card_end_s, earlier.expiry_end_s
    # Once the card's expiry date and code are found, what follows unasked is something else
    # ("your payment reference is ...", its lead word misheard; 1.19, rescored: other speech in
    # card calls 4.62 -> 4.48 % and 12.02 -> 10.75 % on tune seeds 89-90 and strangers 91-94,
    # where it was written; 4.87 % either way on 91-92, 9.81 -> 9.35 % on 95-98, 9.75 -> 9.45 %
    # on the second strangers' 101-103; no digit lost).
    found_after = earlier.found_after_card()
    # ... a code found before the expiry date (Whisper's digits written over the agent's "and the expiry
    # date on the card", 1.79) is no code after it
    card_done = ({EXPIRY, SECURITY_CODE} <= found_after
                 and earlier.latest_s(SECURITY_CODE) >= earlier.latest_s(EXPIRY))
    after_card = not card_done and last_card is not None and run.start_s - last_card <= AFTER_CARD_S
    after_expiry = not card_done and last_expiry is not None and run.start_s - last_expiry <= AFTER_CARD_S
    # An expiry word before an expiry date already found is that date's, not this run's
    # ("the expiry is 12 27 and the code 731": 731 is the code). A weak one ("until", "through",
    # "valid") names an expiry date only in card talk: a card found before, an ask, a card word
    # near ("waiting twenty minutes until November 20" is a date; 1.21).
    card_talk = last_card is not None or run.asked is not None or bool(context & CARD_WORDS)
    expiry_said = (context & (EXPIRY_WORDS if card_talk else EXPIRY_WORDS - WEAK_EXPIRY_WORDS)
                   and not (after_expiry and not run.between & EXPIRY_WORDS))
    if expiry_said and _expiry_like(text):
        return _entity(EXPIRY, run.digits, 0.9, times)
    if run.month_said and (after_card or after_expiry) and len(text) in (4, 6) and _year_only(text[2:]):
        # A month and a card's year named after the card, its expiry word unheard, say an expiry
        # date, or say it again ("Let me just repeat on October 23rd": the date read back,
        # misheard): never a code, which would leave the code read next unmasked as nobody's
        # answer; a month's day ("March 19th", "April 3rd") is no card's year (1.87)
        return _entity(EXPIRY, run.digits, 0.7, times)
    if run.slashed and len(text) in (4, 6) and _expiry_like(text):
        return _entity(EXPIRY, run.digits, 0.8, times)  # "zero seven slash two six": how expiry dates are read (1.83)
    if run.lead == "harmless" and run.asked not in ("expiry", "code"):
        return None  # "your payment reference is ...", "call me back on extension ..."
    if context & CODE_WORDS and 3 <= len(text) <= 4:
        return _entity(SECURITY_CODE, run.digits, 0.9, times)
    if run.month_only and run.asked != "expiry":
        return None  # "good may goodbye": a month with no year and no ask is no expiry date
    if run.named == "code" and (after_card or after_expiry) and MIN_ANSWER_DIGITS <= len(text) <= MOST_DIGITS["code"]:
        return _entity(SECURITY_CODE, run.digits, 0.7, times)  # no quantity: "and the code is 3 .5 minutes"
    if run.quantity:
        return None  # "forty five pounds", "eleven twenty pm"
    # The answer to the agent's latest ask, a few seconds later, though a digit was lost.
    if run.asked == "expiry" and MIN_ANSWER_DIGITS <= len(text) <= MOST_DIGITS["expiry"]:
        return _entity(EXPIRY, run.digits, 0.8 if _expiry_like(text) else 0.5, times)
    if run.asked == "code" and MIN_ANSWER_DIGITS <= len(text) <= MOST_DIGITS["code"]:
        return _entity(SECURITY_CODE, run.digits, 0.8 if len(text) >= 3 else 0.5, times)
    if (run.asked in ("expiry", "code") and MOST_DIGITS[run.asked] < len(text) <= MAX_LONG_ANSWER_DIGITS
            and not run.phone_near):
        if run.asked == "expiry":
            return _entity(EXPIRY, run.digits, 0.5, times)
        return _entity(SECURITY_CODE, _code_part(run.digits, times), 0.5, times)
    if after_card and not after_expiry and len(text) in (4, 6) and _expiry_like(text):
        return _entity(EXPIRY, run.digits, 0.7, times)
    if (after_card or after_expiry) and 3 <= len(text) <= 4:
        return _entity(SECURITY_CODE, run.digits, 0.7, times)
    if (after_card or after_expiry) and MIN_AFTER_CARD_DIGITS <= len(text) <= MAX_AFTER_CARD_DIGITS:
        # A recognizer that heard one word too many or too few still heard the expiry date
        # or the code that callers read right after the card: mask it, with less confidence.
        kind = EXPIRY if (after_card and not after_expiry) or _rest_of_expiry(run, earlier) else SECURITY_CODE
        return _entity(kind, run.digits, 0.5, times)
    if (after_expiry and SECURITY_CODE not in found_after and not run.phone_near
            and MAX_AFTER_CARD_DIGITS < len(text) <= MAX_LONG_ANSWER_DIGITS):
        # The code after the expiry date, its ask unheard, run on into the payment reference the
        # agent read or written twice ("6 6 0 6 4 6 8 8", "9, 9, 1, 7 9, 1, 7"): as the long answer
        # to a code ask (1.79).
        return _entity(SECURITY_CODE, _code_part(run.digits, times), 0.5, times)
    return None

