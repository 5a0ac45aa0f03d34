"""Dual-channel recordings: whose words, whose masks.

A dual-channel call leg has the agent on one channel and the caller on the other. The
recognizer hears the mix, as it hears any call (heard alone, a channel is mostly silence:
Whisper stretched the last words of a turn over the silence after it, wrote words into it,
and missed the words whose context was on the other channel). Each word heard is then given
to the channel that holds DOMINANT_SHARE of the sound under it and LATE_S before it
(``ChannelEnergy``, fed with the channels' blocks as their mix is heard), or to none (both
talking, a word timed over the other party's turn). Card data that one channel's words said
is masked on that channel alone (``on_channels``), so the other party stays audible: the
agent's "okay" between the caller's digit groups, their next question. Data said by words of
both channels, or of none, is masked on every channel, as is the answer masked for an ask
nothing answered unless one channel alone said the call's data, did not ask, and is the only
one saying numbers in the answer.
Where the recognizer's network is sure of a number sound under data masked on one channel
while the other channel holds that sound, the other channel is masked there too
(``heard_where_masked_apart``: data given to the wrong party still sounds on the right one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction.card_words import Entity
from redaction.echo import MAX_LAG_S, EchoMeter
from redaction.numbers import says_number
from redaction.sounds import SOUND_PAD_S, SURE_SOUND_MASS
from redaction.words import TimedWord

#: A word is one channel's when that channel holds this share of the energy under it.
DOMINANT_SHARE = 0.9
#: A word's channel is judged from this long before its start: Whisper times a word up to about
#: half a second late, so a word timed into the other party's turn may be the last one's.
LATE_S = 0.5
#: The energy envelope's step: each channel's energy is kept per FRAME_S.
FRAME_S = 0.01
#: A channel carries an echo of another over a mask's time (a headset or a line that feeds the
#: caller's voice back into the agent's channel, tens of dB down but heard) when its samples
#: correlate with the other's, up to ECHO_LAG_S later, by ECHO_CORRELATION in a second of
#: it (``echo.EchoMeter``: a copy about 5 dB under the channel's own noise still does; two
#: independent telephone calls heard at once reached it in 1 of 740 seconds, 0.23 at the 99th
#: percentile: a false echo masks more, never less), or when, at some lag
#: up to ECHO_LAG_S, its level follows the other's (an echo through a codec that keeps the level
#: but not the waveform): over the frames where the other channel sounds
#: (within ECHO_ACTIVE_DB of its loudest there), the two levels' difference spreads by at most
#: ECHO_SPREAD_DB (median absolute deviation) and is at most ECHO_MAX_DOWN_DB. A channel of
#: its own sound (the other party talking, its own line noise) or silent spreads by the source's
#: own speech dynamics, several dB.
ECHO_CORRELATION = 0.35
ECHO_LAG_S = MAX_LAG_S
ECHO_ACTIVE_DB = 20.0
ECHO_SPREAD_DB = 1.0
ECHO_MAX_DOWN_DB = 50.0
#: ... judged over at least this long (a shorter mask: over this long around its middle).
ECHO_MIN_S = 1.0
#: Frame energy floor before the log (-100 dB re full scale per sample).
_ENERGY_FLOOR = 1e-10


class ChannelEnergy:
    """Each channel's energy per FRAME_S of a (frames, channels) stream, fed block by block:
    two float32 values per channel and 10 ms (a 2-hour call: 5.8 MB for two channels), and how
    far each echoes another (``echo.EchoMeter``)."""

    def __init__(self, rate_hz: int, channels: int) -> None:
        self.hop = max(1, round(FRAME_S * rate_hz))
        self.frame_s = self.hop / rate_hz  # FRAME_S, as whole samples give it (9.977 ms at 11025 Hz)
        self.channels = channels
        self._rest = np.zeros((0, channels))
        self._frames: list[np.ndarray] = []
        self._energy: np.ndarray | None = None
        self._echo = EchoMeter(rate_hz, channels)

    def feed(self, block: np.ndarray) -> None:
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"ChannelEnergy of {self.channels} channels fed a block of shape {block.shape}")
        block = block.astype(np.float64, copy=False)
        self._echo.feed(block)
        x = np.concatenate([self._rest, block])
        whole = len(x) // self.hop * self.hop
        self._frames.append((x[:whole] ** 2).reshape(-1, self.hop, self.channels).sum(axis=1).astype(np.float32))
        self._rest = x[whole:]
        self._energy = None

    @property
    def energy(self) -> np.ndarray:
        """(frames, channels): the energy of each FRAME_S so far (the last partial frame too)."""
        if self._energy is None:
            tail = [(self._rest ** 2).sum(axis=0, keepdims=True).astype(np.float32)] if len(self._rest) else []
            parts = self._frames + tail
            self._energy = np.concatenate(parts) if parts else np.zeros((0, self.channels), np.float32)
        return self._energy

    def channel_at(self, start_s: float, end_s: float) -> int | None:
        """The channel holding DOMINANT_SHARE of the energy in [start_s, end_s), else None."""
        energy = self.energy
        a = min(max(0, int(start_s / self.frame_s)), max(0, len(energy) - 1))  # past the end: the last frame
        b = min(len(energy), max(a + 1, int(np.ceil(end_s / self.frame_s))))
        sums = energy[a:b].sum(axis=0, dtype=np.float64)
        total = float(sums.sum())
        if total <= 0.0:
            return None
        channel = int(np.argmax(sums))
        return channel if sums[channel] >= DOMINANT_SHARE * total else None

    def echoes(self, source: int, other: int, start_s: float, end_s: float) -> bool:
        """True when channel ``other`` carries an echo of ``source`` in [start_s, end_s): their
        samples correlate by ECHO_CORRELATION in a second of it (``other`` late), or at some lag up
        to ECHO_LAG_S, over the frames where ``source`` sounds, ``other``'s level stays a steady
        ECHO_MAX_DOWN_DB or less below it (ECHO_SPREAD_DB). A silent channel, or one whose sound
        does not follow ``source``'s (the other party talking, its own line noise), carries none."""
        if self._echo.correlation(source, other, start_s, end_s) >= ECHO_CORRELATION:
            return True
        if end_s - start_s < ECHO_MIN_S:
            middle_s = (start_s + end_s) / 2
            start_s, end_s = middle_s - ECHO_MIN_S / 2, middle_s + ECHO_MIN_S / 2
        lags = round(ECHO_LAG_S / self.frame_s)
        a = max(0, int(start_s / self.frame_s))
        b = min(len(self.energy) - lags, int(np.ceil(end_s / self.frame_s)))
        if b <= a:
            return False
        level_db = 10.0 * np.log10(self.energy[a : b + lags].astype(np.float64) + _ENERGY_FLOOR)  # the window's only
        x = level_db[: b - a, source]
        sounding = x > x.max() - ECHO_ACTIVE_DB
        for lag in range(lags + 1):
            down_db = x[sounding] - level_db[lag : lag + b - a, other][sounding]
            median_db = float(np.median(down_db))
            if median_db <= ECHO_MAX_DOWN_DB and float(np.median(np.abs(down_db - median_db))) <= ECHO_SPREAD_DB:
                return True
        return False

    def tagged(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        """``words`` each with the channel that said it: the one that holds DOMINANT_SHARE of the
        sound from LATE_S before the word's start to its end (``channel_at``)."""
        return [replace(w, channel=self.channel_at(max(0.0, w.start_s - LATE_S), w.end_s)) for w in words]


def on_channels(parts: Sequence[tuple[Entity, float, float]], words: Sequence[TimedWord],
                channels: int) -> list[tuple[Entity, int | None, float, float]]:
    """Where each entity of ``parts`` (masked over its (start, end)) is masked on which of
    ``channels`` channels: (entity, channel, start, end), channel None for every channel
    (``_said``). An answer masked for an ask nothing answered (``answers.UNANSWERED_CONFIDENCE``:
    the words after the ask, often the asker's own) is masked on the channel that alone said the
    call's data (the answer it stands for is the one nobody heard), unless that channel asked it
    (``_answering``) or another says a number in it (``_answered``)."""
    said = [(e, *where) for e, a, b in parts if e.confidence > UNANSWERED_CONFIDENCE
            for where in _said(e, a, b, words)]
    said_numbers = [0] * channels  # each channel's number words in the data found
    for e, a, b in parts:
        if e.confidence > UNANSWERED_CONFIDENCE:
            for w in e.words:
                if words[w].channel is not None and says_number(words[w].text):
                    said_numbers[words[w].channel] += 1
    saying = [c for c, n in enumerate(said_numbers) if n]
    data = saying[0] if len(saying) == 1 else None
    answers = [(e, *where) for e, a, b in parts if e.confidence <= UNANSWERED_CONFIDENCE
               for where in _answered(e, a, b, words, _answering(e, words, data))]
    return sorted(said + answers, key=lambda found: (found[2], found[3]))


def _answering(entity: Entity, words: Sequence[TimedWord], data: int | None) -> int | None:
    """The channel that answers ``entity``'s ask: the ``data`` channel, unless that channel's
    words asked it (the data found was then the asker's: the agent's harmless number taken for an
    expiry date, or their read-back), and then none (every channel)."""
    asker = None if entity.asked is None else words[entity.asked].channel
    return None if asker is not None and asker == data else data


def _answered(entity: Entity, start_s: float, end_s: float, words: Sequence[TimedWord],
              data: int | None) -> list[tuple[int | None, float, float]]:
    """An unanswered ask's answer: on the ``data`` channel (the one that said the call's data)
    over its whole time; on every channel when no channel alone said data, or when a word of
    the answer not the data channel's says a number (the agent reading the data back: Whisper
    wrote some of the read-back as other words, which a mask over its number words left audible)."""
    if data is None or any(words[w].channel != data and says_number(words[w].text) for w in entity.words):
        return [(None, start_s, end_s)]
    return [(data, start_s, end_s)]


def _said(entity: Entity, start_s: float, end_s: float,
          words: Sequence[TimedWord]) -> list[tuple[int | None, float, float]]:
    """Said by one channel's words, on that channel over the entity's whole time, and on every
    channel over each run of its words of no channel (from the end of the word before the run
    to the start of the one after it); said by both channels' words (the caller's card with the
    agent's "okay" heard as a digit amid it, or one of its digits timed into the agent's words),
    or by words of no channel alone, on every channel over its whole time."""
    order = sorted(entity.words)
    tags = [words[w].channel for w in order]
    said_by = set(tags) - {None}
    if len(said_by) != 1:
        return [(None, start_s, end_s)]
    channel = said_by.pop()
    out: list[tuple[int | None, float, float]] = [(channel, start_s, end_s)]
    run: list[int] = []  # positions in order of words of no channel
    for k, tag in enumerate([*tags, channel]):
        if tag is None:
            run.append(k)
            continue
        if run:
            first, last = words[order[run[0]]], words[order[run[-1]]]
            a = start_s if run[0] == 0 else min(first.start_s, words[order[run[0] - 1]].end_s)
            b = end_s if run[-1] == len(order) - 1 else max(last.end_s, words[order[run[-1] + 1]].start_s)
            out.append((None, a, max(a, b)))
            run = []
    return out


def by_speaker(parts: Sequence[tuple[Entity, float, float]], words: Sequence[TimedWord],
               sounds: Sequence[tuple[float, float]] | None,
               energy: ChannelEnergy) -> list[tuple[Entity, int | None, float, float]]:
    """Where each entity of ``parts`` is masked, channel by channel (``on_channels``), with the
    sound net (``heard_where_masked_apart``): what the engine masks of a dual-channel recording
    heard by speaker, and what ``tools.evalcalls.rescore`` rescores; where another channel echoes
    data masked on one, that channel too (``echoed``)."""
    return echoed(heard_where_masked_apart(on_channels(parts, words, energy.channels), sounds, energy), energy)


def echoed(found: Sequence[tuple[Entity, int | None, float, float]],
           energy: ChannelEnergy) -> list[tuple[Entity, int | None, float, float]]:
    """``found``, and each entity masked on one channel masked on every other channel that
    carries its echo there (``ChannelEnergy.echoes``): the caller's card fed back into the agent's
    headset sounds on the agent's channel, a few dB or tens of dB down, and is heard."""
    extra = [(e, other, a, b) for e, channel, a, b in found if channel is not None
             for other in range(energy.channels) if other != channel and energy.echoes(channel, other, a, b)]
    return sorted([*found, *extra], key=lambda item: (item[2], item[3]))


def heard_where_masked_apart(found: Sequence[tuple[Entity, int | None, float, float]],
                             sounds: Sequence[tuple[float, float]] | None,
                             energy: ChannelEnergy) -> list[tuple[Entity, int | None, float, float]]:
    """``found`` (``on_channels``), and around each sure number sound of the recognizer's network
    (``sounds.SURE_SOUND_MASS``) that lies in data masked on one channel only while the other
    channel holds the sound there (``ChannelEnergy.channel_at`` over ``SOUND_PAD_S`` either side),
    that channel masked too: data pass 1 gave to the wrong party (a caller's digits timed into the
    agent's turn), still sounding on the right one."""
    extra: list[tuple[Entity, int | None, float, float]] = []
    for moment_s, mass in sounds or ():
        if mass < SURE_SOUND_MASS:
            continue
        covering = [(e, c) for e, c, a, b in found if a <= moment_s <= b]
        if not covering or any(c is None for _, c in covering):
            continue
        holder = energy.channel_at(moment_s - SOUND_PAD_S, moment_s + SOUND_PAD_S)
        if holder is not None and holder not in {c for _, c in covering}:
            extra.append((covering[0][0], holder, max(0.0, moment_s - SOUND_PAD_S), moment_s + SOUND_PAD_S))
    return sorted([*found, *extra], key=lambda item: (item[2], item[3]))
