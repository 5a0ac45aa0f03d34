from __future__ import annotations

from redaction.sound_chains import MAX_GAP_S, MIN_CHAIN_SOUNDS, chains, uncovered_chains_s


def _card(start_s: float, count: int = 16, pace_s: float = 0.45) -> list[tuple[float, float]]:
    """A number sound per digit, each heard in two frames 20 ms apart (the network's hop)."""
    out = []
    for k in range(count):
        t = round(start_s + k * pace_s, 3)
        out += [(t, 0.9), (round(t + 0.02, 3), 0.6)]
    return out


def test_sounds_close_together_are_one_and_a_long_gap_ends_a_chain() -> None:
    sounds = _card(10.0, 16) + _card(30.0, 4)
    assert chains(sounds) == [(10.0, 16.77, 16), (30.0, 31.37, 4)]
    # any order; a gap of MAX_GAP_S still joins, a longer one parts
    assert chains(list(reversed(sounds))) == chains(sounds)
    assert chains([(1.0, 0.5), (1.0 + MAX_GAP_S, 0.5)]) == [(1.0, 2.0, 2)]
    assert chains([(1.0, 0.5), (1.01 + MAX_GAP_S, 0.5)]) == [(1.0, 1.0, 1), (2.01, 2.01, 1)]
    assert chains([]) == []


def test_a_chain_as_long_as_a_card_that_the_words_did_not_cover_is_a_card() -> None:
    card = _card(10.0, MIN_CHAIN_SOUNDS)
    assert uncovered_chains_s(card, []) == [(10.0, 16.32)]
    # a phone number's worth (11 sounds) is none; nor is a card the words' card data covers
    assert uncovered_chains_s(_card(10.0, 11), []) == []
    assert uncovered_chains_s(card, [(9.8, 13.5)]) == []  # 3.5 of its 6.3 s covered
    assert uncovered_chains_s(card, [(9.8, 12.0)]) == [(10.0, 16.32)]  # 2.0 s covered: less than half
    # a card read in four groups with pauses under MAX_GAP_S between them is one chain
    groups = [s for g in range(4) for s in _card(10.0 + g * 2.2, 4)]
    assert uncovered_chains_s(groups, []) == [(10.0, 17.97)]  # gaps of 0.83 s between the groups
