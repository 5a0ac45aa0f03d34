"""Number normalisation: turns timed words into the digits they say.

Handles what people say when they read a card number, an expiry date or a code, and what
transcription providers write for it: digits ("4532", "4532-1488", "12/25"), digit words
("four five"), "oh" and "o" for zero, "double four", "triple seven", teens and tens
("forty five", "forty-five", "nineteen"), hundreds and thousands ("forty five hundred",
"two thousand twenty five"), month names in expiry dates ("December twenty five"), a day
written as an ordinal right after a month ("March 28th", "December the 29th": a recognizer's
"oh three, twenty eight"; and a second right after it, "December 20th, 28th"), and any mix.
Fillers ("and", "uh", "dash") inside a number do not break it. Amounts, times and decimals
written with their signs ("$12.50", "3:30", "1,250") are ordinary words: they are not digits
read out (unless they hold a card number's 13 digits or more: "$4111111111111111"); a number
grouped in thousands with ten digits or more ("4,111,111,111,111,111") is a digit string so
grouped, and so is a shorter one beside other digits ("4,111 1111 1111 1111").

The output keeps, for every group of digits, the indices of the words that said it, so
the card logic can mask exactly those words and the transcript writer can redact them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from callrec.digits import ascii_digits
from redaction.issuers import issuer_of, luhn_valid
from redaction.words import TimedWord

UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
REPEATS = {"double": 2, "triple": 3, "treble": 3}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
#: Words that may sit inside a spoken number without breaking it.
FILLERS = frozenset({"and", "uh", "um", "er", "erm", "ah", "hmm", "dash", "hyphen", "space", "slash", "then"})
#: "One" right before these is a word of its own ("one moment", "just one second"), no digit.
#: On the tune and strangers' calls Whisper wrote "one moment" 23 times, never over a digit
#: read out; a digit "one" chained the caller's "one moment." to the card read after it.
ONE_BEFORE = frozenset({"moment", "second", "sec", "minute"})

#: What parts a word's pieces: white space, punctuation, brackets of every kind and the symbols that
#: join or frame digits in text ("<4111", "4111&1111", "*4111*", "4111|1111", "_4111_": session 54's
#: review, a card so written was one other word). "+", "=", "@" and "^" stay part of a word, but not
#: between digits (``_JOINER``).
_SPLIT = re.compile(r"[\s\-/.,;:!?()\[\]{}<>\"'*&|_~]+")
#: Any other character that is neither a letter nor a digit, between digits, parts them too ("4111·1111",
#: "٤١١١٬١١١١" Arabic-Indic digits grouped by the Arabic thousands separator, "4111+1111", "4111@1111",
#: a braille blank: session 56's red team, each a card kept whole as one other word); "+15550100" and
#: "C++" stay one word.
_JOINER = re.compile(r"(?<=\d)[^\w\s]+(?=\d)")
_ANY_DIGIT = re.compile(r"\d")
#: A run of this many digits or more parts from what is glued to it, letters or signs
#: ("card4111111111111111", "4111111111111111ok": session 56's red team, each one other word, the card
#: neither masked nor redacted; and a card over two words, one glued, "card41111111 11111111": its
#: review, the glued word's 8 digits written back); shorter runs stay in their word ("W5", "28th",
#: "CA1008"). "INV123456" is "inv" and a harmless number.
GLUED_RUN_DIGITS = 6
#: A word with a card number's count of digits (cards.MIN_CARD_DIGITS) is no amount (``_QUANTITY``:
#: "$4111111111111111").
CARD_RUN_DIGITS = 13
_GLUED = re.compile(rf"(?<=\D)(?=\d{{{GLUED_RUN_DIGITS}}})|(?<=\d{{{GLUED_RUN_DIGITS}}})(?=\D)")
#: An international phone number (E.164: "+" and at most 15 digits; 8 or more here) is one harmless word,
#: not a run parted from its sign: "+4915112345678" passes Luhn, and was masked as a card (session 56's
#: review). A "+" before 16 digits or more is no phone number, nor before digits that pass as a card
#: (``_card_like``: "+378282246310005", an Amex, was kept whole, session 58's review): the run parts from it.
_PHONE = re.compile(r"^\+(\d{8,15})[.,;!?]?$")
_DIGITS = re.compile(r"^\d+$")
#: A number sign against digits ("card #4111", "4111#") parts them like punctuation; a mask of
#: number signs alone ("####") stays one ordinary word.
_NUMBER_SIGN = re.compile(r"#+(?=\d)|(?<=\d)#+")
#: A day written as an ordinal ("28th", "31st"): after a month name ("March 28th", "December
#: the 29th") the digits of an expiry date misheard ("oh three, twenty eight"), elsewhere a word.
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")
#: Whisper tiny writes "double five" as "W5" (the "double" heard as the letter: every such word in
#: a fresh tune set's card calls was a card's or code's pair of digits, 1.63).
_DOUBLED = re.compile(r"^w(\d)$")
#: Written numbers that are not digits read out: an amount ("$12.50", "£40", "15%"), a time
#: or a decimal ("3:30", "12.75"), thousands grouped with commas ("1,250", and ",400" where a
#: recognizer parted "$3,400,000" into "$3", ",400", ",000"). One ordinary word. A sign with a digit on
#: either side ("4111$1111", "1111%1111") joins digits (``_JOINER``), it makes no amount: a card over two
#: such words ("4111$1111 1111$1111") was two amounts (session 56's review).
_THOUSANDS = r"\d{1,3}(?:,\d{3})+"
_QUANTITY = re.compile(rf"(?<!\d)[$£€¢%]|[$£€¢%](?!\d)|^\d+[:.]\d+[.,;!?]?$|^{_THOUSANDS}[.,;!?]?$|^(,\d{{3}})+[.,;!?]?$")
#: A number grouped in thousands with this many digits or more is a digit string a recognizer
#: or a formatting provider grouped ("4,111,111,111,111,111": a card), not a quantity: no amount
#: said in a call reaches a billion without its currency sign (which keeps it a quantity).
MIN_GROUPED_DIGITS = 10
_GROUPED = re.compile(rf"^({_THOUSANDS})[.,;!?]?$")
#: A number grouped in thousands by commas or periods, without a sign ("4,111", "1.234", "4,111,111"):
#: an amount alone, but a card's group when written beside other digit groups (``grouped_digits``).
_SHORT_GROUPED = re.compile(r"^(\d{1,3}(?:([,.])\d{3})(?:\2\d{3})*)[.,;!?]?$")
#: Digits a plain numeral in its run must write for a number grouped in thousands to be read as digits.
MIN_NEIGHBOUR_DIGITS = 3
#: Typographic punctuation providers write (smart quotes, dashes, the ellipsis is NFKC's)
#: as its plain self, so "“4532", "4532–1488" read as "\"4532" and "4532-1488" do.
_TYPOGRAPHIC = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212", "-"),
    "\u2044": "/", "\u3001": ",", "\u3002": ".", "\u00bf": "?", "\u00a1": "!",
})


#: Unicode categories dropped from a word before it is read: invisible format characters (zero-width
#: space, soft hyphen, direction marks: Cf) and marks NFKC leaves apart from their base (a combining
#: tilde or dot below on a digit, a keycap's variation selector and enclosing keycap: Mn, Me). Session
#: 54: "4\u0303111" (a digit with a combining mark) was no number, its card's group written back.
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
#: Hangul fillers, letters that show nothing (NFKC makes the halfwidth and compatibility ones U+1160).
_FILLERS = frozenset("\u115f\u1160")


def plain(text: str) -> str:
    """``text`` with fullwidth and compatibility forms folded (NFKC: "４５" is "45", "…" is
    "..."), other scripts' digits written as ASCII ones (Arabic-Indic "٠٣٦٦" is "0366": NFKC keeps
    them, so a quote in them of a card in ASCII, or the other way round, was no quote: session 54),
    typographic punctuation made plain and what shows nothing of its own dropped
    (``_DROPPED_CATEGORIES``, ``_FILLERS``)."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    return ascii_digits("".join(c for c in folded
                                if c not in _FILLERS and unicodedata.category(c) not in _DROPPED_CATEGORIES))


