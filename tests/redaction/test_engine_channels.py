"""The engine on a dual-channel recording: the mix heard, each word given to the channel that
said it, card data masked on that channel, the other party left as it was; verification hears
the mix, and what it finds is masked on every channel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pytest
import soundfile as sf

from redaction.config import RedactionConfig
from redaction.engine import redact_array, redact_file
from redaction.words import TimedWord

RATE = 8000
CALLER, AGENT = 0.125, 0.375  # each channel's level while its party talks (exact in 16 bits)


def said(start_s: float, text: str, step_s: float = 0.4) -> list[TimedWord]:
    return [TimedWord(round(start_s + step_s * k, 3), round(start_s + step_s * k + 0.3, 3), word)
            for k, word in enumerate(text.split())]


#: The caller reads a card in four groups; the agent says "mhm" between two of them (a second
#: before the next group: more than ``channels.LATE_S``) and thanks them after.
CALLER_WORDS = said(1.0, "my card number is") + said(3.0, "4 1 1 1") + said(5.0, "1 1 1 1") + said(7.5, "1 1 1 1") \
    + said(9.5, "1 1 1 1")
AGENT_WORDS = said(6.6, "mhm") + said(12.0, "thank you and the expiry")
EVERY_WORD = sorted(CALLER_WORDS + AGENT_WORDS, key=lambda w: w.start_s)


def call() -> np.ndarray:
    """Caller on channel 0, agent on channel 1, each at its level while one of its words lasts,
    each sample of either sign (no two stretches of sound alike: neither echoes the other)."""
    audio = np.zeros((15 * RATE, 2))
    signs = np.random.default_rng(5).choice([-1.0, 1.0], size=audio.shape)
    for channel, (words, level) in enumerate(((CALLER_WORDS, CALLER), (AGENT_WORDS, AGENT))):
        for w in words:
            audio[round(w.start_s * RATE) : round(w.end_s * RATE), channel] = level
    return audio * signs


class Scripted:
    """Hears ``words`` in whatever it is given; keeps what it heard."""

    name, version = "scripted", "1"

    def __init__(self, words: list[TimedWord]) -> None:
        self.words, self.heard = words, []

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        self.heard.append(np.concatenate(list(blocks)))
        return iter(self.words)


CONFIG = RedactionConfig(mask="silence", pad_before_ms=0, pad_after_ms=0, speech_pad_ms=0, mask_channels="speaker")


def test_card_data_is_masked_on_the_caller_s_channel_alone() -> None:
    recognizer = Scripted(EVERY_WORD)
    out, report = redact_array(call(), RATE, recognizer=recognizer, verify_recognizer=None, config=CONFIG)
    assert len(recognizer.heard) == 1 and np.array_equal(recognizer.heard[0], call().sum(axis=1).astype(np.float32))
    assert [(s.entity, s.start_s, s.end_s, s.channel) for s in report.spans] == [("card_number", 3.0, 11.0, 0)]
    assert report.masked_by_channel == (((3.0, 11.0),), ())
    assert report.masked == ((3.0, 11.0),)
    assert report.to_dict()["spans"][0]["channel"] == 0
    assert report.to_dict()["masked_by_channel"] == [[[3.0, 11.0]], []]
    assert np.array_equal(out[:, 1], call()[:, 1])  # the agent's "mhm" and thanks: as they were
    assert not out[3 * RATE + 40 : 11 * RATE - 40, 0].any()
    assert np.array_equal(out[: 3 * RATE, 0], call()[: 3 * RATE, 0])
    assert report.verified


def test_a_transcript_s_words_are_given_to_their_channel_too() -> None:
    _, report = redact_array(call(), RATE, words=EVERY_WORD, config=CONFIG)
    assert [(s.entity, s.detector, s.channel) for s in report.spans] == [("card_number", "transcript", 0)]
    assert report.masked_by_channel == (((3.0, 11.0),), ())


def test_data_said_over_both_channels_is_masked_on_both() -> None:
    # the agent's "mhm" written as a digit amid the card: the card's words are both channels'
    words = [TimedWord(w.start_s, w.end_s, "1") if w.text == "mhm" else w for w in EVERY_WORD]
    out, report = redact_array(call(), RATE, recognizer=Scripted(words), verify_recognizer=None, config=CONFIG)
    both = [(s.start_s, s.end_s) for s in report.spans if s.channel is None]
    assert len(both) == 1 and both[0][0] == 3.0 and both[0][1] > 7.1  # the run with the agent's "1"
    assert report.masked[0][0] == 3.0 and report.masked[-1][1] == 11.0
    assert not out[3 * RATE + 40 : int(both[0][1] * RATE) - 40].any()  # on both channels


def test_a_line_that_echoes_the_caller_into_the_agent_s_channel_is_masked_there_too() -> None:
    # the caller's voice fed back into the agent's channel 30 ms late and 30 dB down: heard there
    rng = np.random.default_rng(3)
    audio = call()
    audio[:, 0] *= np.abs(rng.standard_normal(len(audio))) * rng.uniform(0.3, 1.0, len(audio) // 800).repeat(800)
    audio[240:, 1] += audio[:-240, 0] * 10 ** (-30 / 20)
    out, report = redact_array(audio, RATE, recognizer=Scripted(EVERY_WORD), verify_recognizer=None, config=CONFIG)
    assert report.masked_by_channel == (((3.0, 11.0),), ((3.0, 11.0),))
    assert not out[3 * RATE + 40 : 11 * RATE - 40].any()
    assert np.array_equal(out[12 * RATE :, 1], audio[12 * RATE :, 1])  # the agent's thanks: as it was


def test_all_masks_every_channel_alike() -> None:
    config = RedactionConfig(mask="silence", pad_before_ms=0, pad_after_ms=0, speech_pad_ms=0, mask_channels="all")
    out, report = redact_array(call(), RATE, recognizer=Scripted(EVERY_WORD), verify_recognizer=None, config=config)
    assert [(s.entity, s.channel) for s in report.spans] == [("card_number", None)]
    assert report.masked_by_channel is None and report.masked == ((3.0, 11.0),)
    assert not out[3 * RATE + 40 : 11 * RATE - 40].any()


def test_verification_hears_the_mix_outside_every_mask_and_masks_what_it_finds_on_both() -> None:
    # under the caller's masked card the mix is the mask's tone (the agent silent): not heard, as in a
    # mono recording; outside every mask, data heard in the mix is masked on both channels
    class Verifying(Scripted):
        def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
            np.concatenate(list(blocks))
            return iter(said(3.2, "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", 0.25)  # the tone, heard as the card
                        + said(11.5, "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", 0.2))  # the agent's thanks, as a card

    _, report = redact_array(call(), RATE, recognizer=Scripted(EVERY_WORD), verify_recognizer=Verifying([]),
                             config=CONFIG)
    assert report.verified and report.verification.spans_added == 1
    assert [(s.start_s, s.end_s) for s in report.spans if s.channel is None] == [(11.5, 14.8)]
    assert report.masked_by_channel == (((3.0, 11.0), (11.5, 14.8)), ((11.5, 14.8),))


def test_a_dual_channel_file_keeps_its_channels_and_the_agent_s(tmp_path) -> None:
    source, out = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(source, call(), RATE, subtype="PCM_16")
    report = redact_file(source, out, recognizer=Scripted(EVERY_WORD), verify_recognizer=None, config=CONFIG)
    written = sf.read(out, dtype="float64")[0]
    assert written.shape == call().shape and report.masked_by_channel == (((3.0, 11.0),), ())
    assert np.array_equal(written[:, 1], call()[:, 1])
    assert not written[3 * RATE + 40 : 11 * RATE - 40, 0].any()


@pytest.mark.parametrize("channels", [1, 3])
def test_only_a_two_channel_recording_is_masked_by_speaker(channels: int) -> None:
    audio = call()[:, 0] if channels == 1 else np.concatenate([call(), call()[:, :1]], axis=1)
    _, report = redact_array(audio, RATE, recognizer=Scripted(EVERY_WORD), verify_recognizer=None, config=CONFIG)
    assert report.masked_by_channel is None and [s.channel for s in report.spans] == [None]


def test_detectors_and_verification_hear_the_two_tracks_as_the_mixdown_stores_them(tmp_path):
    """A float two-track file with one track past full scale (speaker mode's assembled and
    redacted files): what is heard is the limited sum of the tracks as written, the mono that
    ``audio.mixdown`` stores, not a sum of tracks each clipped to [-1, 1] first."""
    from audio.decode import open_source
    from audio.mono import limited_mono
    from redaction import engine

    rate = 8000
    loud = (1.2 * np.sin(2 * np.pi * 300 * np.arange(rate) / rate)).astype(np.float32)
    tracks = np.stack([loud, np.zeros_like(loud)], axis=1)
    sf.write(tmp_path / "tracks.wav", tracks, rate, subtype="FLOAT")
    expected = np.concatenate(list(limited_mono([tracks], rate)))
    with open_source(tmp_path / "tracks.wav") as source:
        heard = np.concatenate(list(engine._heard(source, 4096)))
    read_back = np.concatenate(list(engine._heard_file(tmp_path / "tracks.wav", 4096)))
    assert np.array_equal(heard, expected) and np.array_equal(read_back, expected)
