"""Babble: other people talking behind a call (a contact centre's floor, a caller in a cafe).

White noise fills a line's pauses evenly, the kind the noise meter (``redaction.line_noise``) was
calibrated on; babble comes and goes like speech and sounds like speech to the recognizer's
network. ``babble(n, rng)`` sums ``TALKERS`` streams, each the filler sentences of a harmless
call (``calls.make_call``) said by a tune voice (``BABBLE_VOICES``: never a held-out or Festival
voice), with its own pauses, every other unit (its numbers, the agent's questions about them) silenced:
the talkers behind a call say no number the scoring would have to know about. Each stream starts
at a random point of its call and loops; the streams are brought to one level before they are summed.
"""

from __future__ import annotations

import numpy as np

from tools.evalcalls import splits

#: Voices that talk behind a call: tune voices of both accents and sexes.
BABBLE_VOICES = ("en-us", "en-gb", "en-us+f1", "en-gb+m1", "en-us+m5", "en-gb+f5", "en-us+Andy", "en-gb+klatt3")
#: The seeds of the harmless calls they read from: far from the seeds calls are scored on.
BABBLE_SEEDS = (9001, 9002)
#: Talkers summed behind one call.
TALKERS = 4
#: Units that are kept: filler speech (no number the call's truth records; "neutral" words sit
#: inside data: the "slash" of an expiry date).
KEPT_KINDS = ("other",)

_streams: dict[tuple[str, int], np.ndarray] = {}


def _stream(voice: str, seed: int) -> np.ndarray:
    """The filler speech of ``voice``'s harmless call of ``seed``, every other unit silenced, at unit RMS
    over its speech."""
    key = (voice, seed)
    if key not in _streams:
        from tools.evalcalls.calls import make_call  # noqa: PLC0415 (calls imports this module)

        call = make_call(voice, "harmless", seed, 0)
        keep = np.zeros(call.audio.size, bool)
        for span in call.spans:
            if span.kind in KEPT_KINDS:
                keep[span.start : span.end] = True
        if not keep.any():
            raise ValueError(f"{call.name}: no filler speech to babble with")
        x = np.where(keep, call.audio, 0.0).astype(np.float32)
        _streams[key] = x / np.sqrt(np.mean(np.square(x[keep], dtype=np.float64)))
    return _streams[key]


def babble(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples (8 kHz) of ``TALKERS`` voices talking at once, drawn from ``rng``."""
    for voice in BABBLE_VOICES:
        if splits.split_of(voice) != "tune":
            raise ValueError(f"babble voice {voice} is not a tune voice")
    voices = rng.choice(len(BABBLE_VOICES), size=TALKERS, replace=False)
    out = np.zeros(n, np.float64)
    for index in voices:
        stream = _stream(BABBLE_VOICES[int(index)], int(BABBLE_SEEDS[int(rng.integers(len(BABBLE_SEEDS)))]))
        start = int(rng.integers(stream.size))
        looped = np.resize(np.roll(stream, -start), n)  # np.resize repeats it to n samples
        out += looped
    return out.astype(np.float32)