@dataclass(frozen=True)
class Atom:
    """One meaningful piece of a word: ``kind`` is digits, unit, teen, tens, repeat,
    hundred, thousand, month, filler or other; ``value`` its number or digit string."""

    kind: str
    value: str | int = field(default="", repr=False)  # card data: never in a repr
    word: int = -1  # index of the word it came from


@dataclass(frozen=True)
class Piece:
    """Digits said by consecutive words, or (``digits == ""``) one word that is not a number.

    ``digits`` is card data: never logged or reported.
    """

    digits: str
    words: tuple[int, ...]
    start_s: float
    end_s: float
    filler: bool = False

    def __repr__(self) -> str:  # never show the digits
        return f"Piece({len(self.digits)} digits, words={self.words})"


def digits_said(text: str) -> str:
    """The digits a word says when it says nothing but digits ("0,", "seven", "4532"), else ""."""
    atoms = atoms_of(text, 0)
    if not atoms or any(a.kind not in ("digits", "unit") for a in atoms):
        return ""
    return "".join(str(a.value) for a in atoms)


#: Atom kinds that say a number or part of one: a word with any of them says a number ("twelve,",
#: "twenty", "double", "4532", "May").
NUMBER_KINDS = frozenset({"digits", "unit", "teen", "tens", "repeat", "hundred", "thousand", "month"})


