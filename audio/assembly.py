"""Stream recorded call audio into one mono recording, in call order, with beeps.

The caller (the worker's recording rules) says *what* goes into the recording as a
timeline, in recording order: ``Keep`` stretches of call time (optionally as silence) and
``Insert`` tones. This module does the *how*: it decodes each segment block by block,
mixes it to mono and resamples it to the output rate, takes only the kept call time,
mixes overlapping segments, fills kept time that no segment covers with silence, inserts
the beeps, overlays reminder tones, keeps the mix under full scale with one look-ahead
limiter (``audio.limiter``) and writes a 16-bit WAV atomically. For redaction by speaker it
can keep a dual-channel leg's two parties on two tracks instead (``tracks=2``: a float WAV
whose mixdown, ``audio.mixdown``, is the mono recording; on disk twice a 16-bit mono's size
per channel). Memory use depends on the block size and the number of segments, never on the
length of the call.

All positions are whole output frames: call time ``t`` is frame ``round(t * rate_hz)`` on
the call clock, so durations that are whole multiples of the frame period come out exact.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.beep import Beep, BeepSpec, beep_tone, reminder_starts_s
from audio.decode import AudioSource
from audio.errors import AudioInputError
from audio.limiter import Limiter
from audio.resample import TRACKS, mono_blocks, track_blocks
from audio.timemap import Piece, TimeMap
from audio.wavout import AtomicWavWriter

#: Output frames produced per step (about 8 s at 8 kHz): bounds memory per segment.
BLOCK_FRAMES = 65536


@dataclass(frozen=True)
class Keep:
    """Call time [call_start_s, call_end_s) goes into the recording; as silence if ``silent``
    (paused time: no reminder tone sounds in it)."""

    call_start_s: float
    call_end_s: float
    silent: bool = False


@dataclass(frozen=True)
class Insert:
    """A beep inserted into the recording here (kind: start | resume)."""

    kind: str


@dataclass(frozen=True)
class SegmentInput:
    """An open segment whose first frame was recorded at call time ``call_start_s``."""

    source: AudioSource
    call_start_s: float
    #: What names the segment ahead of its file in an error found while it is decoded (the
    #: caller's field, "segments[1].uri"), as the caller names it in errors found at open.
    name: str | None = None


@dataclass(frozen=True)
class AssembledRecording:
    """What was written: the file, its format, the time map and the beeps."""

    path: Path
    rate_hz: int
    frames: int
    time_map: TimeMap
    beeps: tuple[Beep, ...]
    #: 1: the mono recording (16-bit); 2: its two tracks kept apart for redaction (``assemble``).
    channels: int = 1

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz


def assemble(segments: Sequence[SegmentInput], timeline: Sequence[Keep | Insert],
             out_path: str | os.PathLike[str], rate_hz: int, beep: BeepSpec, *,
             tracks: int = 1) -> AssembledRecording:
    """Write the recording described by ``timeline`` to ``out_path`` (16-bit mono WAV), or with
    ``tracks`` 2 its two tracks (a 32-bit float WAV of two channels, not limited: each
    dual-channel leg's channels on their own track, a mono leg and the tones on the first;
    ``audio.mono.limited_mono`` of it is the mono recording), for redaction to mask each
    party on their own track before the mixdown.

    ``timeline`` is in recording order and its ``Keep`` items must move forward in call
    time. Raises ``AudioInputError`` for a segment that cannot be decoded; the output is
    then not written.
    """
    if tracks not in (1, TRACKS):
        raise ValueError(f"tracks must be 1 or {TRACKS}, got {tracks!r}")
    keeps = [(item, _frame(item.call_start_s, rate_hz), _frame(item.call_end_s, rate_hz))
             for item in timeline if isinstance(item, Keep)]
    _check_order(keeps)
    tone = beep_tone(beep, rate_hz)
    layout = _layout(timeline, rate_hz, len(tone))
    total_frames = layout[-1][1] + layout[-1][2] if layout else 0
    inserted = tuple(Beep(start / rate_hz, (start + len(tone)) / rate_hz, item.kind)
                     for item, start, _ in layout if isinstance(item, Insert))
    # silent kept time is paused time: no reminder sounds in it, nor does it count towards one
    paused = tuple((start / rate_hz, (start + frames) / rate_hz) for item, start, frames in layout
                   if isinstance(item, Keep) and item.silent)
    reminders = tuple(Beep(start_s, start_s + len(tone) / rate_hz, "reminder")
                      for start_s in reminder_starts_s(total_frames / rate_hz, beep, inserted, paused))
    readers = sorted((_SegmentReader(s.source, _frame(s.call_start_s, rate_hz), rate_hz, tracks, s.name)
                      for s in segments), key=lambda reader: reader.start_f)
    pieces = []
    writer = (AtomicWavWriter(out_path, rate_hz) if tracks == 1 else
              AtomicWavWriter(out_path, rate_hz, channels=tracks, subtype="FLOAT"))
    out = _OverlayWriter(writer, tone, [_frame(b.start_s, rate_hz) for b in reminders],
                         Limiter(rate_hz) if tracks == 1 else None)
    with out.writer:
        for item, position_f, _frames in layout:
            if isinstance(item, Insert):
                out.write(tone if tracks == 1 else np.stack([tone, np.zeros_like(tone)], axis=1))
                continue
            start_f, end_f = _frame(item.call_start_s, rate_hz), _frame(item.call_end_s, rate_hz)
            _add_piece(pieces, start_f, end_f, position_f)
            for block in _kept_blocks(readers, start_f, end_f, item.silent, tracks):
                out.write(block)
        out.finish()
    time_map = TimeMap(tuple(Piece(start_f / rate_hz, end_f / rate_hz, position_f / rate_hz)
                             for start_f, end_f, position_f in pieces))
    return AssembledRecording(Path(out_path), rate_hz, out.writer.frames, time_map,
                              tuple(sorted(inserted + reminders, key=lambda b: b.start_s)), tracks)


def _frame(seconds: float, rate_hz: int) -> int:
    return int(round(seconds * rate_hz))


def _add_piece(pieces: list[tuple[int, int, int]], start_f: int, end_f: int, position_f: int) -> None:
    """Append call frames [start_f, end_f) played from recording frame ``position_f``, merged
    into the previous piece when both clocks run on unbroken (compared in whole frames:
    the same test in float seconds missed about 4 boundaries in 10)."""
    if pieces:
        last_start_f, last_end_f, last_position_f = pieces[-1]
        if last_end_f == start_f and last_position_f + last_end_f - last_start_f == position_f:
            pieces[-1] = (last_start_f, end_f, last_position_f)
            return
    pieces.append((start_f, end_f, position_f))


def _check_order(keeps: list[tuple[Keep, int, int]]) -> None:
    last_end_f = None
    for item, start_f, end_f in keeps:
        if end_f < start_f:
            raise ValueError(f"timeline item ends before it starts: {item!r}")
        if last_end_f is not None and start_f < last_end_f:
            raise ValueError(f"timeline goes back in call time at {item!r}")
        last_end_f = end_f


def _layout(timeline: Sequence[Keep | Insert], rate_hz: int,
            tone_frames: int) -> list[tuple[Keep | Insert, int, int]]:
    """Each non-empty item with its start frame in the recording and its length in frames."""
    layout, position_f = [], 0
    for item in timeline:
        if isinstance(item, Insert):
            frames = tone_frames
        else:
            frames = _frame(item.call_end_s, rate_hz) - _frame(item.call_start_s, rate_hz)
        if frames > 0:
            layout.append((item, position_f, frames))
            position_f += frames
    return layout


def _kept_blocks(readers: list[_SegmentReader], start_f: int, end_f: int,
                 silent: bool, tracks: int = 1) -> Iterator[np.ndarray]:
    """Blocks of call frames [start_f, end_f) ((frames, tracks) with tracks): segment audio
    summed (the limiter downstream keeps the sum under full scale), silence where none."""
    for block_start_f in range(start_f, end_f, BLOCK_FRAMES):
        block_end_f = min(block_start_f + BLOCK_FRAMES, end_f)
        frames = block_end_f - block_start_f
        block = np.zeros(frames if tracks == 1 else (frames, tracks), dtype=np.float32)
        if silent:
            yield block
            continue
        written = False
        for reader in readers:
            if reader.start_f < block_end_f and not reader.finished_before(block_start_f):
                written |= reader.mix_into(block, block_start_f, first=not written)
        yield block


class _SegmentReader:
    """One segment as a forward-only stream of output-rate mono frames on the call clock.

    Resampled chunks are held as they come (no re-concatenation) and copied once, straight
    into the output block."""

    def __init__(self, source: AudioSource, start_f: int, rate_hz: int, tracks: int = 1,
                 name: str | None = None):
        self.start_f = start_f
        self._name = name
        self._blocks = (mono_blocks(source.blocks(), source.rate_hz, rate_hz) if tracks == 1 else
                        track_blocks(source.blocks(), source.rate_hz, rate_hz))
        self._chunks: deque[np.ndarray] = deque()
        #: Call frame of the first held frame, and how many frames are held.
        self._held_start_f = start_f
        self._held = 0
        self._exhausted = False

    def finished_before(self, frame: int) -> bool:
        """True when this segment has no audio at or after call frame ``frame``."""
        return self._exhausted and self._held_start_f + self._held <= frame

    def mix_into(self, block: np.ndarray, block_start_f: int, *, first: bool) -> bool:
        """Put this segment's audio for the block's frames into ``block``: copied when
        ``first`` (nothing written there yet), else added. True when it covered any frame."""
        block_end_f = block_start_f + len(block)
        self._drop_before(block_start_f)
        while not self._exhausted and self._held_start_f + self._held < block_end_f:
            self._pull()
            self._drop_before(block_start_f)
        covered, position_f = False, self._held_start_f
        for chunk in self._chunks:
            if position_f >= block_end_f:
                break
            lo_f, hi_f = max(block_start_f, position_f), min(block_end_f, position_f + len(chunk))
            if hi_f > lo_f:
                target = block[lo_f - block_start_f:hi_f - block_start_f]
                if first:
                    target[:] = chunk[lo_f - position_f:hi_f - position_f]
                else:
                    target += chunk[lo_f - position_f:hi_f - position_f]
                covered = True
            position_f += len(chunk)
        return covered

    def _pull(self) -> None:
        try:
            fresh = next(self._blocks)
        except StopIteration:
            self._exhausted = True
            return
        except AudioInputError as exc:
            if self._name is None:
                raise
            raise AudioInputError(f"{self._name}: {exc}") from exc
        self._chunks.append(fresh)
        self._held += len(fresh)

    def _drop_before(self, frame: int) -> None:
        while self._chunks and self._held_start_f + len(self._chunks[0]) <= frame:
            gone = len(self._chunks.popleft())
            self._held_start_f += gone
            self._held -= gone
        if self._chunks and frame > self._held_start_f:
            cut = frame - self._held_start_f
            self._chunks[0] = self._chunks[0][cut:]
            self._held_start_f += cut
            self._held -= cut


class _OverlayWriter:
    """Writes recording frames in order, mixing a reminder tone in at the given frames (on the
    first track of two) and passing the mix through the limiter (when there is one: tracks are
    limited in their mixdown); ``finish()`` writes what the limiter held back."""

    def __init__(self, writer: AtomicWavWriter, tone: np.ndarray, starts_f: list[int], limiter: Limiter | None):
        self.writer = writer
        self._tone = tone
        self._starts_f = sorted(starts_f)
        self._limiter = limiter
        self._position_f = 0
        self._next = 0  # first tone not yet over: blocks come in order, so each tone is passed once

    def write(self, block: np.ndarray) -> None:
        start_f, end_f = self._position_f, self._position_f + len(block)
        while self._next < len(self._starts_f) and self._starts_f[self._next] + len(self._tone) <= start_f:
            self._next += 1
        index = self._next
        while index < len(self._starts_f) and self._starts_f[index] < end_f:
            tone_start_f = self._starts_f[index]
            index += 1
            lo_f, hi_f = max(start_f, tone_start_f), min(end_f, tone_start_f + len(self._tone))
            if hi_f > lo_f:
                block = block.copy()
                mixed = block[lo_f - start_f:hi_f - start_f]
                if mixed.ndim == 2:
                    mixed = mixed[:, 0]
                mixed += self._tone[lo_f - tone_start_f:hi_f - tone_start_f]
        self.writer.write(block if self._limiter is None else self._limiter.process(block))
        self._position_f = end_f

    def finish(self) -> None:
        if self._limiter is not None:
            self.writer.write(self._limiter.flush())
