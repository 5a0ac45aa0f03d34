"""Wordings drawn per call from parts (tools/evalcalls/wording.py), and the call shapes they vary."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tools.evalcalls import scripts, wording
from tools.evalcalls.scripts import UNSEEN, card_call, harmless_call

#: Words of the held-out wording no generated call may say (its lead-ins and asks, not common words).
UNSEEN_WORDS = ("transaction", "mobile", "run out", "end date", "c v c", "security number", "valid until", "purse",
                "wallet", "order reference", "we're at", "grab", "full card number", "starting with")


def _drawn(seed: int) -> scripts.Phrases:
    return wording.generated(np.random.default_rng(seed))


def _phrases_of(p: scripts.Phrases) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for field in dataclasses.fields(scripts.Phrases):
        value = getattr(p, field.name)
        if isinstance(value, (list, tuple)):
            out[field.name] = {v[1] if isinstance(v, tuple) else v for v in value}
    return out


def test_a_wording_is_drawn_from_the_rng_alone_and_differs_from_call_to_call():
    assert _drawn(3) == _drawn(3)
    assert len({tuple(_drawn(seed).ask_card) for seed in range(30)}) >= 20
    assert len({_drawn(seed).reference_lead for seed in range(60)}) >= 5
    assert all(_drawn(seed).variations for seed in range(5))


@pytest.mark.parametrize("seed", range(200))
def test_no_generated_phrase_is_the_held_out_wordings(seed):
    unseen = _phrases_of(UNSEEN)
    for field, said in _phrases_of(_drawn(seed)).items():
        assert not said & unseen[field], field
        for phrase in said:
            assert not any(word in phrase for word in UNSEEN_WORDS), (field, phrase)


def _shape(turns: list[scripts.Turn]) -> list[tuple[str, str]]:
    """(role, kind of the turn's first unit that is not neutral)."""
    return [(t.role, next(u.kind for u in t.units if u.kind != "neutral")) for t in turns]


@pytest.mark.parametrize("human", [False, True])
def test_every_variation_of_the_call_shape_is_drawn_and_keeps_the_card_data(human):
    seen = set()
    for seed in range(300):
        rng = np.random.default_rng(seed)
        turns = card_call(rng, human=human, phrases=wording.generated(rng))
        shape = _shape(turns)
        units = [u for t in turns for u in t.units]
        assert sum(u.digits for u in units if u.kind == "card") in (15, 16)
        kinds = [k for _, k in shape]
        cards = [i for i, (role, k) in enumerate(shape) if k == "card" and role == "caller"]
        codes = [i for i, (role, k) in enumerate(shape) if k == "code"]
        if len(cards) == 2 and shape[cards[0] + 1] == ("agent", "other"):
            seen.add("acknowledged mid-card")
        if codes and kinds.index("code") < kinds.index("expiry"):
            seen.add("code before expiry")
        if ("agent", "expiry") in shape:
            seen.add("expiry read back")
        if len(codes) == 2:
            seen.add("code said again")
        if "harmless" in kinds and any(t.role == "agent" and t.units[0].text in scripts.BILLING_ASKS for t in turns):
            assert kinds.index("harmless") > max(codes)
            seen.add("billing numbers after the code")
    assert seen == {"acknowledged mid-card", "code before expiry", "expiry read back", "code said again",
                    "billing numbers after the code"}


@pytest.mark.parametrize("seed", range(20))
def test_a_human_callers_digits_are_digit_words_in_every_generated_call(seed):
    rng = np.random.default_rng(seed)
    for make in (card_call, harmless_call):
        for turn in make(rng, human=True, phrases=wording.generated(rng)):
            if turn.human:
                assert all(u.text.rstrip(",.").split()[-1] in (*scripts.DIGIT_WORDS, "oh") for u in turn.units)


def test_the_fixed_wordings_draw_nothing_and_an_unknown_one_is_refused():
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert wording.phrases_for("unseen", rng) is UNSEEN
    assert rng.bit_generator.state == state
    assert set(wording.NAMES) == {*scripts.SCRIPTS, "gen"}
    with pytest.raises(ValueError, match="script must be one of"):
        wording.phrases_for("festival", rng)
