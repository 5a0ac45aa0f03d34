"""What is said in an evaluation call: turns of units, each unit labelled for the ground truth.

Card calls: the agent asks for the card number, the caller reads it (digit by digit in
groups, "oh" or "zero", sometimes "double"/"triple"), then the expiry date and the security
code, usually each AFTER the agent asks and often after a pause or a "hang on"; expiry as
"oh four twenty seven", "zero four slash two seven", "April twenty twenty seven", "twelve
twenty seven"... Harmless calls: order and reference numbers, prices, times, phone
numbers, amounts and dates that are not expiry dates, and no card data at all. Card calls
carry some harmless numbers too (a price, a reference number read back by the agent).

What is said around the numbers comes from one of four fixed wordings (``Phrases``; ``SCRIPTS``): ``DEV``,
the one every figure before session 35 used and the card logic was developed on; ``ALT`` and
``ALT_US``, more tuned on; ``UNSEEN``, held out (nobody writes rules from its calls); or from one drawn
for each call (``wording.generated``, which also varies the call's shape: ``Phrases.variations``).

Unit kinds: ``card``, ``expiry``, ``code`` (sensitive; ``digits`` says how many digits the
unit carries: "four" 1, "twenty seven" 2, "April" 2, "double four" 2), ``harmless`` (a
phrase holding harmless numbers), ``other`` (any other speech), ``neutral`` (words inside a
sensitive reading that are not digits, such as "slash" or the century in "twenty twenty
seven": counted neither as sensitive nor as other speech).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.evalcalls.voices import DIGIT_WORDS

SENSITIVE = ("card", "expiry", "code")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


@dataclass(frozen=True)
class Unit:
    text: str
    kind: str = "other"
    digits: int = 0


@dataclass(frozen=True)
class Turn:
    """One speaker's utterance. ``role`` is "agent" or "caller"; ``human`` marks caller units
    said by the call's real (fsdd) speaker rather than its synthetic caller voice."""

    role: str
    units: tuple[Unit, ...]
    pause_before_s: float
    human: bool = False


def two_digit_words(n: int) -> str:
    """0-99 as spoken in a year or an amount: 7 -> "oh seven", 27 -> "twenty seven"."""
    if n < 10:
        return f"oh {DIGIT_WORDS[n]}"
    if n < 20:
        return TEENS[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + DIGIT_WORDS[n % 10])


