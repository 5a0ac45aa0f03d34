"""One Whisper window (at most 30 s of 16 kHz audio) to timed words, through faster-whisper.

faster-whisper's ``transcribe()`` with its long-form loop: Whisper tiny often stops
decoding after a phrase, and the loop encodes again from the last word heard until the
window's end. When a decode ends on a lone timestamp, though, the loop moves on to the window's
end, and Whisper also writes nothing over some seconds of speech, one word timed over them, or a
decoding loop ("-9, -9, -9, ..." across 16 s of a card call: ``loops``, dropped first): such a
stretch (``UNHEARD_S``, with speech in it) is decoded again on its own. Decoding is a beam search of
``BEAM_SIZE`` (Whisper's and faster-whisper's default; greedy decoding wrote digits as other words
far more often on the tune calls: 84.1 % of their digits masked against 89.7 % on fresh seeds);
when the output repeats itself (compression ratio over 2.4, Whisper's usual test for a decoding loop, which
digit strings read slowly can trigger), faster-whisper decodes again at rising temperatures.
An unsure decode is not decoded again (faster-whisper's log-probability test is off): on the
tune calls those decodes took about 18 % of the whole redaction's time. Nor is a window skipped
as silence: with the log-probability test off, faster-whisper's no-speech test alone (Whisper's
no-speech probability over 0.6) would skip the window to its end, however sure the words
decoded there (30 s of an expiry date and a code in a tune call, fsdd-jackson+high seed 107,
had no word); what Whisper hears is speech already. A fallback decode
samples one hypothesis (faster-whisper's default samples five and keeps the likeliest: five
times the cost where a loop already cost the most), and no decode writes more than half of
``MAX_NEW_TOKENS`` (measured: CTranslate2 4.8's Whisper stops at half the maximum length
faster-whisper passes it, 100 tokens for 200; a dense window then needs a second decode from
its last word, and its own encode). Sampling starts again from its seed at each of the
recognizer's passes (``restart``: ``whisper_model``'s ``restart_sampling``), so a call's words do
not depend on the calls the process decoded before.
No voice-activity filter: the number gate chose the audio.

A decode may be prompted (``words(audio, prompt=...)``): Whisper is told the prompt came before
the audio; the recognizer does that only to decode again where it wrote too few digits
(``whisper.PROMPT``). Only a window's first decode sees a prompt (faster-whisper resets it
after each segment when not conditioning on previous text).

Several windows may be transcribed at once ahead of being asked for (``run_ahead``: their beam
decodes batched, ``lookahead``), with the same words.

Being deterministic, a window's words are remembered by the digest of its samples
(``CACHE_WINDOWS`` of them): verification, which hears the masked output again, transcribes
only the windows masking changed, and gets for the others exactly what Whisper would say.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from redaction.numbers import says_number
from redaction.speech.loops import without_loops
from redaction.speech.timing import Speech

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

#: Hypotheses the first decode of a window keeps at each step.
BEAM_SIZE = 5
#: Temperatures of the fallback decodes (faster-whisper's defaults up to 0.6).
TEMPERATURES = (0.0, 0.2, 0.4, 0.6)
#: Tokens one decode may write (it writes half as many: see above): a decoding loop runs to
#: Whisper's limit (448) and is decoded again at each temperature. A decode cut short loses
#: nothing: faster-whisper encodes again from its last word. Twice as many (400) took 13 of 80
#: encodes off 12 tune calls and cost as much in longer decodes and loops (27.4 CPU s either way).
MAX_NEW_TOKENS = 200
#: A gap between words, or a word (not a number), longer than this may hold speech Whisper
#: skipped (it wrote "much," over 8 s of an expiry date and a code and stopped: second strangers
#: mb-sw1-en seed 104; it wrote nothing over 8 s of another: tune en-us+f1 seed 94); with
#: ``UNHEARD_SPEECH_S`` of speech in it, it is decoded again on its own, with
#: ``UNHEARD_CONTEXT_S`` either side.
UNHEARD_S = 2.0
UNHEARD_SPEECH_S = 0.5
UNHEARD_CONTEXT_S = 1.0
#: Whisper's sample rate.
RATE_HZ = 16_000
#: Windows whose words are remembered (a few words each).
CACHE_WINDOWS = 256


def _key(audio: np.ndarray, prompt: str | None) -> bytes:
    """What a window's words are remembered by: its samples' digest, and its prompt."""
    digest = hashlib.blake2b(audio.tobytes(), digest_size=20)
    if prompt is not None:
        digest.update(b"\0prompt\0" + prompt.encode())
    return digest.digest()


@dataclass(frozen=True)
class WindowWord:
    """A word in a window: seconds from the window's start."""

    start_s: float
    end_s: float
    text: str = field(repr=False)  # may be card data: never in a repr
    probability: float


