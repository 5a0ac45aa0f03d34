"""The recording-warning tone: the start beep, beeps on resume and periodic reminders.

The classic recorder-warning tone is 1400 Hz for 0.5 s (the FCC "beep tone" repeated every
15 s when reminders are on). Its level is given as the peak of the sine relative to full
scale (dBFS); raised-cosine ramps at both ends keep it from clicking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from callrec.intervals import union

#: Length of each raised-cosine ramp (on and off); 10 ms is inaudible as a click.
RAMP_S = 0.010


@dataclass(frozen=True)
class BeepSpec:
    """How the beep sounds and when it repeats."""

    freq_hz: float = 1400.0
    duration_s: float = 0.5
    level_dbfs: float = -12.0
    #: Insert a beep wherever recording resumes after a pause.
    on_resume: bool = False
    #: Mix a reminder tone into the recording every this many seconds (0 = never).
    reminder_interval_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("freq_hz", "duration_s", "level_dbfs", "reminder_interval_s"):
            if not math.isfinite(getattr(self, name)):  # NaN slips through every comparison below
                raise ValueError(f"beep {name} must be a finite number, got {getattr(self, name)!r}")
        if not 0 < self.freq_hz:
            raise ValueError(f"beep frequency must be positive, got {self.freq_hz!r}")
        if not 0 < self.duration_s <= 10:
            raise ValueError(f"beep length must be in (0, 10] s, got {self.duration_s!r}")
        if not self.level_dbfs <= 0:
            raise ValueError(f"beep level must be <= 0 dBFS, got {self.level_dbfs!r}")
        if self.reminder_interval_s < 0 or 0 < self.reminder_interval_s <= self.duration_s:
            raise ValueError(f"reminder interval must be 0 or longer than the beep, "
                             f"got {self.reminder_interval_s!r}")

    @property
    def amplitude(self) -> float:
        return float(10 ** (self.level_dbfs / 20))


@dataclass(frozen=True)
class Beep:
    """A tone in the recording, on the recording clock; kind: start | resume | reminder."""

    start_s: float
    end_s: float
    kind: str


def beep_tone(spec: BeepSpec, rate_hz: int) -> np.ndarray:
    """The beep as float32 mono samples at ``rate_hz`` (length round(duration * rate))."""
    if spec.freq_hz >= rate_hz / 2:
        raise ValueError(f"beep of {spec.freq_hz!r} Hz cannot be played at {rate_hz!r} Hz")
    frames = int(round(spec.duration_s * rate_hz))
    t = np.arange(frames) / rate_hz
    tone = spec.amplitude * np.sin(2 * np.pi * spec.freq_hz * t)
    ramp_frames = min(int(round(RAMP_S * rate_hz)), frames // 2)
    if ramp_frames:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp_frames) + 0.5) / ramp_frames)
        tone[:ramp_frames] *= ramp
        tone[frames - ramp_frames:] *= ramp[::-1]
    return tone.astype(np.float32)


def reminder_starts_s(recording_s: float, spec: BeepSpec, busy: tuple[Beep, ...] = (),
                      paused: tuple[tuple[float, float], ...] = ()) -> tuple[float, ...]:
    """Start times of reminder tones: every interval of recording time, whole tones only,
    skipping any that would overlap an inserted beep in ``busy``.

    ``paused`` are the recording-time stretches [start_s, end_s) of paused call time kept as
    silence, in order. The FCC-style reminder tells the caller that recording is in progress,
    so none sounds there, and the interval counts only time in which recording is in progress:
    paused time stops the count and resuming goes on with it. That puts the reminders over the
    same recorded audio whether a pause is cut (``skip``) or kept as silence (``silence``, DESIGN
    gives both as two ways of keeping the same paused time), and never lets more than one
    interval of recorded time pass without a tone. A reminder falling due less than a tone's
    length before a pause sounds where recording resumes instead (no tone is cut short).
    """
    if not spec.reminder_interval_s:
        return ()
    # paused stretches in order, those that touch (a hold cut between two) joined
    pauses = union(((start_s, end_s) for start_s, end_s in paused if end_s > start_s), gap=1e-9)
    live_s = recording_s - sum(end_s - start_s for start_s, end_s in pauses)
    starts: list[float] = []
    k = 1
    while (due_s := k * spec.reminder_interval_s) + spec.duration_s <= live_s + 1e-9:
        k += 1
        start = _past_pauses(due_s, spec.duration_s, pauses)
        end = start + spec.duration_s
        if end > recording_s + 1e-9 or (starts and start < starts[-1] + spec.duration_s):
            continue
        if not any(b.start_s < end and start < b.end_s for b in busy):
            starts.append(start)
    return tuple(starts)


def _past_pauses(live_s: float, duration_s: float, pauses: list[tuple[float, float]]) -> float:
    """Recording time of a tone due ``live_s`` into recording-in-progress time: moved on by
    every pause before it, or to a pause's end when the pause begins under the tone."""
    start_s = live_s
    for pause_start_s, pause_end_s in pauses:
        if pause_start_s <= start_s + 1e-9:
            start_s += pause_end_s - pause_start_s
        elif pause_start_s < start_s + duration_s - 1e-9:
            start_s = pause_end_s
        else:
            break
    return start_s
