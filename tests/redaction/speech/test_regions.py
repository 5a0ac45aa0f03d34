import numpy as np
import pytest

from redaction.speech.regions import MAX_REGION_S, PRE_ROLL_S, Region, RegionFinder, spoken_s


def signal(pattern: list[tuple[float, float]], seed: int = 0) -> np.ndarray:
    """(seconds, amplitude) pieces of noise: amplitude 0 is a quiet line (-80 dBFS)."""
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal(int(s * 8000)).astype(np.float32) * (a or 1e-4) for s, a in pattern]
    return np.concatenate(parts)


def regions(x: np.ndarray, block: int):
    finder = RegionFinder()
    out = []
    for i in range(0, x.size, block):
        out += list(finder.feed(x[i : i + block]))
    return out + list(finder.finish())


def test_two_bursts_two_regions_with_pre_roll():
    x = signal([(1.0, 0), (0.5, 0.1), (1.0, 0), (0.3, 0.1), (1.0, 0)])
    found = regions(x, 4096)
    assert [round(r.start_s, 2) for r in found] == [0.8, 2.3]  # 200 ms before each onset
    # each ends 200 ms after its burst: 0.2 + 0.5 + 0.2 s and 0.2 + 0.3 + 0.2 s
    assert [r.samples.size for r in found] == [7200, 5600]


def test_short_pause_does_not_split():
    x = signal([(1.0, 0), (0.4, 0.1), (0.2, 0), (0.4, 0.1), (1.0, 0)])
    assert len(regions(x, 4096)) == 1


def test_block_size_does_not_change_regions():
    x = signal([(0.5, 0), (0.7, 0.2), (0.6, 0), (0.2, 0.05), (0.9, 0), (1.1, 0.1), (0.1, 0)], seed=3)
    a = regions(x, 80 * 7 + 3)
    b = regions(x, 65536)
    assert [r.start_s for r in a] == [r.start_s for r in b]
    assert all(np.array_equal(p.samples, q.samples) for p, q in zip(a, b))


def test_long_speech_is_split_and_nothing_is_lost():
    x = signal([(0.5, 0), (20.0, 0.1), (0.5, 0)])
    found = regions(x, 8000)
    assert len(found) == 3
    assert all(r.samples.size <= MAX_REGION_S * 8000 for r in found)
    # consecutive pieces are contiguous: each starts where the previous ended
    for a, b in zip(found, found[1:]):
        assert round(a.start_s + a.samples.size / 8000, 3) == round(b.start_s, 3)


def test_silence_gives_no_region():
    assert regions(np.zeros(80000, np.float32), 4096) == []


def test_region_repr_holds_no_audio() -> None:
    assert repr(Region(1.25, np.full(800, 0.5, np.float32))) == "Region(start_s=1.25)"


def test_open_from_is_the_open_regions_start_or_the_pre_roll() -> None:
    finder = RegionFinder()
    list(finder.feed(np.zeros(8000, np.float32)))  # 1 s of silence: pre-roll of 0.2 s kept
    assert finder.open_from_s == pytest.approx(0.8)
    loud = (np.random.default_rng(0).standard_normal(4000) * 0.1).astype(np.float32)
    list(finder.feed(loud))  # speech from 1.0 s: the region starts with the pre-roll
    assert finder.open_from_s == pytest.approx(0.8)


def test_the_speech_in_a_region_is_without_the_quiet_it_keeps_around_it():
    assert spoken_s(1.0, 3.0) == (1.0 + PRE_ROLL_S, 3.0 - PRE_ROLL_S)
    assert spoken_s(1.0, 1.3) == (1.15, 1.15)  # shorter than its quiet: its middle


def test_a_region_ends_where_its_samples_do() -> None:
    assert Region(2.5, np.zeros(4000, np.float32)).end_s == 3.0  # 0.5 s at 8 kHz
