import numpy as np
import pytest

from audio.limiter import CEILING
from audio.mono import limited_mono, mix_to_mono
from tests.audio.signals import sine


def test_mono_passes_unchanged():
    block = sine(440, 0.1, 8000)[:, None]
    assert np.array_equal(mix_to_mono(block), block[:, 0])


def test_dual_channel_legs_keep_each_voice_level():
    agent = sine(300, 0.1, 8000, amplitude=0.4)
    caller = np.zeros_like(agent)
    mixed = mix_to_mono(np.stack([agent, caller], axis=1))
    assert np.array_equal(mixed, agent)


def test_channels_are_summed_exactly_even_past_full_scale():
    # No per-sample bending here: the mixdown's limiter (audio.limiter) handles the level.
    block = np.array([[1.0, 1.0], [-1.0, -0.5], [0.25, 0.5]], dtype=np.float32)
    assert mix_to_mono(block).tolist() == [2.0, -1.5, 0.75]


def test_limited_mono_sums_exactly_where_nothing_is_loud():
    # Two quiet channels: the sum, sample for sample (a mean would give 0.375, -0.125, 0.0625).
    stereo = np.tile(np.array([[0.25, 0.5], [-0.125, -0.125], [0.0625, 0.0625]], np.float64), (1000, 1))
    out = np.concatenate(list(limited_mono([stereo[:1234], stereo[1234:]], 8000)))
    assert out.dtype == np.float32 and out.shape == (3000,)
    assert out[:3].tolist() == [0.75, -0.25, 0.125]
    assert np.array_equal(out, np.tile(np.float32([0.75, -0.25, 0.125]), 1000))


def test_limited_mono_keeps_loud_overlap_under_the_ceiling_and_the_rest_exact():
    rate = 8000
    quiet = sine(200, 1.0, rate, amplitude=0.2)
    loud = sine(300, 1.0, rate, amplitude=0.9)
    left = np.concatenate([quiet, loud])
    right = np.concatenate([np.zeros_like(quiet), loud])
    out = np.concatenate(list(limited_mono([np.stack([left, right], axis=1)], rate)))
    assert len(out) == 2 * rate
    assert np.abs(out).max() <= CEILING
    assert np.array_equal(out[: rate - 1000], quiet[: rate - 1000])  # far from the overlap: bit-exact


def test_limited_mono_passes_a_single_channel_untouched_whatever_its_level():
    block = np.float64([0.99, -1.0, 0.5])
    out = list(limited_mono([block[:, None], block], 8000))
    assert len(out) == 2 and all(o.dtype == np.float32 for o in out)
    assert all(np.array_equal(o, np.float32([0.99, -1.0, 0.5])) for o in out)


@pytest.mark.parametrize("sizes", [(1,), (7, 1000), (4096, 4096, 4096)])
def test_limited_mono_does_not_depend_on_block_sizes(sizes):
    rng = np.random.default_rng(3)
    stereo = rng.uniform(-0.9, 0.9, (sum(sizes) if len(sizes) > 1 else 5000, 2)).astype(np.float32)
    whole = np.concatenate(list(limited_mono([stereo], 8000)))
    edges = np.cumsum((0, *sizes))
    parts = [stereo[a:b] for a, b in zip(edges[:-1], edges[1:])] if len(sizes) > 1 else [stereo[:1], stereo[1:]]
    assert np.array_equal(np.concatenate(list(limited_mono(parts, 8000))), whole)
