"""Run ends by index: the last open run in a range ending by a time, as a scan finds it."""

from __future__ import annotations

from random import Random

from redaction.run_ends import RunEnds


def scanned(ends_s: list[float], open_runs: set[int], lo: int, hi: int, at_s: float) -> int | None:
    return max((k for k in range(lo, hi) if k in open_runs and ends_s[k] <= at_s), default=None)


def test_last_at_most_is_the_scan_s_answer_as_runs_close() -> None:
    rng = Random(55)
    for n in (1, 2, 3, 7, 8, 9, 40):
        ends_s = [float(rng.randrange(20)) for _ in range(n)]
        tree, open_runs = RunEnds(ends_s), set(range(n))
        for _ in range(200):
            if open_runs and rng.random() < 0.2:
                k = rng.choice(sorted(open_runs))
                tree.close(k)
                open_runs.discard(k)
            lo, hi = sorted((rng.randrange(n + 1), rng.randrange(n + 1)))
            at_s = rng.randrange(-1, 21) + 0.5 * rng.randrange(2)
            assert tree.last_at_most(lo, hi, at_s) == scanned(ends_s, open_runs, lo, hi, at_s)


def test_exact_answers_and_empty_ranges() -> None:
    tree = RunEnds([3.0, 1.0, 5.0, 1.0])
    assert tree.last_at_most(0, 4, 1.0) == 3
    assert tree.last_at_most(0, 3, 1.0) == 1
    assert tree.last_at_most(0, 4, 0.5) is None
    assert tree.last_at_most(2, 2, 9.0) is None  # an empty range
    assert tree.last_at_most(0, 4, 9.0) == 3
    tree.close(3)
    tree.close(1)
    assert tree.last_at_most(0, 4, 1.0) is None
    assert tree.last_at_most(0, 4, 4.0) == 0
    assert RunEnds([]).last_at_most(0, 0, 1.0) is None
