from __future__ import annotations

from redaction.answers import answer_window_s, answer_windows
from redaction.card_words import Ask
from redaction.cards import find_entities, find_in_pass1
from redaction.words import TimedWord


def _said(start_s: float, text: str, pace_s: float = 0.3) -> list[TimedWord]:
    """Timed words for ``text``, one every ``pace_s`` from ``start_s``."""
    return [TimedWord(round(start_s + k * pace_s, 3), round(start_s + k * pace_s + 0.25, 3), w)
            for k, w in enumerate(text.split())]


def test_an_answer_window_runs_from_the_asks_sentence_to_where_the_agent_speaks_again() -> None:
    words = _said(2.0, "Lovely. And the expiry date please?") + _said(5.0, "erm so big") + _said(9.0, "Thank you.")
    assert answer_window_s(Ask("expiry", 3), words) == (3.75, 9.0)  # "please?" ends 3.75 s; "Thank" 9.0 s
    assert answer_window_s(Ask("expiry", 3), words[:9]) == (3.75, float("inf"))  # the agent not heard again
    # a sentence after the ask that still asks ("The last three digits ...") is the agent's too
    words = _said(2.0, "And the security code please? The last three digits on the back.") + _said(7.0, "one two")
    assert answer_window_s(Ask("code", 3), words) == (5.55, float("inf"))  # "back." ends 5.55 s
    # the agent speaks again: a harmless number's lead word, the next question, the closing
    # (from 5.0 s: "erm", then a word every 0.3 s)
    for then, again_s in (("your payment reference is", 5.6), ("Right. And the", 5.6), ("Lovely.", 5.3),
                          ("you will get a confirmation shortly", 6.5)):
        words = _said(2.0, "And the code on the back please?") + _said(5.0, "erm " + then)
        assert answer_window_s(Ask("code", 2), words) == (4.05, again_s)


def test_thank_you_right_after_the_ask_is_no_agent_speaking_again() -> None:
    """Whisper wrote "Thank you" over the silence after the code ask (or the caller's first words): the agent
    thanks after an answer, not before one; the window goes on to where the agent speaks next."""
    words = _said(2.0, "And the code on the back please?") + _said(5.0, "Thank you very") + _said(9.0, "Lovely.")
    assert answer_window_s(Ask("code", 2), words) == (4.05, 9.0)  # "please?" ends 4.05 s; "Lovely." 9.0 s
    words = _said(2.0, "And the code on the back please?") + _said(5.0, "erm thank you") + _said(9.0, "Lovely.")
    assert answer_window_s(Ask("code", 2), words) == (4.05, 5.3)  # after a word of the caller's: the agent's


def test_the_agents_thanks_with_its_own_amount_after_them_is_the_agent_speaking_again() -> None:
    """Session 56's review: the caller's answer unheard, the agent's real "Thank you" came straight after the
    ask and was passed over, so the window (and the number sounds in it) ran over the agent's own amount."""
    words = _said(2.0, "And the security code please?") + _said(5.0, "Thank you, that's £45.20 taken today.")
    assert answer_window_s(Ask("code", 3), words) == (3.45, 5.0)  # "please?" ends 3.45 s; "Thank" 5.0 s
    words = _said(2.0, "And the security code please?") + _said(5.0, "Thank you, forty five pounds today.")
    assert answer_window_s(Ask("code", 3), words) == (3.45, 5.0)
    words = _said(2.0, "And the security code please?") + _said(5.0, "Thank you very") + _said(9.0, "Lovely.")
    assert answer_window_s(Ask("code", 3), words) == (3.45, 9.0)  # no number after the thanks: passed over


def test_an_asks_sentence_that_runs_on_gives_no_answer_window() -> None:
    """Whisper ran the caller's answer into the ask with no full stop or pause: where it starts is not known."""
    words = _said(2.0, "And the expiry date please so big ten ten when it went in high until the end of it")
    assert answer_window_s(Ask("expiry", 2), words) is None
    assert answer_windows([Ask("expiry", 2)], words) == []


def test_answer_windows_of_expiry_and_code_asks_not_answered_by_key_presses() -> None:
    words = _said(2.0, "Lovely. And the expiry date please?") + _said(9.0, "Lovely.")
    asks = [Ask("card", 0), Ask("expiry", 3)]
    assert answer_windows(asks, words) == [("expiry", 3.75, 9.0)]  # a card ask has its own rule (sound_chains)
    assert answer_windows(asks, words, keyed_s=[(5.0, 7.0)]) == []  # the caller keyed it


def test_find_in_pass1_gives_the_answer_windows_of_the_asks_it_took_in_words_and_implied() -> None:
    """The asks pass 1 takes (``find_in_pass1``: ``find_entities`` with ``unanswered``): in words, and the agent's
    next question after a card number, its ask word misheard ("and when does the car next fire?"): an expiry ask."""
    card = _said(1.0, "Can I take the card number please?") + _said(4.0, "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6", 0.4)
    asked = _said(11.0, "Lovely. And when does the car next fire?") + _said(18.0, "Lovely.")
    entities, windows = find_in_pass1(card + asked)
    assert windows == [("expiry", 13.35, 18.0)]  # "fire?" ends 13.35 s
    assert entities == find_entities(card + asked, unanswered=True)
    _, windows = find_in_pass1(_said(2.0, "And the security code please?") + _said(8.0, "Lovely."))
    assert windows == [("security_code", 3.45, 8.0)]  # "please?" ends 3.45 s; "Lovely." 8.0 s


def test_a_number_in_a_later_turn_does_not_make_the_thanks_after_the_ask_the_agents() -> None:
    """Review B, item 5: a "thank you" Whisper ended with no full stop was read on to the first word
    ending a sentence anywhere in the call, so a number the agent said in a later turn made the thanks
    its own (the window ended at "Thank"); the thanks' sentence ends at the turn's pause too."""
    ask = _said(2.0, "And the expiry date please?")  # "please?" ends 3.45 s
    later = _said(13.0, "your reference is 5 5 9 0.")
    for thanks in ("Thank you", "Thank you."):
        assert answer_window_s(Ask("expiry", 2), ask + _said(5.0, thanks) + later) == (3.45, 13.3)  # "reference"
    # the thanks' own sentence saying a number is still the agent's
    assert answer_window_s(Ask("expiry", 2), ask + _said(5.0, "Thank you that's 45 pounds") + later) == (3.45, 5.0)