def says_number(text: str) -> bool:
    """True when a word says a number or a part of one (``NUMBER_KINDS``), alone or amid other text."""
    return any(atom.kind in NUMBER_KINDS for atom in atoms_of(text, 0))


def digit_count(text: str) -> int:
    """Digits a word says ("4111" 4, "forty" 2, "four" 1)."""
    count = 0
    for atom in atoms_of(text, 0):
        if atom.kind == "digits":
            count += len(str(atom.value))
        elif atom.kind in ("unit", "repeat", "hundred", "thousand"):
            count += 1
        elif atom.kind in ("teen", "tens", "month"):
            count += 2
    return count


def month_said(text: str) -> bool:
    """True when a word names a month ("August", "Dec."): an expiry date's month."""
    return any(a.kind == "month" for a in atoms_of(text, 0))


def _card_like(digits: str) -> bool:
    """Digits a card could be: a card's length, an issuer's prefix, the Luhn check."""
    return len(digits) >= CARD_RUN_DIGITS and luhn_valid(digits) and issuer_of(digits) is not None


def atoms_of(text: str, word: int) -> list[Atom]:
    """The atoms of one word's text ("forty-five," -> tens 40, unit 5)."""
    text = plain(text)
    if "#" in text:
        text = _NUMBER_SIGN.sub(" ", text)
    whole = text.strip()
    grouped = _GROUPED.match(whole) if "," in whole else None
    if grouped and len(digits := grouped.group(1).replace(",", "")) >= MIN_GROUPED_DIGITS:
        return [Atom("digits", digits, word)]
    if _QUANTITY.search(whole) and sum(c.isdigit() for c in whole) < CARD_RUN_DIGITS or (
            (phone := _PHONE.match(whole)) and not _card_like(phone.group(1))):
        return [Atom("other", "", word)]
    out: list[Atom] = []
    text = text.lower()
    if _ANY_DIGIT.search(text):  # both match digits only (most words have none)
        text = _GLUED.sub(" ", _JOINER.sub(" ", text))
    for part in _SPLIT.split(text):
        if not part:
            continue
        if _DIGITS.match(part):
            out.append(Atom("digits", part, word))
        elif doubled := _DOUBLED.match(part):
            out.append(Atom("digits", doubled.group(1) * 2, word))
        elif ordinal := _ORDINAL.match(part):
            out.append(Atom("ordinal", ordinal.group(1), word))
        elif part in UNITS:
            out.append(Atom("unit", UNITS[part], word))
        elif part in TEENS:
            out.append(Atom("teen", TEENS[part], word))
        elif part in TENS:
            out.append(Atom("tens", TENS[part], word))
        elif part in REPEATS:
            out.append(Atom("repeat", REPEATS[part], word))
        elif part in ("hundred", "thousand"):
            out.append(Atom(part, 0, word))
        elif part in MONTHS:
            out.append(Atom("month", MONTHS[part], word))
        elif part in FILLERS:
            out.append(Atom("filler", "", word))
        elif not (out and out[-1].kind == "other"):  # "it's" is one other word, not two
            out.append(Atom("other", "", word))
    return out


