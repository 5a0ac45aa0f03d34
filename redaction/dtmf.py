"""DTMF (touch-tone) receiver: finds keyed digits in a stream of audio blocks.

Standards. Frequencies from ITU-T Q.23; receiver numbers from ITU-T Q.24 as the North
American administrations state them (Bellcore/Telcordia LSSGR TR-NWT-000506, AT&T
Compatibility Bulletin 105), which the Mitel MT8870 receiver data sheet also quotes:

- low group 697, 770, 852, 941 Hz; high group 1209, 1336, 1477, 1633 Hz (Q.23);
- frequency: operate when each tone is off by <= 1.5 %, never operate when off by >= 3.5 %;
- duration: operate on tones of >= 40 ms, never on tones < 20 ms (signal interruptions of
  <= 10 ms are bridged; a pause of >= 40 ms separates two presses of the same key);
- twist: operate with the high group up to 8 dB louder (normal twist) and the low group up
  to 4 dB louder (reverse twist);
- level: operate from 0 down to -25 dBm0 per tone; never below -55 dBm0;
- noise: operate at a signal-to-noise ratio of 15 dB.

Method. Audio is resampled to 8 kHz (the telephone rate) in a streaming resampler, cut
into Hann-windowed 20 ms frames every 5 ms, and projected on the eight DTMF frequencies
(one matrix product per block: a vectorised Goertzel). Each tone's true frequency comes from
the phase advance of its bin between consecutive frames, which is far sharper than the bin
width: that is what lets 20 ms frames tell 1.5 % from 3.5 %. A frame holds a digit when both
tones are inside the tolerance, loud enough, within the twist limits and carry nearly all
of the frame's energy. Consecutive digit frames form a press; a press counts when its
measured duration reaches the midpoint between the reject and operate durations, unless
its two tones glide together in frequency: that is a voice (its harmonics move as one),
not a keypad.

Memory is flat: the detector keeps one frame of audio and the open press between blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from audio.resample import Resampler

#: Version recorded in reports and metadata; bump when detection behaviour changes.
VERSION = "1.0"

#: ITU-T Q.23 frequencies (Hz) and the keypad they encode (rows: low group, columns: high).
LOW_GROUP_HZ = (697.0, 770.0, 852.0, 941.0)
HIGH_GROUP_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")

#: Receiver specification (Q.24 / Bellcore / Mitel numbers listed in the module header).
OPERATE_DEVIATION = 0.015  # 1.5 %
REJECT_DEVIATION = 0.035  # 3.5 %
OPERATE_ON_S = 0.040  # 40 ms
REJECT_ON_S = 0.020  # 20 ms
BRIDGED_INTERRUPTION_S = 0.010  # 10 ms
NORMAL_TWIST_DB = 8.0  # high group louder
REVERSE_TWIST_DB = 4.0  # low group louder
OPERATE_LEVEL_DBM0 = -25.0  # weakest tone that must operate
REJECT_LEVEL_DBM0 = -55.0  # loudest tone that must not operate
OPERATE_SNR_DB = 15.0

#: G.711: a full-scale sine is +3.17 dBm0, so 0 dBfs (sine-referenced) = 3.17 dBm0.
FULL_SCALE_DBM0 = 3.17

#: Analysis grid: telephone rate, 20 ms Hann frames every 5 ms.
ANALYSIS_RATE_HZ = 8000
FRAME_SAMPLES = 160  # 20 ms
HOP_SAMPLES = 40  # 5 ms

#: Decision thresholds derived from the spec values above.
#: Accept a tone off by less than the midpoint of the operate and reject deviations.
DEVIATION_LIMIT = (OPERATE_DEVIATION + REJECT_DEVIATION) / 2.0
#: Count a press whose measured duration reaches the midpoint of 20 and 40 ms.
MIN_ON_S = (OPERATE_ON_S + REJECT_ON_S) / 2.0
#: Digit frames a press needs: the frames wholly inside a 40 ms tone, less one that noise
#: may spoil. Without it, speech energy in the two bins around a few stray frames could
#: pass for a tone's edges.
MIN_DIGIT_FRAMES = round((OPERATE_ON_S * ANALYSIS_RATE_HZ - FRAME_SAMPLES) / HOP_SAMPLES) + 1 - 1
#: Frames that may drop out inside one press (a 10 ms interruption is bridged).
BRIDGE_FRAMES = round(BRIDGED_INTERRUPTION_S * ANALYSIS_RATE_HZ / HOP_SAMPLES)
#: Frames before the first and after the last digit frame that still overlap the tone.
CONTEXT_FRAMES = FRAME_SAMPLES // HOP_SAMPLES
#: Twist limits with 2 dB of measurement tolerance (noise at 15 dB S/N moves the estimate).
TWIST_TOLERANCE_DB = 2.0
MAX_NORMAL_TWIST_DB = NORMAL_TWIST_DB + TWIST_TOLERANCE_DB
MAX_REVERSE_TWIST_DB = REVERSE_TWIST_DB + TWIST_TOLERANCE_DB
#: Weakest tone a frame may hold: 10 dB under the operate level (partial frames at a press's
#: edges and noise must still pass), still 20 dB above the must-not-operate level.
MIN_TONE_DBM0 = OPERATE_LEVEL_DBM0 - 10.0
#: Largest drift of both tones' frequency in the same direction between the first and the
#: second half of a press (relative); noise at 15 dB S/N moves a tone's estimate by ~0.3 %.
MAX_GLIDE = 0.005
#: Share of the frame's power two tones keep at the operate S/N (97 %).
SHARE_AT_OPERATE_SNR = 1.0 / (1.0 + 10.0 ** (-OPERATE_SNR_DB / 10.0))
#: Share of the frame's power the two tones must carry: 7 points under SHARE_AT_OPERATE_SNR
#: for the estimate's own noise; speech spreads its power over many harmonics.
MIN_TONE_SHARE = 0.9


def dbm0_to_amplitude(level_dbm0: float) -> float:
    """Peak amplitude (full scale = 1.0) of a sine at ``level_dbm0``."""
    return 10.0 ** ((level_dbm0 - FULL_SCALE_DBM0) / 20.0)


@dataclass(frozen=True)
class DtmfTone:
    """One key press: its time on the input's clock, the key, and a confidence in [0, 1].

    ``key`` is card data: it is never logged or reported.
    """

    start_s: float
    end_s: float
    key: str
    confidence: float

    def __repr__(self) -> str:  # never show the key
        return f"DtmfTone({self.start_s:.3f}-{self.end_s:.3f}s, conf={self.confidence:.2f})"


class _Bank:
    """The eight-frequency analysis filter bank (constants shared by every detector)."""

    def __init__(self) -> None:
        n = np.arange(FRAME_SAMPLES)
        window = 0.5 - 0.5 * np.cos(2.0 * np.pi * (n + 0.5) / FRAME_SAMPLES)
        self.freqs_hz = np.array(LOW_GROUP_HZ + HIGH_GROUP_HZ)
        phase = 2.0 * np.pi * np.outer(n, self.freqs_hz) / ANALYSIS_RATE_HZ
        # Windowed cosine and sine bases side by side: one matmul gives all 8 bins.
        self.basis = np.concatenate([np.cos(phase), np.sin(phase)], axis=1) * window[:, None]
        self.basis = self.basis.astype(np.float32)
        self.window_sq = (window**2).astype(np.float32)
        self.amp_scale = 2.0 / window.sum()
        self.power_norm = 1.0 / float((window**2).sum())
        # Expected phase advance of each bin over one hop, for a tone exactly on frequency.
        self.hop_rotation = np.exp(-2j * np.pi * self.freqs_hz * HOP_SAMPLES / ANALYSIS_RATE_HZ)
        self.bin_hz = ANALYSIS_RATE_HZ / FRAME_SAMPLES


_BANK = _Bank()


def _hann_response(offset_bins: np.ndarray) -> np.ndarray:
    """Gain of the Hann-window bin for a tone ``offset_bins`` away from the bin centre."""
    d = np.abs(offset_bins)
    denom = 1.0 - d * d
    safe = np.where(np.abs(denom) < 1e-6, 1.0, denom)
    return np.where(np.abs(denom) < 1e-6, 0.5, np.abs(np.sinc(d) / safe))


class DtmfDetector:
    """Streaming DTMF receiver. Feed contiguous mono float32 blocks; collect presses::

        detector = DtmfDetector(rate_hz=8000)
        tones = [tone for block in blocks for tone in detector.feed(block)]
        tones += detector.finish()

    Times are seconds from the first block, on the input's clock.
    """

    name = "dtmf"
    version = VERSION

    def __init__(self, rate_hz: int) -> None:
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz!r}")
        self.rate_hz = int(rate_hz)
        self._resampler = Resampler(self.rate_hz, ANALYSIS_RATE_HZ)  # identity at 8 kHz
        self._buffer = np.zeros(0, dtype=np.float32)
        self._next_frame = 0  # index of the first frame in self._buffer
        self._prev_bins: np.ndarray | None = None  # complex bins of the frame before
        self._run: _Press | None = None
        self._history = np.zeros((0, 8), dtype=np.float32)  # bin amplitudes of recent frames
        self._closed_at = 0  # frame where the last press's envelope ended
        self._finished = False

    def feed(self, block: np.ndarray) -> list[DtmfTone]:
        """Analyse one more block; returns the presses that ended so far."""
        if self._finished:
            raise RuntimeError("DtmfDetector.feed() after finish()")
        return self._analyse(self._resampler.process(np.asarray(block, dtype=np.float32).reshape(-1)))

    def finish(self) -> list[DtmfTone]:
        """Flush the resampler and the open press; the detector cannot be fed afterwards."""
        if self._finished:
            return []
        tones: list[DtmfTone] = []
        tones += self._analyse(self._resampler.flush())
        # Silence after the end, so the last samples and a press's trailing frames are seen.
        tones += self._analyse(np.zeros(FRAME_SAMPLES + (CONTEXT_FRAMES + 1) * HOP_SAMPLES, np.float32))
        if self._run is not None:
            tones += self._close(self._run)
            self._run = None
        self._finished = True
        return tones

    # -- analysis -------------------------------------------------------------------------

    def _analyse(self, samples: np.ndarray) -> list[DtmfTone]:
        buffer = np.concatenate([self._buffer, samples]) if self._buffer.size else samples
        count = 0 if buffer.size < FRAME_SAMPLES else (buffer.size - FRAME_SAMPLES) // HOP_SAMPLES + 1
        if count == 0:
            self._buffer = buffer
            return []
        frames = np.lib.stride_tricks.sliding_window_view(buffer, FRAME_SAMPLES)[::HOP_SAMPLES][:count]
        first = self._next_frame
        self._buffer = buffer[count * HOP_SAMPLES :].copy()
        self._next_frame += count
        digits, amp, share = self._classify(frames)
        return self._track(first, digits, amp, share)

    def _classify(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per frame: keypad index (-1 for none), the 8 bin amplitudes, the tones' power share."""
        bank = _BANK
        projected = frames @ bank.basis
        bins = (projected[:, :8] - 1j * projected[:, 8:]).astype(np.complex64)
        power = (frames * frames) @ bank.window_sq * bank.power_norm
        amp = np.abs(bins) * bank.amp_scale
        low = np.argmax(amp[:, :4], axis=1)
        high = 4 + np.argmax(amp[:, 4:], axis=1)
        rows = np.arange(len(frames))

        # Phase advance over one hop against the on-frequency advance gives each tone's offset.
        starting = self._prev_bins is None
        prev = np.concatenate([bins[:1] if starting else self._prev_bins[None, :], bins[:-1]])
        self._prev_bins = bins[-1].copy()
        advance = bins * np.conj(prev) * bank.hop_rotation
        offset_hz = np.angle(advance) * ANALYSIS_RATE_HZ / (2.0 * np.pi * HOP_SAMPLES)
        if starting:  # the very first frame has no predecessor to measure against
            offset_hz[0] = ANALYSIS_RATE_HZ  # far outside any tolerance

        low_off, high_off = offset_hz[rows, low], offset_hz[rows, high]
        low_amp = amp[rows, low] / _hann_response(low_off / bank.bin_hz)
        high_amp = amp[rows, high] / _hann_response(high_off / bank.bin_hz)
        low_dev = np.abs(low_off) / bank.freqs_hz[low]
        high_dev = np.abs(high_off) / bank.freqs_hz[high]
        share = (low_amp**2 + high_amp**2) / 2.0 / np.maximum(power, 1e-20)
        twist_db = 20.0 * np.log10(np.maximum(high_amp, 1e-12) / np.maximum(low_amp, 1e-12))
        floor = dbm0_to_amplitude(MIN_TONE_DBM0)
        valid = (
            (low_dev < DEVIATION_LIMIT)
            & (high_dev < DEVIATION_LIMIT)
            & (low_amp >= floor)
            & (high_amp >= floor)
            & (twist_db <= MAX_NORMAL_TWIST_DB)
            & (twist_db >= -MAX_REVERSE_TWIST_DB)
            & (share >= MIN_TONE_SHARE)
            & (share <= 1.5)  # more than all the power: a phase estimate gone wrong
        )
        digits = np.where(valid, low * 4 + (high - 4), -1)
        self._deviations = (low_off / bank.freqs_hz[low], high_off / bank.freqs_hz[high])
        return digits, amp, share

    def _track(self, first: int, digits: np.ndarray, amp: np.ndarray, share: np.ndarray) -> list[DtmfTone]:
        """Group digit frames into presses; ``first`` is the index of the block's first frame."""
        table = np.concatenate([self._history, amp]) if len(self._history) else amp
        base = first - len(self._history)
        end = first + len(amp)
        tones: list[DtmfTone] = []
        for i in np.flatnonzero(digits >= 0):
            index, digit = first + int(i), int(digits[i])
            run = self._run
            if run is not None and (digit != run.digit or index - run.last > BRIDGE_FRAMES + 1):
                run.extend(table, base, min(index, run.last + CONTEXT_FRAMES + 1))
                tones += self._close(run)
                run = None
            if run is None:
                run = self._run = _Press(digit, index, max(index - CONTEXT_FRAMES, base, self._closed_at))
            run.last = index
            run.shares.append(float(share[i]))
            run.low_devs.append(float(self._deviations[0][i]))
            run.high_devs.append(float(self._deviations[1][i]))
        run = self._run
        if run is not None:
            if end - 1 - run.last >= CONTEXT_FRAMES:
                run.extend(table, base, run.last + CONTEXT_FRAMES + 1)
                tones += self._close(run)
                self._run = None
            else:
                run.extend(table, base, end)
        self._history = table[-CONTEXT_FRAMES:]
        return tones

    def _close(self, run: _Press) -> list[DtmfTone]:
        self._closed_at = run.cursor  # the next press's envelope starts after this one's
        # A steady tone adds its share of the window to every frame it overlaps, so the
        # envelope of its two bins summed over the press and its edges, in units of the
        # steady amplitude, is the tone's duration in hops. The weaker tone decides.
        low, high = np.asarray(run.low_env), np.asarray(run.high_env)
        envelope = np.minimum(low / max(low.max(), 1e-12), high / max(high.max(), 1e-12))
        on_s = float(envelope.sum()) * HOP_SAMPLES / ANALYSIS_RATE_HZ
        if on_s < MIN_ON_S or len(run.shares) < MIN_DIGIT_FRAMES or _glides(run):
            return []
        start_s = run.first * HOP_SAMPLES / ANALYSIS_RATE_HZ
        end_s = (run.last * HOP_SAMPLES + FRAME_SAMPLES) / ANALYSIS_RATE_HZ
        confidence = float(np.clip(np.median(run.shares), 0.0, 1.0))
        return [DtmfTone(start_s, end_s, KEYPAD[run.digit // 4][run.digit % 4], confidence)]


class _Press:
    """The press being tracked: key, first and last digit frame, envelope of its two bins."""

    __slots__ = ("digit", "first", "last", "cursor", "low_env", "high_env", "shares", "low_devs", "high_devs")

    def __init__(self, digit: int, first: int, cursor: int) -> None:
        self.digit, self.first, self.last = digit, first, first
        self.cursor = cursor  # first frame not yet added to the envelope
        self.low_env: list[float] = []
        self.high_env: list[float] = []
        self.shares: list[float] = []
        self.low_devs: list[float] = []  # signed relative frequency error per digit frame
        self.high_devs: list[float] = []

    def extend(self, table: np.ndarray, base: int, upto: int) -> None:
        """Add the bin amplitudes of frames ``cursor .. upto-1`` (rows of ``table`` from ``base``)."""
        if upto <= self.cursor:
            return
        rows = table[self.cursor - base : upto - base]
        self.low_env.extend(rows[:, self.digit // 4].tolist())
        self.high_env.extend(rows[:, 4 + self.digit % 4].tolist())
        self.cursor = upto


def _glides(run: _Press) -> bool:
    """True when both tones drift the same way: the harmonics of a voice gliding in pitch.

    A key's two tones come from two fixed oscillators; a vowel whose harmonics happen to sit
    on a DTMF pair moves them together, by the same relative amount."""
    half = len(run.low_devs) // 2
    low = np.mean(run.low_devs[-half:]) - np.mean(run.low_devs[:half])
    high = np.mean(run.high_devs[-half:]) - np.mean(run.high_devs[:half])
    return bool(low * high > 0 and min(abs(low), abs(high)) > MAX_GLIDE)


def detect_dtmf(blocks: Iterable[np.ndarray] | np.ndarray, rate_hz: int) -> Iterator[DtmfTone]:
    """Convenience: all presses in ``blocks`` (or one array) at ``rate_hz``."""
    detector = DtmfDetector(rate_hz)
    if isinstance(blocks, np.ndarray):
        blocks = [blocks]
    for block in blocks:
        yield from detector.feed(block)
    yield from detector.finish()
