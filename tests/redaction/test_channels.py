"""Dual-channel recordings: each word the channel's that holds most of the sound under it and
just before it; card data masked on the channel whose words said it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction.card_words import Entity
from redaction.channels import DOMINANT_SHARE, LATE_S, ChannelEnergy, echoed, heard_where_masked_apart, on_channels
from redaction.words import TimedWord

RATE = 8000


def energy_of(audio: np.ndarray, block: int) -> ChannelEnergy:
    energy = ChannelEnergy(RATE, audio.shape[1])
    for i in range(0, len(audio), block):
        energy.feed(audio[i : i + block])
    return energy


def two_parties() -> np.ndarray:
    """Caller (channel 0) 1-2 s, agent (channel 1) 2-3 s, both 3-3.5 s; a faint echo of the
    caller on the agent's line (-30 dB)."""
    audio = np.zeros((4 * RATE, 2))
    audio[RATE : 2 * RATE, 0] = 0.3
    audio[RATE : 2 * RATE, 1] = 0.3 * 10 ** (-30 / 20)
    audio[2 * RATE : 3 * RATE, 1] = 0.2
    audio[3 * RATE : int(3.5 * RATE)] = 0.2
    return audio


@pytest.mark.parametrize("block", [37, 80, 4096, 1 << 20])
def test_a_word_is_the_channel_s_that_holds_most_of_the_sound_under_and_just_before_it(block: int) -> None:
    energy = energy_of(two_parties(), block)
    assert energy.energy.shape == (400, 2)
    assert LATE_S == 0.5
    words = [TimedWord(1.1, 1.5, "four"), TimedWord(2.6, 2.9, "okay"), TimedWord(3.1, 3.3, "five"),
             TimedWord(2.2, 2.6, "six"), TimedWord(0.2, 0.5, "um")]
    assert [w.channel for w in energy.tagged(words)] == [
        0,  # the echo on the agent's line is 0.1 % of it
        1,  # 2.1-2.9 s: the agent's alone
        None,  # both talking
        None,  # timed 0.2 s into the agent's turn: from 1.7 s, the caller's last 0.3 s count (Whisper times late)
        None,  # silence: no one's
    ]
    assert [w.text for w in energy.tagged(words)] == [w.text for w in words]


def test_dominant_means_the_share_of_the_energy() -> None:
    audio = np.zeros((RATE, 2))
    audio[:, 0] = 1.0
    audio[:, 1] = np.sqrt((1 - DOMINANT_SHARE) / DOMINANT_SHARE) * 0.99  # just under a tenth of the energy
    assert energy_of(audio, 512).channel_at(0.0, 1.0) == 0
    audio[:, 1] = np.sqrt((1 - DOMINANT_SHARE) / DOMINANT_SHARE) * 1.01
    assert energy_of(audio, 512).channel_at(0.0, 1.0) is None


def test_the_last_partial_frame_and_times_past_the_end_count() -> None:
    audio = np.zeros((RATE + 40, 2))
    audio[RATE:, 1] = 0.5  # the last 5 ms: half a frame
    energy = energy_of(audio, 1000)
    assert energy.energy.shape == (101, 2)
    assert energy.channel_at(1.0, 1.2) == 1 and energy.channel_at(5.0, 6.0) == 1  # the end's frame


def test_a_block_of_another_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 channels"):
        ChannelEnergy(RATE, 2).feed(np.zeros(100))


def word(start_s: float, text: str, channel: int | None) -> TimedWord:
    return TimedWord(start_s, start_s + 0.3, text, channel=channel)


#: The caller (0) reads four digits, the agent (1) says "okay", a digit of no one's (timed
#: over both), the caller's last digit; then the agent reads two digits back.
WORDS = [word(1.0, "four", 0), word(1.4, "five", 0), word(1.8, "okay", 1), word(2.2, "three", None),
         word(2.6, "two", 0), word(5.0, "four", 1), word(5.4, "five", 1), word(8.0, "so", 1), word(8.4, "um", 0)]


def entity(*words: int, confidence: float = 1.0) -> Entity:
    return Entity("card_number", WORDS[words[0]].start_s, WORDS[words[-1]].end_s, confidence, words)