class _Compound:
    """The number being built from words: its value and which words may still extend it."""

    #: state -> {atom kind: next state}; the value grows as the comments say.
    GRAMMAR = {
        "unit": {"hundred": "hundred", "thousand": "thousand"},  # x100, x1000
        "teen": {"hundred": "hundred", "thousand": "thousand"},
        "tens": {"unit": "tens_unit", "hundred": "hundred", "thousand": "thousand"},  # +unit
        "tens_unit": {"hundred": "hundred", "thousand": "thousand"},
        "hundred": {"unit": "closed", "teen": "closed", "tens": "base_tens", "thousand": "thousand"},
        "thousand": {"unit": "closed", "teen": "closed", "tens": "base_tens"},
        "base_tens": {"unit": "closed"},
        "closed": {},
    }

    def __init__(self) -> None:
        self.value: int | None = None
        self.state = ""
        self.words: list[int] = []

    def wants(self, kind: str) -> bool:
        return self.value is not None and kind in self.GRAMMAR[self.state]

    def take(self, atom: Atom) -> bool:
        """Extend the compound with ``atom``; False when the atom cannot extend it."""
        if self.value is None:
            if atom.kind not in ("unit", "teen", "tens"):
                return False
            self.value, self.state = int(atom.value), atom.kind
        elif self.wants(atom.kind):
            if atom.kind == "hundred":
                self.value *= 100
            elif atom.kind == "thousand":
                self.value *= 1000
            else:
                self.value += int(atom.value)
            self.state = self.GRAMMAR[self.state][atom.kind]
        else:
            return False
        self.words.append(atom.word)
        return True


def grouped_digits(text: str) -> str:
    """The digits of a number grouped in thousands without a sign ("4,111" -> "4111", "1.234,"
    -> "1234"), else "" (an amount "$1,250", a decimal "12.75", any other word)."""
    grouped = _SHORT_GROUPED.match(plain(text).strip())
    return "" if grouped is None else re.sub(r"[,.]", "", grouped.group(1))


def _plain_numeral_digits(atoms: list[Atom]) -> int:
    """Digits a word writes as numerals only, not grouped in thousands ("1111" 4, "4111-1111" 8), else 0."""
    return sum(len(str(a.value)) for a in atoms) if atoms and all(a.kind == "digits" for a in atoms) else 0


def _word_atoms(words: Sequence[TimedWord]) -> list[Atom]:
    """Every word's atoms, a number grouped in thousands ("4,111", an amount alone) read as its
    digits when it stands in a run of numerals beside a plain one of MIN_NEIGHBOUR_DIGITS digits
    or more: "4,111 1111 1111 1111", "1.234 5678 ...", "4111 1,111 1,111 1,111" are a card as
    recognizers and locales group it, whose first (or any) group must not stay heard and
    written. A number so grouped alone, beside words, or among others grouped so only (a list
    of amounts, "1,250 1,300 1,400") stays an ordinary word."""
    atoms = [atoms_of(word.text, index) for index, word in enumerate(words)]
    grouped = [grouped_digits(word.text) for word in words]
    read = [not g and _plain_numeral_digits(a) >= MIN_NEIGHBOUR_DIGITS for a, g in zip(atoms, grouped)]
    for order in (range(len(words)), range(len(words) - 1, -1, -1)):  # along a run, both ways
        for k in order:
            if grouped[k] and not read[k]:
                read[k] = (k > 0 and read[k - 1]) or (k + 1 < len(words) and read[k + 1])
    out: list[Atom] = []
    for index, word_atoms in enumerate(atoms):
        out += [Atom("digits", grouped[index], index)] if grouped[index] and read[index] else word_atoms
    return out


