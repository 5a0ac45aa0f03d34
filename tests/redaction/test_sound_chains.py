from __future__ import annotations

import pytest

from redaction import sound_chains
from redaction.card_words import MOST_DIGITS
from redaction.sound_chains import (
    ANSWER_REACH_S,
    CARD_SAID_DIGITS,
    DATA_REACH_S,
    DROPPED_GAP_S,
    DROPPED_SOUNDS,
    DROPPED_SPEECH_S,
    MAX_GAP_S,
    MAX_NUMBER_WORDS,
    MIN_ANSWER_SOUNDS,
    MIN_CHAIN_SOUNDS,
    MIN_DATA_SOUNDS,
    MIN_STRETCH_SOUNDS,
    added_chains,
    answer_chains_s,
    chains,
    data_chains_s,
    dropped_answers_s,
    uncovered_chains_s,
)
from redaction.words import TimedWord


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
    assert chains([(1.0, 0.5), (1.01 + MAX_GAP_S, 0.5)], gap_s=MAX_GAP_S + 0.01) == [(1.0, 2.01, 2)]  # a looser chain
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


def _said(start_s: float, text: str, pace_s: float = 0.3) -> list[TimedWord]:
    """Timed words for ``text``, one every ``pace_s`` from ``start_s``."""
    return [TimedWord(round(start_s + k * pace_s, 3), round(start_s + k * pace_s + 0.25, 3), w)
            for k, w in enumerate(text.split())]


def _sparse(start_s: float, count: int, pace_s: float = 1.5) -> list[tuple[float, float]]:
    """A hard voice's card: a number sound heard for one digit in three (``_card``'s two frames each)."""
    return _card(start_s, count, pace_s)


ASK = "Can I take the long card number please? Okay it is."  # "please?" ends 4.35 s


def test_number_sounds_in_the_answer_to_a_card_ask_the_words_dropped_are_a_card() -> None:
    words = _said(2.0, ASK)
    sounds = _sparse(6.0, 8)  # 6.0 .. 16.52, 1.5 s apart: no chain of the noisy line's rule
    assert uncovered_chains_s(sounds, []) == []
    assert answer_chains_s(sounds, words, []) == [(6.0, 16.52)]
    # the card's end found in the words: the sounds before it, up to where it starts
    assert answer_chains_s(sounds, words, [(12.1, 17.0)]) == [(6.0, 12.1)]
    # found whole from its start, or all but the last second: nothing to add
    assert answer_chains_s(sounds, words, [(5.8, 17.0)]) == []
    assert answer_chains_s(sounds, words, [(6.5, 17.0)]) == []
    # unless the data found there says a card's worth of digits (CARD_SAID_DIGITS): the card, found
    for digits, masked in ((CARD_SAID_DIGITS, []), (CARD_SAID_DIGITS - 1, [(6.0, 12.1)])):
        card = [TimedWord(12.2, 12.5, "Right,"), TimedWord(12.6, 16.9, "1" * digits + ".")]
        assert answer_chains_s(sounds, words + card, [(12.1, 14.0), (13.5, 17.0)]) == masked
    # words in any order
    assert answer_chains_s(sounds, list(reversed(words)), []) == [(6.0, 16.52)]


def test_answer_chains_want_a_card_ask_that_asks_for_the_number_and_a_chain_in_its_answer() -> None:
    sounds = _sparse(6.0, 8)
    assert answer_chains_s(sounds, [], []) == []  # no words: no ask
    assert answer_chains_s(sounds, _said(2.0, "Can I pay by card? Yes of course."), []) == []  # no number asked
    assert answer_chains_s([], _said(2.0, ASK), []) == []
    # a chain of fewer sounds is none, nor one begun more than ANSWER_REACH_S after the ask's sentence
    assert answer_chains_s(_sparse(6.0, MIN_ANSWER_SOUNDS - 1), _said(2.0, ASK), []) == []
    assert answer_chains_s(_sparse(4.35 + ANSWER_REACH_S + 0.1, 8), _said(2.0, ASK), []) == []
    assert answer_chains_s(_sparse(4.35 + ANSWER_REACH_S - 0.1, 8), _said(2.0, ASK), []) == [(16.25, 26.77)]
    # sounds in the agent's own sentence before its end are not the answer: the chain starts after it
    assert answer_chains_s(_sparse(3.0, 9), _said(2.0, ASK), []) == [(4.5, 15.02)]
    # a stretch left before the data found holding fewer than MIN_STRETCH_SOUNDS is none
    assert answer_chains_s(sounds, _said(2.0, ASK), [(5.9 + 1.5 * (MIN_STRETCH_SOUNDS - 1), 17.0)]) == []
    assert answer_chains_s(sounds, _said(2.0, ASK), [(6.1 + 1.5 * (MIN_STRETCH_SOUNDS - 1), 17.0)]) == [(6.0, 10.6)]
    # a gap longer than ANSWER_GAP_S ends a chain: the first long enough is the answer
    assert answer_chains_s(_sparse(6.0, 3) + _sparse(12.0, 7), _said(2.0, ASK), []) == [(12.0, 21.02)]
    # where Whisper wrote the numbers (an order number read after the card: the card logic judged them), none
    order = _said(6.0, "my order number is one two three four five six seven", 1.3)
    assert answer_chains_s(sounds, _said(2.0, ASK) + order, []) == []
    said = _said(6.0, "erm " + " ".join(["one"] * MAX_NUMBER_WORDS), 1.3)  # Whisper heard a digit or two
    assert answer_chains_s(sounds, _said(2.0, ASK) + said, []) == [(6.0, 16.52)]