def test_data_one_channel_said_is_masked_on_that_channel_and_its_words_of_no_one_s_on_every_channel() -> None:
    found = on_channels([(entity(0, 1, 3, 4), 0.9, 3.0), (entity(5, 6), 5.0, 5.7)], WORDS, 2)
    assert [(channel, a, b) for _, channel, a, b in found] == [
        (0, 0.9, 3.0),  # the caller's card, over its whole time
        (None, 1.7, 2.6),  # "three", no one's: on both, from the word before it to the word after it
        (1, 5.0, 5.7),  # the agent's read-back
    ]


def test_data_both_channels_said_is_masked_on_every_channel() -> None:
    found = on_channels([(entity(0, 1, 2, 4), 0.9, 3.0)], WORDS, 2)  # the agent's "okay" heard as a digit
    assert [(channel, a, b) for _, channel, a, b in found] == [(None, 0.9, 3.0)]
    assert [c for _, c, _, _ in on_channels([(entity(3), 2.2, 2.5)], WORDS, 2)] == [None]  # no one's alone


def test_an_unanswered_ask_s_answer_is_masked_on_the_channel_that_alone_said_data() -> None:
    caller_card = (entity(0, 1, 4), 0.9, 3.0)
    answer = (entity(7, 8, confidence=UNANSWERED_CONFIDENCE), 8.0, 9.0)  # the agent talking on, the caller's "um"
    found = on_channels([caller_card, answer], WORDS, 2)
    assert [(channel, a, b) for _, channel, a, b in found] == [(0, 0.9, 3.0), (0, 8.0, 9.0)]
    # with the agent's read-back (a number word of the answer the agent's, or no one's) the answer
    # is masked on both: Whisper wrote some of a read-back as other words
    for agents in ((5, 6, 7), (3, 7)):
        read_back = (entity(*agents, confidence=UNANSWERED_CONFIDENCE), 5.0, 8.3)
        found = on_channels([caller_card, read_back], WORDS, 2)
        assert [(channel, a, b) for _, channel, a, b in found] == [(0, 0.9, 3.0), (None, 5.0, 8.3)]
    # both channels said data (the agent's read-back found), or none did: every channel
    for data in ([caller_card, (entity(5, 6), 5.0, 5.7)], []):
        found = on_channels([*data, answer], WORDS, 2)
        assert [channel for e, channel, _, _ in found if e.confidence == UNANSWERED_CONFIDENCE] == [None]


def test_an_unanswered_answer_is_masked_on_every_channel_where_the_data_channel_asked() -> None:
    # the agent's harmless number taken for an expiry date is the only data found (its words the
    # agent's), then the agent asks for the code ("so" the ask's word, the agent's) and the caller's
    # code is written as other words ("um"): the data channel is the asker's, so the answer is
    # not the data channel's alone
    agent_data = (entity(5, 6), 5.0, 5.7)
    answer = Entity("security_code", 8.4, 8.7, UNANSWERED_CONFIDENCE, (8,), asked=7)
    found = on_channels([agent_data, (answer, 8.4, 8.7)], WORDS, 2)
    assert [(channel, a, b) for _, channel, a, b in found] == [(1, 5.0, 5.7), (None, 8.4, 8.7)]
    # the caller's data and the agent's ask: the caller's channel, as before; an ask of no one's too
    caller_data = (entity(0, 1, 4), 0.9, 3.0)
    for asked in (7, 3):
        found = on_channels([caller_data, (replace(answer, asked=asked), 8.4, 8.7)], WORDS, 2)
        assert [(channel, a, b) for _, channel, a, b in found] == [(0, 0.9, 3.0), (0, 8.4, 8.7)]


def test_frames_keep_time_at_a_rate_of_no_whole_10_ms() -> None:
    # 11025 Hz: frames of 110 samples (9.977 ms); counted as 10 ms, 190 s would be read 0.4 s early
    rate = 11025
    audio = np.zeros((200 * rate, 2), np.float32)
    audio[189 * rate : 190 * rate, 0] = 0.3
    audio[190 * rate : 191 * rate, 1] = 0.3
    energy = ChannelEnergy(rate, 2)
    for i in range(0, len(audio), 65536):
        energy.feed(audio[i : i + 65536])
    assert energy.channel_at(190.05, 190.8) == 1 and energy.channel_at(189.1, 189.95) == 0


