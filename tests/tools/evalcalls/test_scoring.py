"""Scoring against ground truth: exact digit, leak, speech and gate counts."""

from __future__ import annotations

import numpy as np

from tools.evalcalls.baseline import number_runs, weight
from tools.evalcalls.calls import CHANNEL_OF_ROLE, EvalCall, Span, dual_channel
from tools.evalcalls.scoring import coverage_s, score

R = 8000


def _call() -> EvalCall:
    spans = [Span(0, 2 * R, "other", 0, "agent")]
    spans += [Span((3 + i) * R, (3 + i) * R + R // 2, "card", 1, "caller") for i in range(8)]  # 8 digits at 3..10 s
    spans += [Span(12 * R, 13 * R, "expiry", 2, "caller"), Span(13 * R, 13 * R + R // 4, "neutral", 0, "caller"),
              Span(14 * R, 16 * R, "harmless", 0, "agent")]
    return EvalCall("en-us", "card", 1, 0, np.zeros(17 * R, np.float32), tuple(spans))


def test_coverage_counts_overlapping_masks_once():
    assert coverage_s(0.0, 10.0, [(1.0, 3.0), (2.0, 4.0), (9.0, 12.0)]) == 4.0
    assert coverage_s(5.0, 6.0, [(0.0, 1.0)]) == 0.0


def test_digits_masked_leaks_and_speech():
    call = _call()
    # digits 0-3 fully masked, digit 4 only 60 % (audible), 5-7 audible; expiry masked; 0.5 s of other speech
    masks = [(3.0, 6.5), (7.0, 7.3), (12.0, 13.0), (1.5, 2.0)]
    s = score(call, masks)
    assert (s.digits, s.digits_masked) == (10, 6)
    assert (s.cards, s.leaky_cards) == (1, 1)  # 4 audible in a row: digits 4..7
    assert s.speech_s == 4.0 and s.speech_masked_s == 0.5
    assert s.harmless_s == 2.0 and s.harmless_masked_s == 0.0
    assert s.misses == (("card", 1),) * 4 and s.gate_digits is None


def test_three_audible_digits_in_a_row_are_not_a_leak():
    s = score(_call(), [(3.0, 6.5), (7.0, 7.5), (12.0, 13.0)])
    assert s.digits_masked == 7 and s.leaky_cards == 0


def test_gate_recall_counts_digits_inside_the_regions():
    s = score(_call(), [], gate_s=[(2.9, 5.6), (11.0, 13.5)])
    assert s.gate_digits == 3 + 2  # digits at 3, 4, 5 s and the two-digit expiry unit
    assert s.gate_misses == (("card", 1),) * 5


def test_baseline_masks_runs_of_three_number_words():
    words = [(0.0, 0.5, " my"), (0.5, 1.0, " four"), (1.0, 1.5, " one"), (1.5, 2.0, " two"), (2.0, 2.5, " thanks"),
             (3.0, 3.5, " 4111"), (4.0, 4.5, " two"), (4.5, 5.0, " ten"), (5.0, 5.5, " minutes"),
             (6.0, 6.5, " $49.99")]
    assert weight(" Twenty,") == 1 and weight(" $49.99") == 4 and weight(" hello") == 0
    assert number_runs(words) == [(0.5, 2.0), (3.0, 5.0), (6.0, 6.5)]  # no pause breaks a run


def test_a_dual_channel_call_scores_each_unit_on_its_speaker_s_masks():
    call = _call()
    by_role = {"caller": [(3.0, 11.0), (12.0, 13.0)], "agent": [(1.5, 2.0)]}
    s = score(call, by_role)
    assert (s.digits, s.digits_masked, s.leaky_cards) == (10, 10, 0)
    assert s.speech_masked_s == 0.5  # the agent's own mask over its speech
    quiet_agent = score(call, {"caller": [(0.0, 17.0)], "agent": []})
    assert quiet_agent.digits_masked == 10 and quiet_agent.speech_masked_s == 0.0  # the caller's masks hide no agent


def test_an_echoing_dual_channel_call_masks_card_data_only_where_every_channel_masks_it():
    call = _call()
    by_role = {"caller": [(3.0, 11.0), (12.0, 13.0)], "agent": [(1.5, 2.0)]}  # the caller's channel alone
    assert score(call, by_role).digits_masked == 10
    echoed = score(call, by_role, echoed=True)  # the caller's data echoed on the agent's line, unmasked
    assert echoed.digits_masked == 0 and echoed.speech_masked_s == 0.5  # other speech: its speaker's channel
    both = {"caller": by_role["caller"], "agent": [(1.5, 2.0), *by_role["caller"]]}
    assert score(call, both, echoed=True).digits_masked == 10


def test_a_dual_channel_call_sums_to_the_mono_call_each_party_on_its_channel():
    spans = (Span(100, 300, "other", 0, "agent"), Span(400, 600, "card", 1, "caller"), Span(650, 700, "other", 0, "agent"))
    audio = np.arange(1, 801, dtype=np.float32)
    stereo = dual_channel(EvalCall("en-us", "card", 1, 0, audio, spans))
    assert stereo.shape == (800, 2) and np.array_equal(stereo.sum(axis=1), audio)
    assert CHANNEL_OF_ROLE == {"caller": 0, "agent": 1}
    # before the first unit and up to the caller's: the agent's line; then the caller's until the agent's next unit
    assert not stereo[:400, 0].any() and not stereo[400:650, 1].any() and not stereo[650:, 0].any()


def test_a_dual_channel_call_may_echo_each_party_on_the_other_s_line():
    spans = (Span(0, 400, "other", 0, "agent"), Span(400, 800, "card", 1, "caller"))
    audio = np.ones(800, np.float32)
    clean = dual_channel(EvalCall("en-us", "card", 1, 0, audio, spans))
    echoing = dual_channel(EvalCall("en-us", "card", 1, 0, audio, spans), echo_db=-20.0, echo_delay_s=0.01)
    assert np.allclose(echoing[:, 0], clean[:, 0] + 0.1 * np.r_[np.zeros(80), clean[:-80, 1]])
    assert np.allclose(echoing[:, 1], clean[:, 1] + 0.1 * np.r_[np.zeros(80), clean[:-80, 0]])