def luhn_card(rng: np.random.Generator, length: int = 16) -> str:
    prefixes = ["34", "37"] if length == 15 else ["4", "51", "52", "53", "54", "55", "2221", "6011"]
    body = str(rng.choice(prefixes))
    body += "".join(str(d) for d in rng.integers(0, 10, length - 1 - len(body)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _pick(rng: np.random.Generator, options):  # noqa: ANN001, ANN202
    return options[int(rng.integers(len(options)))]


def digit_units(digits: str, kind: str, rng: np.random.Generator, *, zero: str, groups: list[int],
                repeats: bool) -> list[Unit]:
    """Digits read one by one in groups (a comma after each group); with ``repeats``,
    "double"/"triple" for runs inside a group, as people say them."""
    units: list[Unit] = []
    k = 0
    for size in groups:
        group = digits[k : k + size]
        k += size
        i = 0
        while i < len(group):
            run = 1
            while repeats and i + run < len(group) and group[i + run] == group[i] and run < 3:
                run += 1
            word = zero if group[i] == "0" else DIGIT_WORDS[int(group[i])]
            if run >= 2:
                units.append(Unit(f"{'double' if run == 2 else 'triple'} {word}", kind, run))
            else:
                units.append(Unit(word, kind, 1))
            i += run
        units[-1] = Unit(units[-1].text + ",", kind, units[-1].digits)
    units[-1] = Unit(units[-1].text.rstrip(",") + ".", kind, units[-1].digits)
    return units


def expiry_units(month: int, year: int, rng: np.random.Generator, *, human: bool) -> list[Unit]:
    """MM/YY in one of the ways callers say it (human speakers: digit words only)."""
    if human:
        zero = _pick(rng, ["zero", "oh"])
        return digit_units(f"{month:02d}{year:02d}", "expiry", rng, zero=zero, groups=[2, 2], repeats=False)
    style = int(rng.integers(6))
    year_units = [Unit(two_digit_words(year) + ".", "expiry", 2)]
    if style == 0:  # "oh four, twenty seven"
        if month < 10:
            month_units = [Unit("oh", "expiry", 1), Unit(DIGIT_WORDS[month] + ",", "expiry", 1)]
        else:
            month_units = [Unit(TEENS[month - 10] + ",", "expiry", 2)]
        return month_units + year_units
    if style == 1:  # "zero four slash two seven"
        mm, yy = f"{month:02d}", f"{year:02d}"
        return ([Unit(DIGIT_WORDS[int(d)], "expiry", 1) for d in mm] + [Unit("slash", "neutral")]
                + [Unit(DIGIT_WORDS[int(d)], "expiry", 1) for d in yy])
    if style == 2:  # "April twenty twenty seven"
        return [Unit(MONTHS[month - 1], "expiry", 2), Unit("twenty", "neutral")] + year_units
    if style == 3:  # "April, twenty seven"
        return [Unit(MONTHS[month - 1] + ",", "expiry", 2)] + year_units
    if style == 4:  # "four twenty seven" / "twelve twenty seven"
        word = DIGIT_WORDS[month] if month < 10 else TEENS[month - 10]
        return [Unit(word, "expiry", 1 if month < 10 else 2)] + year_units
    mm, yy = f"{month:02d}", f"{year:02d}"  # "oh four two seven"
    return digit_units(mm + yy, "expiry", rng, zero="oh", groups=[2, 2], repeats=False)


def code_units(code: str, rng: np.random.Generator, *, human: bool) -> list[Unit]:
    if not human and len(code) == 3 and code[1] != "0" and rng.random() < 0.15:  # "seven thirty one"
        tail = int(code[1:])
        return [Unit(DIGIT_WORDS[int(code[0])], "code", 1), Unit(two_digit_words(tail) + ".", "code", 2)]
    return digit_units(code, "code", rng, zero=_pick(rng, ["zero", "oh"]), groups=[len(code)],
                       repeats=not human and rng.random() < 0.3)


# -- conversation ---------------------------------------------------------------------------

GREETINGS = [
    "good afternoon you are through to customer accounts my name is sarah how can I help",
    "hello thank you for calling the billing team this is james speaking",
    "hi you are speaking with priya in customer services what can I do for you today",
    "good morning thanks for holding my name is tom how can I help you",
]
CARD_REASONS = [
    "hi there I am ringing to settle the balance on my account",
    "hello I would like to pay my bill please",
    "yes hi I need to renew my membership and pay for it over the phone",
    "I want to book the tickets we talked about and pay for them now",
]
ASK_CARD = [
    "no problem I can take a payment over the phone for you. when you are ready please read me the long number across the front of the card",
    "of course. can I take the card number please",
    "lovely. what is the sixteen digit number on the front of your card",
    "sure thing. go ahead with the card number whenever you are ready",
]
CARD_LEADS = ["sure it's", "okay it is", "right, the number is", "yes, it's", "ready? it's"]
ASK_EXPIRY = [
    "thank you and the expiry date please",
    "great and the expiry date?",
    "got that. and when does the card expire",
    "thanks. what is the expiry date on the card",
]
ASK_CODE = [
    "and finally the three digit security code on the back",
    "and the security code please, the last three digits on the back",
    "lovely and the c v v number",
    "perfect, and the three numbers on the signature strip",
]
HESITATIONS = ["hang on let me check", "just a second", "um let me see", "sorry it is in my other hand", "one moment"]
ANSWER_LEADS = ["it's", "that's", "okay", "yes", "right"]
CLOSINGS = [
    ("agent", "lovely that has all gone through and you will get a confirmation shortly"),
    ("caller", "brilliant thanks very much for your help"),
    ("agent", "you are welcome have a good day goodbye"),
]
SMALL_TALK = [
    ("agent", "can I just confirm the name on the account please"),
    ("caller", "yes it is the same as the card holder"),
    ("agent", "thank you just bear with me while the system catches up"),
    ("caller", "no problem take your time"),
]


HARMLESS_OPENINGS = [
    "hiya my parcel was supposed to come on tuesday and it still has not arrived",
    "hello I am calling about a problem with my last bill",
    "hi I need to change the delivery address on my order",
    "good morning I want to query a charge on my statement",
]
HARMLESS_AGENT = [
    "I am sorry about that let me have a look it should only take two minutes",
    "okay can you give me a few details so I can find it",
    "thanks I can see it here let me check what happened",
    "right I have made a note of that on the account",
    "is there anything else I can help you with",
]


@dataclass(frozen=True)
class Phrases:
    """What the agent and the caller say around the numbers: one script's wording."""

    greetings: list[str]
    card_reasons: list[str]
    ask_card: list[str]
    card_leads: list[str]
    ask_expiry: list[str]
    ask_code: list[str]
    hesitations: list[str]
    answer_leads: list[str]
    closings: list[tuple[str, str]]
    small_talk: list[tuple[str, str]]
    #: the caller's lead-ins when giving the expiry date and the code unasked, after the card
    volunteered_leads: tuple[str, str]
    #: the agent's lead-in to the payment reference read back in a card call
    reference_lead: str
    harmless_openings: list[str]
    harmless_agent: list[str]
    #: lead-ins of an order number, a phone number and a house number read digit by digit
    harmless_leads: tuple[str, str, str]
    #: the call's shape varies too (``card_call``): only generated wordings (``wording.py``) draw it
    variations: bool = False


#: The wording the card logic was developed on (every dev, tune and held-out figure before session 35).
DEV = Phrases(GREETINGS, CARD_REASONS, ASK_CARD, CARD_LEADS, ASK_EXPIRY, ASK_CODE, HESITATIONS, ANSWER_LEADS, CLOSINGS,
              SMALL_TALK, ("expiring", "and the code is"), "your payment reference is", HARMLESS_OPENINGS,
              HARMLESS_AGENT, ("my order number is", "you can call me back on", "the house number is"))
#: Another wording (session 35), written at once, before any call with it was heard, to measure
#: how the card logic carries to agents and callers who say things differently: a HELD-OUT
#: script. Nobody writes rules from its calls' misses (the same rule as splits.HELD_OUT).
UNSEEN = Phrases(
    greetings=["thanks for calling northside energy you're through to sam",
               "hello you've reached the accounts desk ellie speaking how can I help",
               "good afternoon customer support this is raj"],
    card_reasons=["hi I've had a letter saying my payment is overdue and I'd like to clear it",
                  "hello I'd like to top up my account please",
                  "yes I'm phoning to pay for my order"],
    ask_card=["okay I can do that for you now. could you give me the card number please",
              "no worries. what's the long number on your card",
              "right then I'll need the card details, starting with the number across the front",
              "that's fine. can you read out the full card number for me"],
    card_leads=["yeah it's", "okay so", "right it's", "here you go", "it's"],
    ask_expiry=["okay and what's the expiration date", "and when does the card run out",
                "thanks, and the end date on it please", "got it. the expiry month and year please"],
    ask_code=["and lastly the c v c on the back", "and the last three numbers on the back please",
              "and the card security code", "great, can I have the three digit code from the back of the card"],
    hesitations=["bear with me", "hold on a sec", "let me just grab my purse", "one sec it's in my wallet"],
    answer_leads=["yeah", "so it's", "um", "okay it's", "sure"],
    closings=[("agent", "that's all gone through now and your receipt will come by email"),
              ("caller", "cheers that's great thank you"),
              ("agent", "no problem at all take care bye")],
    small_talk=[("agent", "before we start can you confirm your postcode please"),
                ("caller", "yes of course it's the one on the letter"),
                ("agent", "thanks just waiting for the screen to load"),
                ("caller", "that's okay")],
    volunteered_leads=("valid until", "and the security number is"),
    reference_lead="your transaction number is",
    harmless_openings=["hi I'm ringing because my delivery never turned up",
                       "hello there's a charge on my account I don't recognise",
                       "hi I'd like to move my appointment please"],
    harmless_agent=["sorry to hear that let me pull up your details",
                    "no problem could you give me something to look it up with",
                    "okay I've found it give me a moment",
                    "that's updated for you now",
                    "can I help with anything else today"],
    harmless_leads=("the order reference is", "my mobile is", "we're at number"),
)
#: A third wording (session 35), tuned on like the dev one: written after the unseen script's
#: first figures and before anyone looked at its calls, so that rules for wordings other than
#: the dev one can be written without looking at the held-out one.
ALT = Phrases(
    greetings=["hiya welcome to the help line you're speaking to dan",
               "morning payments team kate here what can I do for you",
               "hello thanks for holding this is mo in billing"],
    card_reasons=["hi I need to pay off what I owe on my account",
                  "hello I want to pay my invoice by card",
                  "hi can I make a payment towards my balance"],
    ask_card=["sure let's get that sorted. what's the card number",
              "okay I'll need the number on the card you're paying with",
              "yep fire away with the card number when you're ready",
              "no bother. can I take the sixteen digits across the front of the card"],
    card_leads=["right so", "yep it's", "okay here it is", "that's"],
    ask_expiry=["and the expiry on that", "when does it expire", "and what's the valid to date",
                "and the date it runs out"],
    ask_code=["and the three digits on the signature panel", "and the security number on the back",
              "and the c v v two please", "last thing, the code on the back of the card"],
    hesitations=["wait a moment", "let me find it", "hang about", "just getting it out"],
    answer_leads=["er", "it says", "okay so", "here", "um right"],
    closings=[("agent", "brilliant that payment has been taken is there anything else"),
              ("caller", "no that's everything thanks"),
              ("agent", "thanks for calling bye bye")],
    small_talk=[("agent", "can I take your date of birth for security"),
                ("caller", "yes it should be on the system already"),
                ("agent", "thanks just one moment while I check"),
                ("caller", "sure no rush")],
    volunteered_leads=("expires", "and the three digits are"),
    reference_lead="your receipt number is",
    harmless_openings=["hi my order arrived damaged", "hello I've been billed twice this month",
                       "hi I want to update my details"],
    harmless_agent=["oh no let me see what I can do", "right what details do you have for me",
                    "okay bear with me while I look", "all sorted for you", "was there anything else"],
    harmless_leads=("it's order number", "call me on", "it's flat"),
)
#: A fourth wording (session 35), tuned on: a North American contact centre's ("could I get the card
#: number", "the expiration", "the c v v", "your confirmation number is", "the zip code is").
ALT_US = Phrases(
    greetings=["thank you for calling acme wireless my name is kevin how may I help you",
               "hi this is maria with billing services how can I help you today",
               "good evening you've reached customer care this is lee"],
    card_reasons=["hi I need to make a payment on my past due balance", "yeah I want to pay my phone bill",
                  "hi I'd like to pay for my order over the phone"],
    ask_card=["sure I can help with that. could I get the card number",
              "absolutely. go ahead and give me the number on the card",
              "okay what card would you like to use? I'll need the full number",
              "no problem. whenever you're ready, the credit card number please"],
    card_leads=["yeah so it's", "alright it's", "okay the number is", "sure thing"],
    ask_expiry=["and the expiration date", "what's the expiration on that card",
                "and when does that expire, month and year", "got it, and the exp date"],
    ask_code=["and the c v v on the back", "and the little code on the back of the card",
              "last thing, the security code please", "and what's the c v v"],
    hesitations=["hold on", "give me a second", "let me get my wallet", "one second please"],
    answer_leads=["uh", "alright", "it's uh", "yep so", "okay that's"],
    closings=[("agent", "okay you're all set the payment went through"),
              ("caller", "awesome thank you so much"),
              ("agent", "you're very welcome have a great day")],
    small_talk=[("agent", "can you verify the name on the account for me"),
                ("caller", "yeah it's under my name"),
                ("agent", "thanks I'm just pulling up the account"),
                ("caller", "okay sure")],
    volunteered_leads=("it expires", "and the c v v is"),
    reference_lead="your confirmation number is",
    harmless_openings=["hi I'm calling about a late fee on my bill", "hey my package says delivered but it's not here",
                       "hi I need to reschedule my installation"],
    harmless_agent=["I'm sorry about that let me take a look", "can I get some information to pull that up",
                    "okay one moment while I check", "alright that's been taken care of",
                    "anything else I can do for you"],
    harmless_leads=("the order number is", "my callback number is", "the zip code is"),
)
SCRIPTS = {"dev": DEV, "unseen": UNSEEN, "alt": ALT, "alt-us": ALT_US}


def harmless_number(rng: np.random.Generator, *, human: bool,
                    phrases: Phrases = DEV) -> tuple[str, list[Unit] | None]:
    """One harmless number: (lead-in, digit units) when it is read digit by digit (by the real
    speaker in a human call), else (the whole phrase, None)."""
    kind = int(rng.integers(8 if not human else 3))
    if kind == 0:  # order number, digit by digit
        number = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(5, 8))))
        lead = phrases.harmless_leads[0]
    elif kind == 1:  # phone number
        number = "07" + "".join(str(d) for d in rng.integers(0, 10, 9))
        lead = phrases.harmless_leads[1]
    elif kind == 2:  # postcode or house number
        number = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 4))))
        lead = phrases.harmless_leads[2]
    else:
        number = ""
        lead = _pick(rng, [
            f"it came to {two_digit_words(int(rng.integers(11, 99)))} pounds {two_digit_words(int(rng.integers(10, 99)))}",
            f"the delivery was booked for {_pick(rng, ['half past three', 'ten thirty', 'quarter to six', 'two fifteen'])} on {_pick(rng, MONTHS)} the {_pick(rng, ['third', 'twenty first', 'fourteenth', 'ninth'])}",
            f"I was charged {_pick(rng, ['two hundred and fifty', 'one hundred and twenty', 'three thousand four hundred', 'sixty five'])} dollars",
            f"my date of birth is the {_pick(rng, ['fourth', 'nineteenth', 'thirtieth'])} of {_pick(rng, MONTHS)} nineteen {two_digit_words(int(rng.integers(50, 99)))}",
            f"I have been waiting {_pick(rng, ['forty five', 'twenty', 'ninety'])} minutes and it is now {_pick(rng, ['eleven', 'four', 'seven'])} {_pick(rng, ['twenty', 'forty', 'oh five'])}",
        ])
    if not number:
        return lead, None
    groups = [3, 3, 5] if len(number) == 11 else [len(number)]
    zero = _pick(rng, ["oh", "zero"])
    return lead, [Unit(u.text, "harmless", 0) for u in digit_units(number, "harmless", rng, zero=zero, groups=groups,
                                                                    repeats=not human and rng.random() < 0.3)]