class FasterWhisperWindows:
    """Transcribes windows with a loaded faster-whisper model (English, beam search, word timestamps)."""

    def __init__(self, model: WhisperModel, **options: object) -> None:
        """``options`` override keyword arguments of ``transcribe`` (for measuring variants)."""
        self._model = model
        self._options = options
        self._cache: OrderedDict[bytes, list[WindowWord]] = OrderedDict()
        self._ahead: dict[bytes, list[WindowWord]] = {}  # windows transcribed ahead (run_ahead), before loops are dropped
        self._lock = threading.Lock()  # the cache only: CTranslate2 serialises the model itself

    def restart(self) -> None:
        """Fallback decodes from here on sample as in a fresh process (a model loaded by
        ``whisper_model.load_model``; any other samples on)."""
        with self._lock:
            self._ahead.clear()
        restart_sampling = getattr(self._model, "restart_sampling", None)
        if restart_sampling is not None:
            restart_sampling()

    def words(self, audio: np.ndarray, prompt: str | None = None) -> list[WindowWord]:
        """``audio``'s words; ``prompt``: the text Whisper is told came before it (None: none)."""
        x = np.ascontiguousarray(audio, dtype=np.float32)
        key = _key(x, prompt)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return list(self._cache[key])
            ahead = self._ahead.pop(key, None)
        words = self._skips_heard(x, without_loops(ahead if ahead is not None else self._transcribe(x, prompt)))
        with self._lock:
            self._cache[key] = words
            while len(self._cache) > CACHE_WINDOWS:
                self._cache.popitem(last=False)
        return list(words)

    def run_ahead(self, windows: Sequence[np.ndarray]) -> None:
        """Transcribes ``windows`` (unprompted; those not remembered) at once, their beam decodes in
        batches (``lookahead``), for ``words`` to take after; nothing when the model cannot
        (``run_ahead``) or fewer than two are left. The words are the same either way."""
        run = getattr(self._model, "run_ahead", None)
        todo: dict[bytes, np.ndarray] = {}
        for audio in windows:
            x = np.ascontiguousarray(audio, dtype=np.float32)
            key = _key(x, None)
            with self._lock:
                if key not in self._cache:
                    todo[key] = x
        with self._lock:
            self._ahead.clear()
        if run is None or len(todo) < 2:
            return
        done = run([functools.partial(self._transcribe, x, None) for x in todo.values()])
        with self._lock:
            self._ahead.update((key, words) for key, words in zip(todo, done, strict=True) if words is not None)

    def _skips_heard(self, audio: np.ndarray, words: list[WindowWord]) -> list[WindowWord]:
        """``words`` with what Whisper skipped heard again (``UNHEARD_S``): a gap between words
        (or the window's edges) with speech in it gets the words a decode of it on its own
        wrote there; a word (not a number) stretched over speech, when that decode wrote two or
        more words in its span, gives way to them."""
        speech = Speech.of(audio, RATE_HZ, 0.0)
        out: list[WindowWord] = []
        heard_to_s = 0.0  # the latest end of a word so far (the window's start)
        for w in [*words, None]:
            next_s = w.start_s if w is not None else audio.size / RATE_HZ
            if next_s - heard_to_s > UNHEARD_S:
                out += self._heard_again(audio, speech, heard_to_s, next_s, least=1)
            if w is None:
                break
            stretched = w.end_s - w.start_s > UNHEARD_S and not says_number(w.text)
            again = self._heard_again(audio, speech, w.start_s, w.end_s, least=2) if stretched else []
            out += again or [w]
            heard_to_s = max(heard_to_s, w.end_s)
        return out

    def _heard_again(self, audio: np.ndarray, speech: Speech, start_s: float, end_s: float,
                     least: int) -> list[WindowWord]:
        """The words whose middle lies from ``start_s`` to ``end_s``, decoded on their own with
        ``UNHEARD_CONTEXT_S`` either side (unprompted), when there are ``least`` or more and
        the span holds ``UNHEARD_SPEECH_S`` of speech; else none."""
        from_s, to_s = max(0.0, start_s - UNHEARD_CONTEXT_S), min(audio.size / RATE_HZ, end_s + UNHEARD_CONTEXT_S)
        if speech.seconds(start_s, end_s) < UNHEARD_SPEECH_S or to_s - from_s >= audio.size / RATE_HZ:
            return []  # silence, or the whole window: heard the same way again
        again = without_loops(self._transcribe(audio[round(from_s * RATE_HZ) : round(to_s * RATE_HZ)], None))
        inside = [WindowWord(from_s + v.start_s, from_s + v.end_s, v.text, v.probability) for v in again
                  if start_s <= from_s + (v.start_s + v.end_s) / 2 <= end_s]
        return inside if len(inside) >= least else []

    def _transcribe(self, audio: np.ndarray, prompt: str | None) -> list[WindowWord]:
        options = dict(language="en", beam_size=BEAM_SIZE, temperature=list(TEMPERATURES), condition_on_previous_text=False,
                       word_timestamps=True, vad_filter=False, without_timestamps=False, log_prob_threshold=None,
                       no_speech_threshold=None, best_of=1, max_new_tokens=MAX_NEW_TOKENS)
        if prompt is not None:
            options["initial_prompt"] = prompt
        segments, _ = self._model.transcribe(audio, **{**options, **self._options})
        return [
            WindowWord(float(w.start), float(w.end), w.word.strip(), float(w.probability))
            for segment in segments for w in (segment.words or ()) if w.word.strip()
        ]