def test_the_engines_chain_rules_each_leave_what_those_before_them_found() -> None:
    # a card read at a digit a 0.45 s after the card ask, then 1.23 s later four sounds in the answer
    # window of an expiry ask: on a noisy line the long chain is a card and the four the expiry date
    sounds, words, expiry = _card(6.0, 16) + _card(14.0, 4), _said(2.0, ASK), ("expiry", 13.5, 20.0)
    assert added_chains(sounds, words, [expiry], [], noisy=True) == [("card_number", 6.0, 12.77),
                                                                      ("expiry", 14.0, 15.37)]
    # on a quiet line the card ask's answer chain (gaps up to 2 s) takes all twenty, the expiry rule none
    assert added_chains(sounds, words, [expiry], [], noisy=False) == [("card_number", 6.0, 15.37)]
    # data found over them: nothing to add; no sounds, nothing
    assert added_chains(sounds, words, [expiry], [(5.9, 16.0)], noisy=True) == []
    assert added_chains([], words, [expiry], [], noisy=True) == []


def test_number_sounds_in_an_expiry_or_code_asks_answer_the_words_dropped_are_that_data() -> None:
    """A hard voice read the expiry date after the agent's ask and Whisper wrote nothing (or other words)
    over it: the network heard its digits' sounds in the ask's answer window (``answers.answer_windows``)."""
    expiry, code = ("expiry", 3.75, 9.0), ("security_code", 11.05, 16.0)
    assert data_chains_s(_card(4.5, 4), [], [expiry], []) == [("expiry", 4.5, 5.87)]
    assert data_chains_s(_card(12.0, 3), [], [code], []) == [("security_code", 12.0, 12.92)]
    assert data_chains_s(_card(4.5, 4) + _card(12.0, 3), [], [code, expiry], []) == \
        [("expiry", 4.5, 5.87), ("security_code", 12.0, 12.92)]
    # the words say what Whisper wrote: other words, or a number word or two, change nothing
    said = _said(4.4, "so big " + " ".join(["ten"] * MAX_NUMBER_WORDS), 0.45)
    assert data_chains_s(_card(4.5, 4), said, [expiry], []) == [("expiry", 4.5, 5.87)]
    # an Amex code's 4 sounds are a code; an expiry read "oh four twenty twenty seven", 6
    assert data_chains_s(_card(12.0, MOST_DIGITS["code"]), [], [code], []) == [("security_code", 12.0, 13.37)]
    assert data_chains_s(_card(4.5, MOST_DIGITS["expiry"]), [], [expiry], []) == [("expiry", 4.5, 6.77)]