def pieces(words: Sequence[TimedWord]) -> list[Piece]:
    """Words (in time order) as pieces: digit groups with their words, and other words."""
    atoms = _word_atoms(words)
    out: list[Piece] = []
    compound = _Compound()
    month_word: int | None = None  # the latest month name's word
    day_word: int | None = None  # the word of an ordinal read as digits right after a month name

    def emit(digits: str, word_indices: list[int]) -> None:
        indices = tuple(sorted(set(word_indices)))
        out.append(Piece(digits, indices, words[indices[0]].start_s, words[indices[-1]].end_s))

    def flush() -> None:
        nonlocal compound
        if compound.value is not None:
            emit(str(compound.value), compound.words)
        compound = _Compound()

    i = 0
    while i < len(atoms):
        atom = atoms[i]
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        if _one_of_a_phrase(atom, nxt, words):
            atom = Atom("other", "", atom.word)
        if atom.kind == "repeat" and nxt is not None and _single_digit(nxt):
            flush()
            emit(str(_digit_value(nxt)) * int(atom.value), [atom.word, nxt.word])
            i += 2
            continue
        if atom.kind == "ordinal":
            flush()
            the = (month_word == atom.word - 2 and out[-1].words == (atom.word - 1,)
                   and words[atom.word - 1].text.strip().lower() == "the")
            if the:  # "December the 29th": one date, "the" a filler inside it
                out[-1] = Piece("", out[-1].words, out[-1].start_s, out[-1].end_s, filler=True)
            after_month = month_word == atom.word - 1 or the
            # and one more right after it: the year written as an ordinal too ("December 20th, 28th")
            after_day = day_word == atom.word - 1
            atom = Atom("digits", atom.value, atom.word) if after_month or after_day else Atom("other", "", atom.word)
            day_word = atom.word if after_month else None
        if compound.take(atom):
            i += 1
            continue
        if atom.kind == "filler" and nxt is not None and compound.state in ("hundred", "thousand") and compound.wants(nxt.kind):
            compound.words.append(atom.word)  # "one hundred and five"
            i += 1
            continue
        flush()
        if compound.take(atom):
            i += 1
            continue
        if atom.kind == "digits":
            emit(str(atom.value), [atom.word])
        elif atom.kind == "month":
            emit(f"{int(atom.value):02d}", [atom.word])
            month_word = atom.word
        else:  # filler, other, a lone repeat/hundred/thousand
            word = words[atom.word]
            out.append(Piece("", (atom.word,), word.start_s, word.end_s, filler=atom.kind == "filler"))
        i += 1
    flush()
    return out


def _one_of_a_phrase(atom: Atom, nxt: Atom | None, words: Sequence[TimedWord]) -> bool:
    """True for the atom of the "one" of "one moment" (``one_of_a_phrase``)."""
    return nxt is not None and nxt.kind == "other" and nxt.word == atom.word + 1 and one_of_a_phrase(words, atom.word)


def one_of_a_phrase(words: Sequence[TimedWord], k: int) -> bool:
    """True when word ``k`` is the "one" of "one moment" (``ONE_BEFORE``): a word saying only
    "one" (or "1"), the next word's first part one of those."""
    if k + 1 >= len(words):
        return False
    first = next((part for part in _SPLIT.split(words[k + 1].text.lower()) if part), "")
    return first in ONE_BEFORE and digits_said(words[k].text) == "1"


def _single_digit(atom: Atom) -> bool:
    return atom.kind == "unit" or (atom.kind == "digits" and len(str(atom.value)) == 1)


def _digit_value(atom: Atom) -> int:
    return int(atom.value)