def _say(role: str, text: str, pause_s: float, kind: str = "other") -> Turn:
    return Turn(role, (Unit(text, kind),), pause_s)


def card_call(rng: np.random.Generator, *, human: bool, phrases: Phrases = DEV) -> list[Turn]:
    """Turns of a payment call in ``phrases``' wording; sensitive units are said by the real
    speaker when ``human``."""
    p = phrases
    turn_gap = lambda: float(rng.uniform(0.3, 0.9))  # noqa: E731
    answer_gap = lambda: float(rng.uniform(0.8, 4.0))  # noqa: E731  ("a few seconds later")
    length = 15 if rng.random() < 0.15 else 16
    card = luhn_card(rng, length)
    groups = [4, 6, 5] if length == 15 else [4, 4, 4, 4]
    month, year = int(rng.integers(1, 13)), int(rng.integers(26, 34))
    code = "".join(str(d) for d in rng.integers(0, 10, 4 if length == 15 else 3))
    zero = _pick(rng, ["oh", "zero"])
    turns = [_say("agent", _pick(rng, p.greetings), 0.4), _say("caller", _pick(rng, p.card_reasons), turn_gap())]
    if rng.random() < 0.5:
        for role, text in p.small_talk[: int(rng.integers(1, len(p.small_talk) + 1))]:
            turns.append(_say(role, text, turn_gap()))
    turns.append(_say("agent", _pick(rng, p.ask_card), turn_gap()))
    turns.append(_say("caller", _pick(rng, p.card_leads), turn_gap()))
    card_units = digit_units(card, "card", rng, zero=zero, groups=groups, repeats=not human and rng.random() < 0.4)
    turns += _card_turns(card_units, rng, human, p.variations)
    volunteered = rng.random() < 0.2  # caller gives everything in one go
    asks = [(p.ask_expiry, expiry_units(month, year, rng, human=human), p.volunteered_leads[0]),
            (p.ask_code, code_units(code, rng, human=human), p.volunteered_leads[1])]
    if p.variations and not volunteered and rng.random() < 0.2:
        asks.reverse()  # the code asked before the expiry date
    for ask, units, lead in asks:
        if volunteered:
            turns.append(_say("caller", lead, float(rng.uniform(0.3, 0.7))))
            turns.append(Turn("caller", tuple(units), float(rng.uniform(0.1, 0.3)), human))
            continue
        turns.append(_say("agent", _pick(rng, ask), turn_gap()))
        gap = answer_gap()
        if rng.random() < 0.4:
            turns.append(_say("caller", _pick(rng, p.hesitations), turn_gap()))
        else:
            turns.append(_say("caller", _pick(rng, p.answer_leads), gap))
            gap = float(rng.uniform(0.1, 0.4))
        turns.append(Turn("caller", tuple(units), gap, human))
        if p.variations:
            turns += _after_answer(units, month, year, rng, human)
    if p.variations and rng.random() < 0.3:  # the billing postcode or zip code: harmless digits after the code
        place = "".join(str(d) for d in rng.integers(0, 10, int(rng.choice([2, 3, 5]))))
        turns.append(_say("agent", _pick(rng, BILLING_ASKS), turn_gap()))
        turns.append(_say("caller", _pick(rng, ["it's", "that's", "okay it's"]), turn_gap()))
        place_units = digit_units(place, "harmless", rng, zero=zero, groups=[len(place)], repeats=False)
        turns.append(Turn("caller", tuple(Unit(u.text, "harmless") for u in place_units), float(rng.uniform(0.1, 0.4)),
                          human))
    if rng.random() < 0.5:  # a harmless number in a card call: the agent's reference
        ref = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(5, 8))))
        turns.append(_say("agent", p.reference_lead, turn_gap()))
        turns.append(Turn("agent", tuple(Unit(u.text, "harmless") for u in digit_units(
            ref, "harmless", rng, zero="zero", groups=[len(ref)], repeats=False)), 0.2))
    for role, text in p.closings:
        turns.append(_say(role, text, turn_gap()))
    return turns


