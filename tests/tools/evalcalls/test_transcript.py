"""An evaluation call's transcript made from its ground truth: numerals per group or digit, the
clock shifted, a card word dropped, written in the simple format the product reads back."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.transcripts import simple
from tools.evalcalls import calls
from tools.evalcalls.calls import EvalCall, Span
from tools.evalcalls.transcript import Condition, parse_condition, right_words, simple_text, transcript_words

UNIT, STEP = 4000, 8000  # each unit 0.5 s of sound, one a second (8 kHz samples)


def _call(kind: str = "card", seed: int = 5) -> EvalCall:
    """A call whose units are those ``make_call`` would say, each at a known time, with no audio made."""
    _, turns = calls._drawn("en-us", kind, seed, 0)
    units = [(unit, turn.role) for turn in turns for unit in turn.units]
    spans = tuple(Span(i * STEP, i * STEP + UNIT, u.kind, u.digits, role) for i, (u, role) in enumerate(units))
    return EvalCall("en-us", kind, seed, 0, np.zeros(len(units) * STEP, np.float32), spans)


def _card_numerals(call: EvalCall, numerals: str) -> list:
    return [w for w, kind in right_words(call, numerals) if kind == "card"]


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_a_card_group_is_one_numeral_word_over_its_units_and_ordinary_words_are_kept():
    call = _call()
    groups = _card_numerals(call, "group")
    number = "".join(w.text for w in groups)
    assert len(number) in (15, 16) and number.isdigit() and _luhn_ok(number)
    assert [len(w.text) for w in groups] in ([4, 4, 4, 4], [4, 6, 5])
    card_spans = [s for s in call.spans if s.kind == "card"]
    assert groups[0].start_s == card_spans[0].start / 8000 and groups[-1].end_s == card_spans[-1].end / 8000
    words = [w.text for w, kind in right_words(call) if kind == "other"]
    said = [t.rstrip(",.?!") for _, turns in [calls._drawn("en-us", "card", 5, 0)] for turn in turns
            for unit in turn.units if unit.kind == "other" for t in unit.text.split()]
    assert words == [t for t in said if t]
    first = right_words(call)[0][0]
    assert first.start_s == 0.0 and first.end_s < 0.5  # a phrase's words spread over its 0.5 s


def test_per_digit_numerals_are_the_same_digits_one_word_each_inside_their_units():
    call = _call()
    digits = _card_numerals(call, "digit")
    assert all(len(w.text) == 1 for w in digits)
    assert "".join(w.text for w in digits) == "".join(w.text for w in _card_numerals(call, "group"))
    assert all(any(s.start / 8000 <= w.start_s < w.end_s <= s.end / 8000 for s in call.spans) for w in digits)


def test_double_and_oh_are_written_as_their_digits():
    for seed in range(40):  # a call whose card is read with a "double" (drawn: 40 % of synthetic callers)
        _, turns = calls._drawn("en-us", "card", seed, 0)
        if any(u.kind == "card" and u.text.startswith("double") for t in turns for u in t.units):
            break
    call = _call(seed=seed)
    said = [u for _, turns in [calls._drawn("en-us", "card", seed, 0)] for t in turns for u in t.units
            if u.kind == "card"]
    digits = _card_numerals(call, "digit")
    assert sum(u.digits for u in said) == len(digits)
    index = next(i for i, u in enumerate(said) if u.text.startswith("double"))
    at = sum(u.digits for u in said[:index])
    assert digits[at].text == digits[at + 1].text and digits[at].end_s == digits[at + 1].start_s


def test_a_late_or_early_clock_moves_every_word_and_keeps_to_the_audio():
    call = _call()
    right = transcript_words(call)
    late = transcript_words(call, parse_condition("late:1"))
    assert [w.text for w in late] == [w.text for w in right][: len(late)]
    assert all(b.start_s == pytest.approx(a.start_s + 1.0) for a, b in zip(right, late))
    assert max(w.end_s for w in late) <= call.duration_s
    assert len(late) < len(right)  # the last unit's words (0.5 s from the end) ran past the audio
    early = transcript_words(call, parse_condition("early:2"))
    assert min(w.start_s for w in early) == 0.0
    assert early[-1].start_s == pytest.approx(right[-1].start_s - 2.0)


def test_a_split_clock_moves_the_second_half_and_a_stretched_one_every_word_more_and_more():
    call = _call()
    right = transcript_words(call)
    split = transcript_words(call, parse_condition("split:2"))
    half_s = call.duration_s / 2
    assert [w for w in split if w.start_s < half_s] == [w for w in right if w.start_s < half_s]
    assert all(b.start_s == pytest.approx(a.start_s + 2.0) for a, b in zip(right, split) if a.start_s >= half_s)
    stretched = transcript_words(call, parse_condition("stretch:0.9"))
    assert [w.text for w in stretched] == [w.text for w in right]
    assert all(b.start_s == pytest.approx(a.start_s * 0.9, abs=1e-3) for a, b in zip(right, stretched))


def test_a_dropped_card_word_is_the_last_or_first_and_nothing_else_changes():
    call = _call()
    right, groups = transcript_words(call), _card_numerals(call, "group")
    for where, gone in (("last", groups[-1]), ("first", groups[0])):
        dropped = transcript_words(call, parse_condition(f"drop-card-word:{where}"))
        assert len(dropped) == len(right) - 1 and gone not in dropped
        assert [w for w in right if w != gone] == dropped
    assert parse_condition("drop-card-word") == Condition(drop="last")


def test_a_harmless_call_has_numerals_but_no_card_words():
    words = right_words(_call("harmless", 3))
    assert not any(kind in ("card", "expiry", "code") for _, kind in words)
    assert any(w.text.isdigit() for w, kind in words if kind == "harmless")


@pytest.mark.parametrize("text", ["late", "late:", "late:x", "late:0", "early:-1", "late:nan", "sideways",
                                  "right:1", "drop-card-word:middle", "split:0", "split:x", "stretch:1",
                                  "stretch:3", "stretch:"])
def test_a_bad_condition_is_refused_naming_it(text):
    with pytest.raises(ValueError, match="transcript condition"):
        parse_condition(text)


def test_conditions_parse_and_name_themselves():
    assert parse_condition("early:0.5") == Condition(-0.5)
    assert [parse_condition(t).name for t in ("right", "early:0.5", "late:2", "drop-card-word", "split:2",
                                              "stretch:1.02")] == [
        "right", "early:0.5", "late:2", "drop-card-word:last", "split:2", "stretch:1.02"]


def test_the_simple_text_reads_back_through_the_products_reader_as_the_same_words():
    words = transcript_words(_call())
    assert simple.FORMAT.read(simple_text(words)).words == tuple(words)


def test_a_call_its_turns_do_not_match_is_refused():
    call = _call()
    other = EvalCall(call.voice, call.kind, call.seed + 1, 0, call.audio, call.spans)
    with pytest.raises(ValueError, match="do not match its ground truth"):
        right_words(other)
    with pytest.raises(ValueError, match="numerals"):
        right_words(call, "roman")
