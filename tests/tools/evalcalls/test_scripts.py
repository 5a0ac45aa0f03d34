"""The calls' wording: the dev script the card logic was developed on, more to tune on, and a held-out one."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tools.evalcalls import scripts
from tools.evalcalls.scripts import ALT, ALT_US, DEV, SCRIPTS, UNSEEN, card_call, harmless_call


def _texts(turns: list[scripts.Turn], role: str | None = None) -> list[str]:
    return [u.text for t in turns if role is None or t.role == role for u in t.units]


#: The dev wording's turns for seeds 0-19 (card and harmless calls, synthetic and human callers) as
#: scripts.py made them before the wordings were added (9006e1d): every dev figure before session 35
#: was measured on these calls, so the default wording must still draw and say exactly them.
DEV_TURNS_SHA256 = "d8eda27685e5b6d23f85cd351cd5ee0ebbd7093538c6c7218890f9fa928d56a2"


def _digest(**phrases: scripts.Phrases) -> str:
    h = hashlib.sha256()
    for seed in range(20):
        for human in (False, True):
            for make in (card_call, harmless_call):
                turns = make(np.random.default_rng(seed), human=human, **phrases)
                h.update(repr([(t.role, [(u.text, u.kind, u.digits) for u in t.units], t.pause_before_s, t.human)
                               for t in turns]).encode())
    return h.hexdigest()


def test_the_dev_script_is_the_default_wording_and_says_what_it_said_before_there_were_others():
    assert _digest() == _digest(phrases=DEV) == DEV_TURNS_SHA256
    assert _digest(phrases=ALT) != DEV_TURNS_SHA256


@pytest.mark.parametrize(("one", "other"), [(DEV, UNSEEN), (DEV, ALT), (ALT, UNSEEN), (ALT_US, DEV), (ALT_US, ALT),
                                            (ALT_US, UNSEEN)])
def test_no_two_scripts_share_an_agent_ask_or_a_lead_in(one, other):
    for field in ("greetings", "card_reasons", "ask_card", "card_leads", "ask_expiry", "ask_code", "hesitations",
                  "answer_leads", "closings", "small_talk", "harmless_openings", "harmless_agent"):
        assert not set(getattr(one, field)) & set(getattr(other, field)), field
    assert not set(one.harmless_leads) & set(other.harmless_leads)
    assert not set(one.volunteered_leads) & set(other.volunteered_leads)
    assert one.reference_lead != other.reference_lead
    assert set(SCRIPTS) == {"dev", "unseen", "alt", "alt-us"}


@pytest.mark.parametrize("seed", range(40))
def test_an_unseen_card_call_carries_the_same_card_data_in_other_words(seed):
    turns = card_call(np.random.default_rng(seed), human=False, phrases=UNSEEN)
    said = _texts(turns)
    units = [u for t in turns for u in t.units]
    card = sum(u.digits for u in units if u.kind == "card")
    code = sum(u.digits for u in units if u.kind == "code")
    assert (card, code) in ((16, 3), (15, 4))
    assert 3 <= sum(u.digits for u in units if u.kind == "expiry") <= 4
    agent = set(_texts(turns, "agent"))
    assert agent.isdisjoint(DEV.ask_card + DEV.ask_expiry + DEV.ask_code)
    assert any(text in UNSEEN.ask_card for text in agent)
    assert said[-1] == UNSEEN.closings[-1][1]


def test_an_unseen_harmless_call_reads_its_numbers_after_its_own_lead_ins():
    leads = set()
    for seed in range(30):
        turns = harmless_call(np.random.default_rng(seed), human=True, phrases=UNSEEN)
        assert not any(u.kind in scripts.SENSITIVE for t in turns for u in t.units)
        leads |= set(_texts(turns, "caller")) & set(UNSEEN.harmless_leads)
    assert leads == set(UNSEEN.harmless_leads)  # a human reads order, phone and house numbers