def test_data_chains_want_enough_sounds_and_no_more_in_the_answer_window_and_nothing_found() -> None:
    expiry = ("expiry", 3.75, 9.0)
    assert data_chains_s(_card(4.5, 4), [], [], []) == []  # no ask, no window
    assert data_chains_s([], [], [expiry], []) == []
    # fewer than MIN_DATA_SOUNDS: a word of other speech heard as a number; more than the data's
    # MOST_DIGITS: some other number (a reference read after it)
    assert data_chains_s(_card(4.5, MIN_DATA_SOUNDS - 1), [], [expiry], []) == []
    assert data_chains_s(_card(4.5, MOST_DIGITS["expiry"] + 1), [], [expiry], []) == []
    assert data_chains_s(_card(12.0, MOST_DIGITS["code"] + 1), [], [("security_code", 11.05, 20.0)], []) == []
    # begun more than DATA_REACH_S after the window's start (the agent's sentence end), or before it: none
    assert data_chains_s(_card(3.75 + DATA_REACH_S + 0.1, 4), [], [("expiry", 3.75, 20.0)], []) == []
    assert data_chains_s(_card(3.75 + DATA_REACH_S - 0.1, 4), [], [("expiry", 3.75, 20.0)], []) == \
        [("expiry", 10.65, 12.02)]
    assert data_chains_s(_card(3.0, 5), [], [expiry], []) == [("expiry", 3.9, 4.82)]  # 2 of 5 sounds before 3.75 s
    assert data_chains_s(_card(2.5, 5), [], [expiry], []) == []  # 3 of them: 2 left
    # the window ends where the agent speaks again: sounds after it are not the answer
    assert data_chains_s(_card(7.5, 4), [], [expiry], []) == [("expiry", 7.5, 8.87)]
    assert data_chains_s(_card(8.2, 4), [], [expiry], []) == []  # two sounds before 9.0 s
    # the first chain in the window is the answer: a gap of more than MAX_GAP_S ends it
    assert data_chains_s(_card(4.5, 2) + _card(7.0, 4), [], [expiry], []) == []
    # masked up to the first data found in it; none when what is left is too short
    assert data_chains_s(_card(4.5, 4), [], [expiry], [(5.8, 6.5)]) == [("expiry", 4.5, 5.42)]
    assert data_chains_s(_card(4.5, 4), [], [expiry], [(5.3, 6.5)]) == []
    # Whisper wrote numbers over it (more than MAX_NUMBER_WORDS): the card logic judged them
    said = _said(4.5, " ".join(["ten"] * (MAX_NUMBER_WORDS + 1)), 0.45)
    assert data_chains_s(_card(4.5, 4), said, [expiry], []) == []


def test_data_chains_leave_an_answer_whose_data_was_found_whole() -> None:
    """Data found from the window's start saying the data's FULL_DIGITS answered the ask: sounds after it
    are something else; found short of them, the sounds after it are the rest of it."""
    expiry = ("expiry", 3.75, 20.0)
    found = [TimedWord(4.0, 4.3, "04"), TimedWord(4.4, 4.9, "27.")]  # "oh four, twenty seven"
    assert data_chains_s(_card(5.5, 4), found, [expiry], [(3.9, 5.0)]) == []
    assert data_chains_s(_card(5.5, 4), found[:1], [expiry], [(3.9, 4.4)]) == [("expiry", 5.5, 6.87)]


def test_answer_chains_read_each_word_once_however_many_card_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review B, item 4: each card ask read its chain to the end and ran ``says_number`` again on every
    word of its stretch (600 asks over 43,200 sounds: 3.8 s of CPU, four times as long for twice as
    many asks). A call of 100 asks 4 s apart over one chain of sounds: every ask's answer runs to the
    call's last sound, and the words are read once each."""
    reads: list[str] = []
    for name in ("says_number", "digits_said"):
        read = getattr(sound_chains, name)
        monkeypatch.setattr(sound_chains, name, lambda text, read=read: reads.append(text) or read(text))
    words = [w for n in range(100) for w in _said(4.0 * n, ASK)]  # each "please?" ends 4n + 2.35 s
    sounds = _card(0.0, 900)  # to 404.57 s
    found = answer_chains_s(sounds, words, [(404.0, 405.0)])
    assert len(found) == 100 and found[:2] == [(2.7, 404.0), (6.75, 404.0)] and found[-1] == (398.7, 404.0)
    assert len(reads) <= 2 * len(words)  # was 54,661 for 1,100 words
AGENT_AGAIN = _said(15.0, "Lovely and the expiry date please?")
#: The agent's ask, then the caller's card read in three stretches of speech after "Okay it is." (ends 5.25 s)
CARD_SPEECH = [(2.0, 4.4), (6.0, 8.0), (8.6, 10.5), (11.0, 13.2), (15.0, 16.8)]


