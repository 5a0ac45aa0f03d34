"""Several Whisper windows' beam decodes in one batch, with the words unchanged.

A beam decode of a 20 s window costs most of the redaction's time, and CTranslate2 decodes a batch
of windows for much less than each alone (tune windows of seeds 347-348, same encoded lengths: two
at a time 21 % less, four 32 % less, every token and score the same). faster-whisper transcribes one
window at a time, each decode waiting for the one before (its next encode starts where a decode
stopped), so windows are batched by running ahead: ``Lookahead.run`` transcribes a few windows at
once, each in a thread of its own whose beam decodes meet (``_Meeting``): when every thread waits for
one, those of the same encoded length and prompt are decoded in one batch. What each CTranslate2 call
returns is remembered, keyed by what it was given, and the window's own transcription then gets
the same results (the same objects) without computing them again. A thread stops at its first
sampled (fallback) decode: those draw from the decoder's generator, and must draw in the order
the recognizer asks for them; the window's transcription computes that and the rest itself.
A window run ahead to its end gives its words whole (``whisper_window``), and what it computed is
not kept. What is remembered belongs to the thread that called ``run`` (its recognizer's, whose
transcriptions take it): worker threads sharing the model neither see nor forget each other's.

glibc gives each new thread a malloc arena of its own (up to eight a core) while there are fewer, and
an arena keeps what its threads freed: the threads running ahead (faster-whisper's features,
CTranslate2's buffers) made four more, and the ordinary 6-minute call of ``bench/pipeline.py``
peaked at 460-501 MB against 377 MB before the lookahead. The process allocates from one arena
(``one_malloc_arena``: at ``build_backends`` and when a ``Lookahead`` is made): 366-376 MB, the same CPU.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from redaction.errors import LookaheadStopped

#: Windows transcribed ahead together (more: larger batches of equal encoded lengths, and memory
#: for their encoder outputs, about 2 MB each).
LOOKAHEAD_WINDOWS = 4

#: glibc's mallopt parameter for the most arenas malloc makes (malloc.h).
M_ARENA_MAX = -8


def one_malloc_arena() -> None:
    """Every thread of the process allocates from glibc's main arena, existing arenas kept
    (nothing where the C library is not glibc)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