def test_a_sure_number_sound_the_other_channel_holds_under_one_channel_s_mask_masks_that_channel_too() -> None:
    # data given to the agent (channel 1) over 1-3 s, while the caller (channel 0) talks at 1-2 s: the
    # network's sure number sound at 1.5 s is the caller's, so the caller's channel is masked around it
    from redaction.sounds import SOUND_PAD_S, SURE_SOUND_MASS

    energy = energy_of(two_parties(), 4096)
    card = Entity("card_number", 1.0, 3.0, 1.0, ())
    sounds = [(1.5, 0.9), (2.5, 0.9), (1.2, SURE_SOUND_MASS - 0.01), (3.8, 0.9)]
    found = heard_where_masked_apart([(card, 1, 1.0, 3.0)], sounds, energy)
    assert [(c, round(a, 2), round(b, 2)) for _, c, a, b in found] == [
        (1, 1.0, 3.0), (0, round(1.5 - SOUND_PAD_S, 2), round(1.5 + SOUND_PAD_S, 2))]
    # not under data masked on one channel alone: nothing added
    assert heard_where_masked_apart([(card, None, 1.0, 3.0)], sounds, energy) == [(card, None, 1.0, 3.0)]
    assert heard_where_masked_apart([(card, 0, 1.0, 2.0)], [(1.5, 0.9)], energy) == [(card, 0, 1.0, 2.0)]
    assert heard_where_masked_apart([(card, 1, 1.0, 3.0)], None, energy) == [(card, 1, 1.0, 3.0)]


def _syllables(seconds: float, seed: int) -> np.ndarray:
    """Speech-like sound: noise under an envelope of syllables of random lengths (0.12-0.35 s) and
    levels, each a half sine."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    envelope = np.zeros(n)
    at = 0
    while at < n:
        length = int(rng.uniform(0.12, 0.35) * RATE)
        envelope[at : at + length] = (rng.uniform(0.05, 0.4) * np.sin(np.pi * np.arange(length) / length))[: n - at]
        at += length
    return envelope * rng.standard_normal(n)


def _lines(other: str) -> np.ndarray:
    """The caller (channel 0) reading data over 1-4 s; on the agent's channel (1) ``other``: silence,
    the caller's echo 30 ms late and 30 dB down over the agent's own line noise (-60 dB) or under
    it (3 dB louder than the echo: its level no longer follows the caller's, its samples do), the
    agent's own line noise alone, or the agent talking."""
    rng = np.random.default_rng(7)
    audio = np.zeros((5 * RATE, 2))
    caller = _syllables(3.0, 1)
    audio[RATE : 4 * RATE, 0] = caller
    if other in ("echo", "echo under noise"):
        audio[RATE + 240 : 4 * RATE + 240, 1] = caller * 10 ** (-30 / 20)
    if other in ("echo", "noise"):
        audio[:, 1] += 10 ** (-60 / 20) * rng.standard_normal(5 * RATE)
    if other == "echo under noise":  # the agent's line noise 3 dB over the echo
        audio[:, 1] += 10 ** (-27 / 20) * np.std(caller) * rng.standard_normal(5 * RATE)
    if other == "talking":
        audio[RATE : 4 * RATE, 1] = _syllables(3.0, 2)
    return audio


@pytest.mark.parametrize(("other", "echo"), [("silence", False), ("echo", True), ("echo under noise", True),
                                             ("noise", False), ("talking", False)])
def test_a_channel_echoes_another_where_its_sound_follows_the_other_s(other: str, echo: bool) -> None:
    energy = energy_of(_lines(other), 4096)
    assert energy.echoes(0, 1, 1.2, 3.8) is echo
    assert energy.echoes(0, 1, 2.0, 2.1) is echo  # a short mask: judged over ECHO_MIN_S around its middle
    assert not energy.echoes(1, 0, 1.2, 3.8)  # the caller's channel carries no echo of the agent's


def test_an_echo_of_the_masked_party_masks_the_echoing_channel_too() -> None:
    card = Entity("card_number", 1.2, 3.8, 1.0, ())
    found = [(card, 0, 1.2, 3.8)]
    assert echoed(found, energy_of(_lines("echo"), 4096)) == [(card, 0, 1.2, 3.8), (card, 1, 1.2, 3.8)]
    for other in ("silence", "noise", "talking"):
        assert echoed(found, energy_of(_lines(other), 4096)) == found
    assert echoed([(card, None, 1.2, 3.8)], energy_of(_lines("echo"), 4096)) == [(card, None, 1.2, 3.8)]
