"""Keypad tone generator: the signals of the receiver spec grid (tests, bench, samples).

Levels are per tone in dBm0 (ITU-T G.711 scale, as the receiver spec states them); twist is
high-group level minus low-group level in dB, so +8 is normal twist, -4 reverse twist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redaction.dtmf import HIGH_GROUP_HZ, KEYPAD, LOW_GROUP_HZ, dbm0_to_amplitude


@dataclass(frozen=True)
class KeyPress:
    """One press to synthesise: key, duration and the impairments of the spec grid."""

    key: str
    on_s: float = 0.1
    deviation: float = 0.0  # relative frequency error of both tones, e.g. 0.015
    twist_db: float = 0.0
    level_dbm0: float = -10.0  # level of the louder tone

    def frequencies_hz(self) -> tuple[float, float]:
        for row, keys in enumerate(KEYPAD):
            if self.key in keys:
                col = keys.index(self.key)
                return LOW_GROUP_HZ[row] * (1 + self.deviation), HIGH_GROUP_HZ[col] * (1 + self.deviation)
        raise ValueError(f"not a keypad key: {self.key!r}")

    def amplitudes(self) -> tuple[float, float]:
        louder = dbm0_to_amplitude(self.level_dbm0)
        softer = dbm0_to_amplitude(self.level_dbm0 - abs(self.twist_db))
        return (softer, louder) if self.twist_db > 0 else (louder, softer)


def press_samples(press: KeyPress, rate_hz: int, rng: np.random.Generator) -> np.ndarray:
    """The dual tone of one press (random starting phases), float32."""
    f_low, f_high = press.frequencies_hz()
    a_low, a_high = press.amplitudes()
    t = np.arange(round(press.on_s * rate_hz)) / rate_hz
    phases = rng.uniform(0.0, 2.0 * np.pi, 2)
    tone = a_low * np.sin(2 * np.pi * f_low * t + phases[0]) + a_high * np.sin(2 * np.pi * f_high * t + phases[1])
    return tone.astype(np.float32)


def key_sequence(
    presses: list[KeyPress],
    rate_hz: int,
    *,
    gap_s: float = 0.1,
    lead_s: float = 0.2,
    snr_db: float | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Presses separated by ``gap_s`` of silence, with white noise at ``snr_db`` under the
    mean tone power when given. Returns the samples and each press's (start_s, end_s)."""
    rng = np.random.default_rng(seed)
    parts = [np.zeros(round(lead_s * rate_hz), np.float32)]
    times: list[tuple[float, float]] = []
    position = len(parts[0])
    powers = []
    for press in presses:
        tone = press_samples(press, rate_hz, rng)
        times.append((position / rate_hz, (position + len(tone)) / rate_hz))
        parts += [tone, np.zeros(round(gap_s * rate_hz), np.float32)]
        position += len(tone) + len(parts[-1])
        powers.append(sum(a * a / 2 for a in press.amplitudes()))
    parts.append(np.zeros(round(lead_s * rate_hz), np.float32))
    signal = np.concatenate(parts)
    if snr_db is not None and powers:
        sigma = np.sqrt(np.mean(powers) / 10 ** (snr_db / 10))
        signal = signal + rng.normal(0.0, sigma, len(signal)).astype(np.float32)
    return signal.astype(np.float32), times
