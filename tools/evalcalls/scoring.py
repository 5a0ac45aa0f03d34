"""Scores a redaction of an evaluation call against its ground truth.

A sensitive unit counts as masked when MASKED_SHARE of its sound lies under a mask (its
digits all count masked, or all audible: "twenty seven" is two digits). A card leaks when
4 or more of its digits in a row (in reading order) are audible. Speech masked is the
masked share of the ``other`` and ``harmless`` spans' seconds. In a dual-channel call
(``calls.dual_channel``) each unit counts as masked by its speaker's channel's masks. Gate recall: a sensitive
digit is inside the gate when MASKED_SHARE of its sound lies inside the gate's regions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.evalcalls.calls import EvalCall, Span
from tools.evalcalls.voices import RATE_HZ

MASKED_SHARE = 0.8
LEAK_RUN_DIGITS = 4


def coverage_s(start_s: float, end_s: float, intervals_s: Sequence[tuple[float, float]]) -> float:
    """Seconds of [start_s, end_s) under the union of ``intervals_s`` (which may overlap)."""
    covered, reach = 0.0, start_s
    for a, b in sorted(intervals_s):
        a, b = max(a, reach), min(b, end_s)
        if b > a:
            covered += b - a
            reach = b
    return covered


def _share(span: Span, intervals_s: Sequence[tuple[float, float]] | Mapping[str, Sequence[tuple[float, float]]]) -> float:
    """The share of ``span``'s sound under ``intervals_s`` (or, given intervals by role, a
    dual-channel call's, under its role's)."""
    if isinstance(intervals_s, Mapping):
        intervals_s = intervals_s[span.role]
    a, b = span.start / RATE_HZ, span.end / RATE_HZ
    return coverage_s(a, b, intervals_s) / max(b - a, 1e-9)


def heard_share(span: Span, masked_s: Sequence[tuple[float, float]] | Mapping[str, Sequence[tuple[float, float]]],
                echoed: bool = False) -> float:
    """The share of ``span``'s sound masked where it is heard: under ``masked_s`` (a dual-channel
    call's by role: on its speaker's channel; ``echoed``, on every channel, the least of them)."""
    if echoed and isinstance(masked_s, Mapping):
        return min(_share(span, spans) for spans in masked_s.values())
    return _share(span, masked_s)


@dataclass(frozen=True)
class CallScore:
    digits: int
    digits_masked: int
    cards: int
    leaky_cards: int
    speech_s: float
    speech_masked_s: float
    harmless_s: float  # harmless-number phrases alone (a part of speech_s)
    harmless_masked_s: float
    gate_digits: int | None  # sensitive digits inside the gate's regions (None: no gate given)
    #: (kind, digits) of each sensitive unit left audible, for the miss list (no digit values).
    misses: tuple[tuple[str, int], ...]
    gate_misses: tuple[tuple[str, int], ...]


def score(call: EvalCall, masked_s: Sequence[tuple[float, float]] | Mapping[str, Sequence[tuple[float, float]]],
          gate_s: Sequence[tuple[float, float]] | None = None, echoed: bool = False) -> CallScore:
    """``masked_s``: the masked intervals, or a dual-channel call's by role (each unit is
    scored on its speaker's channel: ``calls.dual_channel``). ``echoed``: each channel of the
    dual-channel call carries the other (``dual_channel``'s ``echo_db``), so card data is
    masked only where it is masked on every channel (its echo is heard on the other)."""
    sensitive = [s for s in call.spans if s.sensitive]
    masked = [heard_share(s, masked_s, echoed) >= MASKED_SHARE for s in sensitive]
    run = longest = 0
    for span, hidden in zip(sensitive, masked):
        if span.kind != "card":
            continue
        run = 0 if hidden else run + span.digits
        longest = max(longest, run)
    cards = int(any(s.kind == "card" for s in sensitive))
    speech = [s for s in call.spans if s.speech]
    harmless = [s for s in speech if s.kind == "harmless"]
    gate_in = None if gate_s is None else [_share(s, gate_s) >= MASKED_SHARE for s in sensitive]
    return CallScore(
        digits=sum(s.digits for s in sensitive),
        digits_masked=sum(s.digits for s, m in zip(sensitive, masked) if m),
        cards=cards,
        leaky_cards=int(cards and longest >= LEAK_RUN_DIGITS),
        speech_s=sum(s.end - s.start for s in speech) / RATE_HZ,
        speech_masked_s=sum(_share(s, masked_s) * (s.end - s.start) for s in speech) / RATE_HZ,
        harmless_s=sum(s.end - s.start for s in harmless) / RATE_HZ,
        harmless_masked_s=sum(_share(s, masked_s) * (s.end - s.start) for s in harmless) / RATE_HZ,
        gate_digits=None if gate_in is None else sum(s.digits for s, g in zip(sensitive, gate_in) if g),
        misses=tuple((s.kind, s.digits) for s, m in zip(sensitive, masked) if not m),
        gate_misses=() if gate_in is None else tuple((s.kind, s.digits) for s, g in zip(sensitive, gate_in) if not g),
    )