#: What the agent says between the card's groups (``variations``).
ACKNOWLEDGEMENTS = ["mm hm", "yep", "okay", "go on", "got that", "uh huh"]
#: The agent asking for the billing address's numbers after the card data (``variations``).
BILLING_ASKS = ["and the billing zip code", "and the house number of the billing address",
                "and the numbers in the billing postcode", "can I have the zip code on the account"]
#: The agent's lead-in to reading the expiry date back, and asking for the code again (``variations``).
READ_BACK_LEADS = ["so that's", "let me just repeat that,", "that's"]
SAY_AGAIN = ["sorry could you say the code again", "sorry I missed that, the code again please", "pardon, say it again"]


def _card_turns(units: list[Unit], rng: np.random.Generator, human: bool, variations: bool) -> list[Turn]:
    """The caller reading the card: one turn, or (``variations``, sometimes) two with the agent's
    acknowledgement after the group that reaches half the digits."""
    if variations and rng.random() < 0.3:
        said, cut = 0, len(units)
        for i, u in enumerate(units):
            said += u.digits
            if said >= 8 and u.text.endswith(","):
                cut = i + 1
                break
        if cut < len(units):
            return [Turn("caller", tuple(units[:cut]), float(rng.uniform(0.1, 0.4)), human),
                    _say("agent", _pick(rng, ACKNOWLEDGEMENTS), float(rng.uniform(0.2, 0.6))),
                    Turn("caller", tuple(units[cut:]), float(rng.uniform(0.2, 0.6)), human)]
    return [Turn("caller", tuple(units), float(rng.uniform(0.1, 0.4)), human)]


