"""Wordings drawn per call from parts: many agents and callers to tune on, not one script.

``scripts.SCRIPTS`` holds four fixed wordings (dev, alt, alt-us to tune on; unseen held out).
Rules written against one fixed wording learn its sentences; ``generated(rng)`` instead draws
each call's wording from parts (an acknowledgement, a request, what is asked for, a closing
word; many leads, hesitations, holds, read-backs), and switches on ``Phrases.variations``:
the call's shape changes too (the agent acknowledging between the card's groups, the code
asked before the expiry date, a billing postcode or zip code asked after the code, the agent
reading the expiry date back, a caller asked to say the code again). A tune wording: rules
may be written from its calls. No part is one of the held-out wording's (``scripts.UNSEEN``)
asks or leads, nor takes its distinctive words (tested), so the unseen figures stay held out.

``NAMES``: every wording a call can be made in (``phrases_for``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tools.evalcalls.scripts import SCRIPTS, Phrases, _pick

#: The generated wording's name (``make_call(..., script=GENERATED)``).
GENERATED = "gen"

_ACKS = ("okay", "sure", "no problem", "great", "perfect", "alright then", "lovely", "right", "of course",
         "that's fine")
_CARD_REQUESTS = ("can I take", "could I get", "I'll just need", "could you read me", "let me take",
                  "I'll need", "can I have")
_CARD_OBJECTS = ("the card number", "the long number on the front of the card", "the sixteen digit card number",
                 "your card number", "the number on the card", "the long card number", "the card's number")
_SUFFIXES = ("please", "when you're ready", "for me", "", "whenever you're ready", "please, when you're ready")
_CARD_QUESTIONS = ("what's the card number", "go ahead with the card number",
                   "fire away with the card number", "whenever you're ready read me the card number")
_NEXT = ("and", "thanks and", "great and", "okay and", "lovely and", "got it and", "thank you and", "perfect and")
_LAST = ("and finally", "last thing", "last of all", "and the last bit")
_EXPIRY_OBJECTS = ("the expiry date", "the expiry", "the expiration date", "the exp date",
                   "the valid thru date", "the expiry date on the card", "the date on the front")
_EXPIRY_QUESTIONS = ("when does it expire", "when does the card expire", "what's the expiry on it",
                     "what date does it expire", "and the expiry on the card")
_CODE_OBJECTS = ("the security code", "the three digit code on the back", "the c v v", "the c v v two",
                 "the last three digits on the back", "the code on the back", "the three digits on the signature strip",
                 "the card verification code")
_CODE_QUESTIONS = ("what's the security code", "what are the three digits on the back", "what's the c v v",
                   "what's the code on the back")
_CARD_LEADS = ("okay it's", "yeah the number is", "sure", "right so it's", "here we go", "okay ready",
               "so", "um it's", "yep", "okay got it here", "it's a visa", "it's a mastercard, the number is")
_ANSWER_LEADS = ("it's", "that's", "okay", "so", "er it's", "it says", "sure it's", "right", "erm",
                 "yes it's", "let me see it's")
_HESITATIONS = ("hang on", "one minute", "just a moment", "let me have a look", "hold on let me find it",
                "sorry it's in my bag", "give me two seconds", "let me check", "oh where is it",
                "sorry I dropped it", "just a tick")
_VOLUNTEERED = (("expiry", "and the code is"), ("expires", "security code"),
                ("the expiry is", "and the three digits are"), ("expiry date", "c v v"),
                ("it expires", "and the last three are"), ("good till", "and the code on the back is"))
_REFERENCE_LEADS = ("your reference number is", "your payment reference is", "the authorisation code is",
                    "your receipt number is", "your confirmation number is", "the reference for that is",
                    "if you need it the reference is")
_GREET_OPENINGS = ("good morning", "good afternoon", "hello", "hi", "thanks for calling", "thank you for holding")
_GREET_PLACES = ("the billing team", "customer services", "accounts", "the payments line", "the help desk", "bookings")
_NAMES = ("amy", "josh", "fatima", "chris", "nadia", "ben", "lucy", "omar")
_GREET_ENDS = ("how can I help", "how can I help you today", "what can I do for you", "")
_REASONS = ("hi I want to pay my bill", "hello I'm calling to make a payment", "hi I'd like to pay off my balance",
            "hello I need to pay for my booking", "hi I got a reminder and want to pay it now",
            "yes I'd like to pay the outstanding amount", "hi can I pay for the repair over the phone",
            "hello I want to renew my subscription")
_SMALL_TALK = (
    [("agent", "can I have your full name please"), ("caller", "yes it's alex morgan")],
    [("agent", "and the first line of your address"), ("caller", "it's fourteen mill lane")],
    [("agent", "can you confirm your date of birth"), ("caller", "the second of march nineteen eighty")],
    [("agent", "I'll just pull up your account"), ("caller", "okay thanks")],
    [("agent", "the amount due is forty two pounds fifty, is that right"), ("caller", "yes that's right")],
    [("agent", "just so you know this call is recorded"), ("caller", "that's fine")],
)
_CLOSE_AGENT = ("that's gone through for you", "the payment's been accepted", "all done, that's been processed",
                "lovely that's all paid", "okay that went through fine")
_CLOSE_CALLER = ("great thanks a lot", "thank you very much", "brilliant cheers", "thanks for your help",
                 "perfect thank you")
_CLOSE_BYE = ("you're welcome bye now", "no problem have a nice day", "thanks for calling goodbye",
              "take care bye bye", "anything else I can help with? no? okay bye")
_HARMLESS_OPENINGS = ("hi my refund hasn't come through", "hello I was charged the wrong amount",
                      "hi I need to change my booking", "hello my order is late", "hi I want to ask about my bill",
                      "hello I'd like to cancel an order")
_HARMLESS_AGENT = ("let me look into that", "can you give me a reference", "okay one moment", "right that's done",
                   "do you have a number I can search", "thanks I'll check that", "is there anything else")
_ORDER_LEADS = ("my order number is", "the order number is", "it's order", "my account number is",
                "the tracking number is", "my customer number is", "the booking reference is")
_PHONE_LEADS = ("you can reach me on", "my number is", "my phone number is", "call me back on", "my landline is")
_PLACE_LEADS = ("the house number is", "it's flat", "my zip code is", "the apartment is", "the postcode starts")


def _several(rng: np.random.Generator, make: Callable[[], str], count: int) -> list[str]:
    return list(dict.fromkeys(make() for _ in range(count)))


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def generated(rng: np.random.Generator) -> Phrases:
    """One call's wording, drawn from parts (a few options per slot, as ``Phrases`` holds)."""

    def ask_card() -> str:
        if rng.random() < 0.3:
            return _joined(_pick(rng, _ACKS) + ".", _pick(rng, _CARD_QUESTIONS))
        return _joined(_pick(rng, _ACKS) + ".", _pick(rng, _CARD_REQUESTS), _pick(rng, _CARD_OBJECTS),
                       _pick(rng, _SUFFIXES))

    def ask(objects: Sequence[str], questions: Sequence[str], lead: Sequence[str]) -> Callable[[], str]:
        def one() -> str:
            if rng.random() < 0.3:
                return _joined(_pick(rng, lead), _pick(rng, questions))
            tail = _pick(rng, ("please", "", "", "on that"))
            return _joined(_pick(rng, lead), _pick(rng, objects), tail)
        return one

    greeting = lambda: _joined(_pick(rng, _GREET_OPENINGS), _pick(rng, _GREET_PLACES),  # noqa: E731
                               "you're speaking to", _pick(rng, _NAMES), _pick(rng, _GREET_ENDS))
    talk = [_SMALL_TALK[i] for i in rng.permutation(len(_SMALL_TALK))[:2]]
    return Phrases(
        greetings=_several(rng, greeting, 2),
        card_reasons=_several(rng, lambda: _pick(rng, _REASONS), 2),
        ask_card=_several(rng, ask_card, 2),
        card_leads=_several(rng, lambda: _pick(rng, _CARD_LEADS), 3),
        ask_expiry=_several(rng, ask(_EXPIRY_OBJECTS, _EXPIRY_QUESTIONS, _NEXT), 2),
        ask_code=_several(rng, ask(_CODE_OBJECTS, _CODE_QUESTIONS, _NEXT + _LAST), 2),
        hesitations=_several(rng, lambda: _pick(rng, _HESITATIONS), 3),
        answer_leads=_several(rng, lambda: _pick(rng, _ANSWER_LEADS), 3),
        closings=[("agent", _pick(rng, _CLOSE_AGENT)), ("caller", _pick(rng, _CLOSE_CALLER)),
                  ("agent", _pick(rng, _CLOSE_BYE))],
        small_talk=[line for pair in talk for line in pair],
        volunteered_leads=_pick(rng, _VOLUNTEERED),
        reference_lead=_pick(rng, _REFERENCE_LEADS),
        harmless_openings=_several(rng, lambda: _pick(rng, _HARMLESS_OPENINGS), 2),
        harmless_agent=_several(rng, lambda: _pick(rng, _HARMLESS_AGENT), 4),
        harmless_leads=(_pick(rng, _ORDER_LEADS), _pick(rng, _PHONE_LEADS), _pick(rng, _PLACE_LEADS)),
        variations=True,
    )


#: Every wording a call can be made in: the fixed ones and the generated one.
NAMES = (*SCRIPTS, GENERATED)


def phrases_for(script: str, rng: np.random.Generator) -> Phrases:
    """The wording of a call in ``script`` (``NAMES``): a fixed one draws nothing from ``rng``."""
    if script == GENERATED:
        return generated(rng)
    if script not in SCRIPTS:
        raise ValueError(f"script must be one of {', '.join(NAMES)}, got {script!r}")
    return SCRIPTS[script]
