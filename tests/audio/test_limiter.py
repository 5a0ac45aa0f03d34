"""The mixdown limiter: two full-scale talkers stay off the rails with low distortion; what
fits passes bit for bit; the output does not depend on block sizes."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.assembly import Keep, SegmentInput, assemble
from audio.beep import BeepSpec
from audio.decode import open_source
from audio.limiter import CEILING, HOLD_S, LOOKAHEAD_S, Limiter
from tests.audio.signals import sine

RATE = 8000


def talker(seed: int, seconds: float, rate_hz: int = RATE) -> np.ndarray:
    """A loud synthetic voice: a gliding harmonic series (pitch 90-250 Hz) under syllable-
    length envelopes, normalised so its peaks touch full scale."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * rate_hz)
    pitch_hz = np.repeat(rng.uniform(90, 250, frames // 1600 + 1), 1600)[:frames]
    pitch_hz = np.convolve(pitch_hz, np.ones(400) / 400, mode="same")
    phase = 2 * np.pi * np.cumsum(pitch_hz) / rate_hz
    voice = sum(np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 16))
    syllable = np.repeat(rng.uniform(0.5, 1.0, frames // 1200 + 1), 1200)[:frames]
    voice = voice * np.convolve(syllable, np.hanning(240) / np.hanning(240).sum(), mode="same")
    return (voice / np.abs(voice).max()).astype(np.float32)


def limited(signal: np.ndarray, block_frames: int | list[int] = 4096, rate_hz: int = RATE) -> np.ndarray:
    limiter, out, start = Limiter(rate_hz), [], 0
    sizes = block_frames if isinstance(block_frames, list) else None
    while start < len(signal):
        size = sizes[len(out) % len(sizes)] if sizes else block_frames
        out.append(limiter.process(signal[start:start + size]))
        start += size
    out.append(limiter.flush())
    return np.concatenate(out)


def pcm16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples.astype(np.float64) * 32768), -32768, 32767).astype(np.int32)


def at_full_scale(pcm: np.ndarray) -> float:
    return float(np.mean((pcm >= 32767) | (pcm <= -32767)))


def framed_snr_db(output: np.ndarray, ideal: np.ndarray, frame: int = 80) -> float:
    """Waveform fidelity: per 10 ms frame, the best single gain maps the ideal sum onto the
    output; what that gain cannot explain (new shapes: clipping, harmonics) is distortion."""
    count = len(ideal) // frame * frame
    out = output[:count].reshape(-1, frame).astype(np.float64)
    ref = ideal[:count].reshape(-1, frame).astype(np.float64)
    gain = (out * ref).sum(axis=1) / np.maximum((ref * ref).sum(axis=1), 1e-12)
    residual = out - gain[:, None] * ref
    return float(10 * np.log10(((gain[:, None] * ref) ** 2).sum() / (residual ** 2).sum()))


def test_two_full_scale_talkers_on_a_dual_channel_leg(tmp_path):
    agent, caller = talker(1, 12.0), talker(2, 12.0)
    caller[: 4 * RATE] = 0  # the caller starts talking over the agent after 4 s
    soundfile.write(tmp_path / "leg.wav", np.stack([agent, caller], axis=1), RATE, subtype="FLOAT")
    source = open_source(tmp_path / "leg.wav")
    try:
        assemble([SegmentInput(source, 0.0)], [Keep(0.0, 12.0)], tmp_path / "out.wav", RATE, BeepSpec())
    finally:
        source.close()
    pcm, _ = soundfile.read(tmp_path / "out.wav", dtype="int16")
    mixed = pcm.astype(np.int32)  # no Insert in the timeline: no beep
    ideal = agent.astype(np.float64) + caller
    assert len(mixed) == len(ideal)
    assert np.abs(ideal).max() > 1.8                      # the sum really goes far past full scale
    assert at_full_scale(mixed) <= 0.001                   # issue 11: <= 0.1 % at full scale
    assert np.abs(mixed).max() <= round(CEILING * 32768)
    assert framed_snr_db(mixed / 32768, ideal) >= 30.0      # the old tanh knee: 22.6 dB, 0.6 % at full scale
    # the agent alone (first 4 s, well before the caller's look-ahead) passes bit for bit
    alone = 4 * RATE - int(round(LOOKAHEAD_S * RATE)) - 1
    assert np.array_equal(mixed[:alone], pcm16(agent[:alone]))


def test_two_full_scale_tones_come_out_as_their_scaled_sum():
    t = np.arange(3 * RATE) / RATE
    ideal = np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 1000 * t)  # peaks near 2.0
    out = limited(ideal.astype(np.float32)).astype(np.float64)
    steady = slice(RATE, 2 * RATE)
    scale = np.dot(out[steady], ideal[steady]) / np.dot(ideal[steady], ideal[steady])
    residual = out[steady] - scale * ideal[steady]
    thd_db = 10 * np.log10(np.sum(residual ** 2) / np.sum((scale * ideal[steady]) ** 2))
    assert thd_db < -60          # a steady gain: no harmonics (the tanh knee: about -12 dB)
    assert scale == pytest.approx(CEILING / np.abs(ideal).max(), rel=1e-3)
    assert at_full_scale(pcm16(out)) == 0