def _after_answer(units: tuple[Unit, ...] | list[Unit], month: int, year: int, rng: np.random.Generator,
                  human: bool) -> list[Turn]:
    """What may follow an expiry date or a code (``variations``): the agent reading the expiry
    date back (the agent's own voice: sensitive too), or asking for the code again."""
    kind = units[0].kind
    if kind == "expiry" and rng.random() < 0.2:
        return [_say("agent", _pick(rng, READ_BACK_LEADS), float(rng.uniform(0.3, 0.8))),
                Turn("agent", tuple(expiry_units(month, year, rng, human=False)), float(rng.uniform(0.1, 0.3)))]
    if kind == "code" and rng.random() < 0.15:
        return [_say("agent", _pick(rng, SAY_AGAIN), float(rng.uniform(0.3, 0.8))),
                Turn("caller", tuple(units), float(rng.uniform(0.5, 1.5)), human)]
    return []


def harmless_call(rng: np.random.Generator, *, human: bool, phrases: Phrases = DEV) -> list[Turn]:
    """Turns of a call with numbers that are not card data and nothing sensitive, in ``phrases``' wording."""
    p = phrases
    turns = [_say("agent", _pick(rng, p.greetings), 0.4), _say("caller", _pick(rng, p.harmless_openings), 0.6)]
    for _ in range(int(rng.integers(3, 6))):
        turns.append(_say("agent", _pick(rng, p.harmless_agent), float(rng.uniform(0.3, 0.9))))
        lead, digits = harmless_number(rng, human=human, phrases=p)
        if digits is None:
            turns.append(_say("caller", lead, float(rng.uniform(0.3, 0.9)), "harmless"))
        else:
            turns.append(_say("caller", lead, float(rng.uniform(0.3, 0.9))))
            turns.append(Turn("caller", tuple(digits), float(rng.uniform(0.1, 0.4)), human))
    for role, text in p.closings[1:]:
        turns.append(_say(role, text, float(rng.uniform(0.3, 0.9))))
    return turns