class Lookahead:
    """CTranslate2's Whisper (``model``: ``encode``, ``generate``, ``align``; anything else passed
    through) whose calls threads running ahead (``run``) make for the recognizer's later ones."""

    def __init__(self, model: object) -> None:
        one_malloc_arena()  # before any thread runs ahead
        self._model = model
        # Per thread: .remembered (_Remembered); in a thread running ahead its run's, with .meeting
        # and .job (its index)
        self._local = threading.local()
        self._lock = threading.Lock()  # a run's threads share its _Remembered

    def run(self, jobs: Sequence[Callable[[], object]]) -> list[object]:
        """Each job's return (None for one stopped or failed), the jobs run at once; what the jobs
        that returned None computed is remembered for the same calls after in this thread (the
        others' work is done; what this thread remembered before is forgotten)."""
        self.forget()
        run = _Remembered()
        meeting = _Meeting(self._model, len(jobs))
        out: list[object] = [None] * len(jobs)

        def ahead(i: int) -> None:
            self._local.meeting, self._local.job, self._local.remembered = meeting, i, run
            try:
                out[i] = jobs[i]()
            except Exception:  # noqa: BLE001 (stopped, or it fails again where the recognizer asks)
                out[i] = None
            finally:
                meeting.leave()

        threads = [threading.Thread(target=ahead, args=(i,), name="whisper-lookahead") for i in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self._local.remembered = _Remembered({k: (job, v) for k, (job, v) in run.encoded.items() if out[job] is None},
                                             {k: (job, v) for k, (job, v) in run.results.items() if out[job] is None})
        return out

    def forget(self) -> None:
        """Drops what this thread remembered (a pass starts, or the windows run ahead were transcribed)."""
        self._local.remembered = _Remembered()

    def encode(self, features: object, *args: object, **kwargs: object) -> object:
        key = hashlib.blake2b(np.asarray(features).tobytes(), digest_size=20).digest() + repr((args, kwargs)).encode()
        remembered = self._remembered_here()
        with self._lock:
            hit = remembered.encoded.pop(key, None)
        if hit is not None:
            return hit[1]
        encoded = self._model.encode(features, *args, **kwargs)
        if self._ahead() is not None:
            with self._lock:
                remembered.encoded[key] = (self._local.job, encoded)
        return encoded

    def generate(self, encoded: object, prompts: list[list[int]], **kwargs: object) -> object:
        meeting = self._ahead()
        if meeting is not None and kwargs.get("sampling_topk", 1) != 1:
            raise LookaheadStopped
        return self._remembered(("generate", id(encoded), repr(prompts), repr(sorted(kwargs.items()))), encoded,
                                lambda: meeting.generate(encoded, prompts, kwargs) if meeting is not None
                                else self._model.generate(encoded, prompts, **kwargs))

    def align(self, encoded: object, *args: object, **kwargs: object) -> object:
        return self._remembered(("align", id(encoded), repr(args), repr(sorted(kwargs.items()))), encoded,
                                lambda: self._model.align(encoded, *args, **kwargs))

    def __getattr__(self, name: str) -> object:  # restart, is_multilingual, device, ...
        return getattr(self._model, name)

    def _ahead(self) -> _Meeting | None:
        return getattr(self._local, "meeting", None)

    def _remembered_here(self) -> _Remembered:
        remembered = getattr(self._local, "remembered", None)
        if remembered is None:  # a thread that never ran ahead
            remembered = self._local.remembered = _Remembered()
        return remembered

    def _remembered(self, key: tuple, encoded: object, compute: Callable[[], object]) -> object:
        remembered = self._remembered_here()
        with self._lock:
            hit = remembered.results.pop(key, None)
        if hit is not None and hit[1][0] is encoded:  # the same object: an id is not reused while it lives
            return hit[1][1]
        result = compute()
        if self._ahead() is not None:
            with self._lock:
                remembered.results[key] = (self._local.job, (encoded, result))
        return result


@dataclass(frozen=True)
class _Remembered:
    """The CTranslate2 calls of one run's jobs (while it runs, then those of its jobs that returned
    None), each with the job that made it."""

    #: features' digest -> (job, encoder output)
    encoded: dict[bytes, tuple[int, object]] = field(default_factory=dict)
    #: call -> (job, (encoder output, result))
    results: dict[tuple, tuple[int, tuple[object, object]]] = field(default_factory=dict)


class _Meeting:
    """Where the threads running ahead decode together: a decode waits until every thread still
    running waits for one, then those of the same shape, prompts and options go in one batch."""

    def __init__(self, model: object, parties: int) -> None:
        self._model = model
        self._running = parties
        self._ready = threading.Condition()
        self._waiting: dict[int, tuple[object, list[list[int]], dict]] = {}  # ticket -> request
        self._done: dict[int, object] = {}  # ticket -> result (or the exception it raised)
        self._tickets = 0

    def leave(self) -> None:
        with self._ready:
            self._running -= 1
            self._decode_if_all_wait()

    def generate(self, encoded: object, prompts: list[list[int]], kwargs: dict) -> object:
        with self._ready:
            self._tickets += 1
            ticket = self._tickets
            self._waiting[ticket] = (encoded, prompts, kwargs)
            self._decode_if_all_wait()
            while ticket not in self._done:
                self._ready.wait()
            result = self._done.pop(ticket)
        if isinstance(result, BaseException):
            raise result
        return result

    def _decode_if_all_wait(self) -> None:  # with the condition held
        if not self._waiting or len(self._waiting) < self._running:
            return
        groups: dict[tuple, list[int]] = {}
        for ticket, (encoded, prompts, kwargs) in self._waiting.items():
            alone = ticket if len(prompts) != 1 else 0  # a request of several prompts is decoded by itself
            key = (tuple(np.asarray(encoded).shape), repr(prompts), repr(sorted(kwargs.items())), alone)
            groups.setdefault(key, []).append(ticket)
        for tickets in groups.values():
            requests = [self._waiting[t] for t in tickets]
            try:
                if len(requests) == 1:
                    encoded, prompts, kwargs = requests[0]
                    self._done[tickets[0]] = self._model.generate(encoded, prompts, **kwargs)
                    continue
                for ticket, result in zip(tickets, self._batch(requests), strict=True):
                    self._done[ticket] = [result]
            except Exception as exc:  # noqa: BLE001 (each thread raises it: the recognizer computes again)
                self._done.update((t, exc) for t in tickets)
        self._waiting.clear()
        self._ready.notify_all()

    def _batch(self, requests: list[tuple[object, list[list[int]], dict]]) -> list[object]:
        """One result per request (each of one prompt), decoded in one call."""
        import ctranslate2

        stacked = np.ascontiguousarray(np.concatenate([np.asarray(e) for e, _, _ in requests]))
        kwargs = requests[0][2]
        return list(self._model.generate(ctranslate2.StorageView.from_array(stacked),
                                         [p for _, ps, _ in requests for p in ps], **kwargs))
