"""Run ends by index, for the card logic's look back from an ask (``cards._cards_before_expiry``).

A minimum segment tree over the ends (s) of the runs still open: ``last_at_most(lo, hi, x)`` is
the last open run in ``[lo, hi)`` ending at ``x`` or before, ``close(k)`` takes run ``k`` out,
each in O(log n). Scanning the runs of each ask's window instead took time quadratic in a text
whose words crowd into a few seconds (a provider's segment of thousands of tokens: session 55),
every ask reading again every run before it that no card could take.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class RunEnds:
    """The ends (finite seconds) of runs ``0 .. n-1``, each open until ``close``d."""

    def __init__(self, ends_s: Sequence[float]) -> None:
        self.size = 1
        while self.size < len(ends_s):
            self.size *= 2
        self.least_s = [math.inf] * (2 * self.size)  # node: the least end below it (inf: none open)
        self.least_s[self.size : self.size + len(ends_s)] = ends_s
        for node in range(self.size - 1, 0, -1):
            self.least_s[node] = min(self.least_s[2 * node], self.least_s[2 * node + 1])

    def close(self, k: int) -> None:
        node = self.size + k
        self.least_s[node] = math.inf
        while node > 1:
            node //= 2
            self.least_s[node] = min(self.least_s[2 * node], self.least_s[2 * node + 1])

    def last_at_most(self, lo: int, hi: int, at_s: float) -> int | None:
        """The largest open ``k`` in ``[lo, hi)`` whose run ends at ``at_s`` or before, or None."""
        return self._last(1, 0, self.size, lo, hi, at_s)

    def _last(self, node: int, node_lo: int, node_hi: int, lo: int, hi: int, at_s: float) -> int | None:
        if node_hi <= lo or hi <= node_lo or not self.least_s[node] <= at_s:
            return None
        if node_hi - node_lo == 1:
            return node_lo
        mid = (node_lo + node_hi) // 2
        found = self._last(2 * node + 1, mid, node_hi, lo, hi, at_s)
        return found if found is not None else self._last(2 * node, node_lo, mid, lo, hi, at_s)