def test_a_card_ask_answered_with_speech_where_whisper_wrote_no_word_is_masked() -> None:
    """Issue 9, "card dropped": a hard voice read the card after the ask, Whisper wrote nothing over it, and
    the network heard a digit in three or four, too far apart for a chain: the answer's speech is masked."""
    words = _said(2.0, ASK) + AGENT_AGAIN
    sounds = _sparse(6.2, DROPPED_SOUNDS, 2.5)  # 6.2, 8.7, 11.2
    assert answer_chains_s(sounds, words, []) == []
    assert dropped_answers_s(sounds, CARD_SPEECH, words, []) == [(6.0, 13.2)]
    # in the engine's order, with the speech regions; without them (a recognizer that gives none), nothing
    assert added_chains(sounds, words, [], [], noisy=False, speech=CARD_SPEECH) == [("card_number", 6.0, 13.2)]
    assert added_chains(sounds, words, [], [], noisy=False) == []
    # its card word as Whisper mishears it: "car number", "current number", "... of your car?"
    for ask in ("Can I take the long car number please? Okay it is.",
                "Can I take the long current number please? Okay it is.",
                "Read me the long number on your car? Okay it is.",
                "The long number on the front of the car, whenever you're ready."):  # as the card logic reads it
        assert dropped_answers_s(sounds, CARD_SPEECH, _said(2.0, ask) + AGENT_AGAIN, []) == [(6.0, 13.2)], ask
    assert dropped_answers_s(sounds, CARD_SPEECH, _said(2.0, "It is in my car, whenever.") + AGENT_AGAIN, []) == []
    # a few words of the caller's before the gap ("Right, I'm going ..."), its hold, words in any order
    going = _said(2.0, "Can I take the card number please? Right I'm going") + AGENT_AGAIN
    assert dropped_answers_s(sounds, CARD_SPEECH, going, []) == [(6.0, 13.2)]
    held = _said(2.0, "Can I take the card number please? One moment.") + AGENT_AGAIN
    assert dropped_answers_s(sounds, CARD_SPEECH, list(reversed(held)), []) == [(6.0, 13.2)]
    # the agent's ask run on, unpunctuated, into the gap: its sentence ends at the pause
    run_on = _said(2.0, "go ahead with the card number whenever you are ready") + AGENT_AGAIN
    assert dropped_answers_s(sounds, CARD_SPEECH, run_on, []) == [(6.0, 13.2)]


def test_a_dropped_answer_wants_a_card_word_a_long_gap_speech_and_number_sounds_in_it() -> None:
    words, sounds = _said(2.0, ASK) + AGENT_AGAIN, _sparse(6.2, DROPPED_SOUNDS, 2.5)
    assert dropped_answers_s(sounds, CARD_SPEECH, [], []) == []  # no words: no ask
    assert dropped_answers_s([], CARD_SPEECH, words, []) == []
    assert dropped_answers_s(sounds, [], words, []) == []
    # no card word ("can I take the order number"; "call me back on"): nothing, whatever follows
    for ask in ("Can I take the order number please? Okay it is.", "Could you call me back on? Okay it is."):
        assert dropped_answers_s(sounds, CARD_SPEECH, _said(2.0, ask) + AGENT_AGAIN, []) == [], ask
    # fewer number sounds, or less speech in the gap, is none
    assert dropped_answers_s(_sparse(6.2, DROPPED_SOUNDS - 1, 2.5), CARD_SPEECH, words, []) == []
    short = [(6.0, 6.0 + DROPPED_SPEECH_S - 0.1), (15.0, 16.8)]
    assert dropped_answers_s(sounds, short, words, []) == []
    assert dropped_answers_s(sounds, [(6.0, 6.0 + DROPPED_SPEECH_S), (15.0, 16.8)], words, []) == [(6.0, 9.0)]
    # a gap shorter than DROPPED_GAP_S: Whisper wrote words there (the card, or the caller's talk)
    near = _said(2.0, ASK) + _said(5.25 + DROPPED_GAP_S - 0.1, "Lovely and the expiry date please?")
    assert dropped_answers_s(sounds, CARD_SPEECH, near, []) == []
    card = _said(2.0, ASK) + _said(6.0, "four five three two one one two three", 0.9) + AGENT_AGAIN
    assert dropped_answers_s(sounds, CARD_SPEECH, card, []) == []
    # more than three of the caller's words before the gap: it spoke, it is no card dropped whole
    talk = _said(2.0, "Can I take the card number please? Right so I am going") + AGENT_AGAIN
    assert dropped_answers_s(sounds, CARD_SPEECH, talk, []) == []
    # what was found or keyed covers half its speech or more: nothing; less, the gap whole
    assert dropped_answers_s(sounds, CARD_SPEECH, words, [(6.0, 11.0)]) == []
    assert dropped_answers_s(sounds, CARD_SPEECH, words, [(6.0, 8.0)]) == [(6.0, 13.2)]


def test_a_dropped_answer_reaches_no_further_than_answer_reach_s() -> None:
    # no word after the lead-in: the gap is cut ANSWER_REACH_S after it (5.25 s + 12 s), mid region
    words, sounds = _said(2.0, ASK), _sparse(6.2, DROPPED_SOUNDS, 2.5)
    speech = [(6.0, 8.0), (8.6, 10.5), (16.0, 20.0), (21.0, 22.0)]
    assert dropped_answers_s(sounds, speech, words, []) == [(6.0, 5.25 + ANSWER_REACH_S)]
    # a gap begun within it but holding too little speech up to the cut is none
    late = [(5.25 + ANSWER_REACH_S - 2.0, 30.0)]
    assert dropped_answers_s(_sparse(5.25 + ANSWER_REACH_S - 1.9, 3, 0.5), late, words, []) == []
    assert DROPPED_GAP_S < ANSWER_REACH_S