def test_nothing_above_the_ceiling_passes_bit_exact():
    quiet = (0.48 * talker(3, 5.0) + 0.48 * talker(4, 5.0)).astype(np.float32)
    assert np.abs(quiet).max() <= CEILING
    assert np.array_equal(limited(quiet, 1000), quiet)


def test_only_the_neighbourhood_of_a_peak_is_touched():
    signal = (0.5 * talker(5, 4.0)).astype(np.float32)
    peak_f = 2 * RATE
    signal[peak_f] = 1.0
    out = limited(signal)
    before = peak_f - int(round(LOOKAHEAD_S * RATE))
    after = peak_f + int(round((HOLD_S + LOOKAHEAD_S) * RATE)) + 1
    assert np.array_equal(out[:before], signal[:before])
    assert np.array_equal(out[after:], signal[after:])
    assert abs(out[peak_f]) <= CEILING
    gain = out[before:after] / np.where(signal[before:after] == 0, 1, signal[before:after])
    assert np.all(gain <= 1.0) and gain.min() == pytest.approx(CEILING, abs=1e-6)


@pytest.mark.parametrize("blocks", [1, 7, 40, 65536, [3, 1000, 1, 17, 4096]])
def test_output_is_identical_whatever_the_block_sizes(blocks):
    signal = (talker(6, 1.0) + talker(7, 1.0)).astype(np.float32)
    assert np.array_equal(limited(signal, blocks), limited(signal, len(signal)))


@pytest.mark.parametrize("rate_hz", [8000, 16000, 44100])
def test_any_input_stays_under_the_ceiling_and_keeps_its_length(rate_hz):
    noise = np.random.default_rng(rate_hz).normal(0, 2.0, rate_hz).astype(np.float32)
    out = limited(noise, 999, rate_hz)
    assert len(out) == len(noise)
    assert np.abs(out).max() <= CEILING
    assert np.all(np.sign(out) == np.sign(noise))  # a gain, never a different waveform sign


def test_short_and_empty_streams():
    limiter = Limiter(RATE)
    assert len(limiter.process(np.zeros(0, dtype=np.float32))) == 0
    assert limiter.process(np.array([2.0, -2.0], dtype=np.float32)).size == 0  # held for look-ahead
    tail = limiter.flush()
    assert len(tail) == 2 and np.abs(tail).max() <= CEILING


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="rate_hz"):
        Limiter(0)
    limiter = Limiter(RATE)
    with pytest.raises(ValueError, match="mono"):
        limiter.process(np.zeros((4, 2), dtype=np.float32))
    limiter.flush()
    with pytest.raises(ValueError, match="after flush"):
        limiter.process(np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="twice"):
        limiter.flush()


def test_a_reminder_tone_over_loud_speech_is_limited_too(tmp_path):
    loud = (0.95 * sine(300, 3.0, RATE, amplitude=1.0)).astype(np.float32)
    soundfile.write(tmp_path / "leg.wav", loud, RATE, subtype="FLOAT")
    source = open_source(tmp_path / "leg.wav")
    spec = BeepSpec(level_dbfs=-6.0, reminder_interval_s=1.5)
    try:
        assemble([SegmentInput(source, 0.0)], [Keep(0.0, 3.0)], tmp_path / "out.wav", RATE, spec)
    finally:
        source.close()
    pcm, _ = soundfile.read(tmp_path / "out.wav", dtype="int16")
    assert at_full_scale(pcm.astype(np.int32)) == 0
    assert np.abs(pcm.astype(np.int32)).max() <= round(CEILING * 32768)
