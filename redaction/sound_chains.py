"""Long chains of number sounds on a noisy line: a card read where the words were lost.

On a noisy line Whisper writes many of a card's digits as other words, or none, and the card
logic then finds no card; the recognizer's small network still hears a number sound for most
digits (``recognizer.Sounding``: the moments it heard one). A chain of at least
``MIN_CHAIN_SOUNDS`` number sounds, each at most ``MAX_GAP_S`` after the one before (a digit read
every 0.3-0.8 s, in groups), is longer than any phone number read digit by digit: where the words'
card data does not already cover it, the engine masks it as a card number (``engine``), on a noisy
line only (``line_noise``): on a quiet one such chains also form over other speech and phone numbers
(tune word sets as made: a leaky card fewer on two of eight sets, harmless calls' speech masked
0.4-0.8 point more on seven). On two tune sets made 10 dB noisier (seeds 281-284, 1553 and 1558
digits; the meter took 57 % of their calls for noisy) it masked 16 and 39 digits more, leaky cards
3 -> 2 and 6 -> 4, for 0.2-0.5 point more other speech and harmless calls' speech 1.73 -> 2.64 %;
held out (seeds 112-117, 10 dB noisier) 1720 -> 1749 of 1924 digits, leaky cards 5 -> 3, harmless
calls 1.92 -> 3.03 %, the calls as made the same.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Version of the chain rule, part of a recognizer's detector version (``engine.recognizer_version``).
VERSION = "1"
#: A chain detection's detector: the recognizer's name and this ("recognizer:whisper/sound-chains").
DETECTOR_SUFFIX = "/sound-chains"
#: Number-sound moments this close are one sound (the network's frames are 20 ms apart).
SAME_SOUND_S = 0.05
#: Longest gap between two sounds of a chain.
MAX_GAP_S = 1.0
#: Fewest sounds of a chain masked as a card (a UK phone number read digit by digit has 11).
MIN_CHAIN_SOUNDS = 15
#: A chain whose time the words' card data already covers this much of adds nothing.
COVERED_SHARE = 0.5
#: Confidence of such a detection (a card number found by sound alone).
CHAIN_CONFIDENCE = 0.3


def chains(sounds: Sequence[tuple[float, float]]) -> list[tuple[float, float, int]]:
    """(start_s, end_s, sounds) of each chain of the number sounds ``sounds`` ((moment s, probability)
    each, any order): moments within SAME_SOUND_S of each other are one sound, and a chain ends
    where the next sound begins more than MAX_GAP_S after its last one."""
    out: list[list[float]] = []  # [start_s, end_s, sounds]
    last_s = None
    for t, _ in sorted(sounds):
        if last_s is not None and t - last_s <= SAME_SOUND_S:
            out[-1][1] = t
        elif out and t - out[-1][1] <= MAX_GAP_S:
            out[-1][1], out[-1][2] = t, out[-1][2] + 1
        else:
            out.append([t, t, 1])
        last_s = t
    return [(a, b, int(n)) for a, b, n in out]


def uncovered_chains_s(sounds: Sequence[tuple[float, float]],
                       covered_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of each chain of at least MIN_CHAIN_SOUNDS sounds of which ``covered_s``
    (the card data found in the words) covers less than COVERED_SHARE."""
    out = []
    for a, b, n in chains(sounds):
        if n < MIN_CHAIN_SOUNDS:
            continue
        covered = sum(max(0.0, min(b, y) - max(a, x)) for x, y in covered_s)
        if covered < COVERED_SHARE * (b - a):
            out.append((a, b))
    return out
