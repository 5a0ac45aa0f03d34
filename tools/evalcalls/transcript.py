"""A provider's word-timed transcript of an evaluation call, made from its ground truth (issue 9).

Every unit of the call (``calls.turns_of``: the agent's and the caller's ordinary words too) becomes
words spread over the unit's span in proportion to their letters. Digits read one by one (card,
expiry, code, harmless digits: "four", "oh", "double four") are written as numerals, as providers
write them: ``numerals="group"`` one word per group read without a break ("4111", the way a
provider's formatter joins them), ``"digit"`` one word per digit ("4" "1" "1" "1"). Other number
words (months, teens and tens, prices and times said in a phrase) stay words.

A ``Condition`` says how the transcript differs from the right one (``parse_condition``):

- ``right``: on the audio's clock;
- ``early:S`` / ``late:S``: every word S seconds before / after where it was said (a provider's clock
  off); words that fall wholly outside the audio are left out and those partly outside are cut at
  its edge (the product refuses a transcript past the audio's end: ``engine.check_words``);
- ``drop-card-word`` (``:last``, the default, or ``:first``): the right clock, but the last (first)
  word of the card number missing: in ``group`` numerals a whole group, in ``digit`` one digit;
- ``split:S``: right in the call's first half, S seconds late in its second (a pause the provider's
  recording had and the audio has not, or the other way round: off by different amounts in different
  parts);
- ``stretch:F``: every time F times where it was said (a transcript timed at another rate: off by
  more and more).

``simple_text`` writes the words in the project's ``simple`` format (``redaction.transcripts.simple``),
which the bench reads back through the product's own transcript reader. Card data lives in these
words: they are handed to the product, never printed or logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redaction.words import TimedWord
from tools.evalcalls.calls import EvalCall, turns_of
from tools.evalcalls.scripts import Unit
from tools.evalcalls.voices import DIGIT_WORDS, RATE_HZ

NUMERALS = ("group", "digit")
_DIGIT_OF = {**{word: str(d) for d, word in enumerate(DIGIT_WORDS)}, "oh": "0"}
_REPEATS = {"double": 2, "triple": 3}
_DIGIT_KINDS = ("card", "expiry", "code", "harmless")


@dataclass(frozen=True)
class Condition:
    """How a transcript differs from the right one: its clock ``shift_s`` late (negative: early),
    and ``drop``, the card word left out ("first", "last"; None: none)."""

    shift_s: float = 0.0
    drop: str | None = None
    #: ``split:S``: only the words of the call's second half are ``shift_s`` late
    split: bool = False
    #: ``stretch:F``: every time F times where it was said
    rate: float = 1.0

    @property
    def name(self) -> str:
        if self.drop:
            return f"drop-card-word:{self.drop}"
        if self.split:
            return f"split:{self.shift_s:g}"
        if self.rate != 1.0:
            return f"stretch:{self.rate:g}"
        if self.shift_s:
            return f"{'late' if self.shift_s > 0 else 'early'}:{abs(self.shift_s):g}"
        return "right"


def parse_condition(text: str) -> Condition:
    """``right``, ``early:S``, ``late:S``, ``split:S`` (S seconds, > 0), ``stretch:F`` or
    ``drop-card-word[:first|last]``; a ValueError naming what is wrong otherwise."""
    name, _, value = text.partition(":")
    if name == "right" and not value:
        return Condition()
    if name == "drop-card-word" and value in ("", "first", "last"):
        return Condition(drop=value or "last")
    if name in ("early", "late"):
        try:
            shift_s = float(value)
        except ValueError:
            shift_s = float("nan")
        if not 0.0 < shift_s < 60.0:
            raise ValueError(f"transcript condition {text!r}: {name} needs seconds in (0, 60), e.g. {name}:0.5")
        return Condition(shift_s if name == "late" else -shift_s)
    if name in ("split", "stretch"):
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if name == "split" and 0.0 < number < 60.0:
            return Condition(number, split=True)
        if name == "stretch" and 0.5 <= number <= 2.0 and number != 1.0:
            return Condition(rate=number)
        raise ValueError(f"transcript condition {text!r}: {name} needs "
                         + ("seconds in (0, 60), e.g. split:2" if name == "split" else "a rate in [0.5, 2] but 1, e.g. stretch:1.02"))
    raise ValueError(f"transcript condition {text!r}: expected right, early:S, late:S, split:S, stretch:F or "
                     "drop-card-word[:first|last]")


def _digits(unit: Unit) -> str | None:
    """The numerals of a unit read digit by digit ("double four," -> "44"), None for any other unit."""
    if unit.kind not in _DIGIT_KINDS:
        return None
    out, times = "", 1
    for token in unit.text.rstrip(",.?").split():
        if token in _REPEATS and times == 1:
            times = _REPEATS[token]
        elif token in _DIGIT_OF:
            out, times = out + _DIGIT_OF[token] * times, 1
        else:
            return None
    return out if out and times == 1 else None


def _spread(text: str, start_s: float, end_s: float) -> list[TimedWord]:
    """The words of ``text`` (trailing punctuation off) over [start_s, end_s], each by its letters."""
    words = [w.rstrip(",.?!") for w in text.split()]
    words = [w for w in words if w]
    total = sum(len(w) + 1 for w in words)
    out, at = [], 0
    for word in words:
        a = start_s + (end_s - start_s) * at / total
        at += len(word) + 1
        b = start_s + (end_s - start_s) * (at - 1) / total
        out.append(TimedWord(round(a, 3), round(b, 3), word))
    return out


def _numeral_words(units: Sequence[tuple[Unit, float, float]], numerals: str) -> list[TimedWord]:
    """One turn's consecutive digit units of one kind as numeral words: per group (a unit ending
    in "," or "." closes it) or per digit."""
    out: list[TimedWord] = []
    group: list[tuple[str, float, float]] = []
    for unit, a, b in units:
        digits = _digits(unit)
        if numerals == "digit":
            step = (b - a) / len(digits)
            out += [TimedWord(round(a + i * step, 3), round(a + (i + 1) * step, 3), d) for i, d in enumerate(digits)]
            continue
        group.append((digits, a, b))
        if unit.text.endswith((",", ".")):
            out.append(TimedWord(round(group[0][1], 3), round(group[-1][2], 3), "".join(g[0] for g in group)))
            group = []
    if group:
        out.append(TimedWord(round(group[0][1], 3), round(group[-1][2], 3), "".join(g[0] for g in group)))
    return out


def right_words(call: EvalCall, numerals: str = "group") -> list[tuple[TimedWord, str]]:
    """(word, kind of the unit it came from) of ``call``'s transcript on the right clock."""
    if numerals not in NUMERALS:
        raise ValueError(f"numerals must be one of {NUMERALS}, got {numerals!r}")
    spans = iter(call.spans)
    out: list[tuple[TimedWord, str]] = []
    for turn in turns_of(call):
        run: list[tuple[Unit, float, float]] = []  # consecutive digit units of one kind

        def flush() -> None:
            out.extend((word, run[0][0].kind) for word in _numeral_words(run, numerals))
            run.clear()

        for unit in turn.units:
            span = next(spans)
            a, b = span.start / RATE_HZ, span.end / RATE_HZ
            if _digits(unit) is not None:
                if run and run[0][0].kind != unit.kind:
                    flush()
                run.append((unit, a, b))
                continue
            if run:
                flush()
            out += [(word, unit.kind) for word in _spread(unit.text, a, b)]
        if run:
            flush()
    return out


def transcript_words(call: EvalCall, condition: Condition = Condition(), numerals: str = "group") -> list[TimedWord]:
    """``call``'s transcript as a provider under ``condition`` would give it (see the module's text)."""
    words = right_words(call, numerals)
    if condition.drop:
        card = [i for i, (_, kind) in enumerate(words) if kind == "card"]
        if card:
            del words[card[-1] if condition.drop == "last" else card[0]]
    out = []
    for word, _ in words:
        shift_s = 0.0 if condition.split and word.start_s < call.duration_s / 2 else condition.shift_s
        a = max(0.0, word.start_s * condition.rate + shift_s)
        b = min(call.duration_s, word.end_s * condition.rate + shift_s)
        if b > a:
            out.append(TimedWord(round(a, 3), round(b, 3), word.text))
    return out


def simple_text(words: Sequence[TimedWord]) -> str:
    """``words`` in the ``simple`` transcript format (one ``start_s end_s word`` line each)."""
    lines = ["# callrec words: start_s end_s word"]
    lines += [f"{w.start_s:.3f} {w.end_s:.3f} {w.text}" for w in words]
    return "\n".join(lines) + "\n"
