"""Lookahead: windows transcribed at once, their beam decodes batched, their words unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from redaction.speech.lookahead import Lookahead
from tests import malloc_arenas

WAIT_S = 10.0  # an event that never comes fails the test instead of hanging it


class FakeWhisper:
    """CTranslate2's Whisper as the lookahead sees it: ``encode`` gives the features back as the
    encoder output (a float array), ``generate`` answers each prompt with the sum of its encoder
    output's row and records the batch sizes it was called with."""

    def __init__(self) -> None:
        self.batches: list[int] = []  # prompts per generate call
        self.encodes = 0
        self.aligns = 0

    def encode(self, features, to_cpu=False):  # noqa: ANN001, ANN201
        self.encodes += 1
        return np.asarray(features, np.float32).copy()

    def generate(self, encoded, prompts, **kwargs):  # noqa: ANN001, ANN201
        rows = np.asarray(encoded)
        self.batches.append(len(prompts))
        return [("decoded", float(rows[i].sum()), tuple(prompts[i])) for i in range(len(prompts))]

    def align(self, encoded, *args, **kwargs):  # noqa: ANN001, ANN201
        self.aligns += 1
        return [("aligned", float(np.asarray(encoded).sum()))]

    def restart(self) -> None:
        pass


def features(value: float, frames: int = 6) -> np.ndarray:
    return np.full((1, frames, 4), value, np.float32)


def transcription(model: Lookahead, value: float, frames: int = 6, decodes: int = 1, **options):  # noqa: ANN001, ANN201
    """What one window's transcription asks: an encode, ``decodes`` decodes (each with a prompt of
    its own), an alignment."""
    encoded = model.encode(features(value, frames))
    out = [model.generate(encoded, [[50257, 50362 + k]], beam_size=5, **options)[0] for k in range(decodes)]
    return out, model.align(encoded, [50257], [[1, 2]], 6)[0]


def test_windows_running_ahead_decode_in_one_batch_and_get_what_each_alone_gets() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)
    got = ahead.run([lambda v=v: transcription(ahead, v) for v in (1.0, 2.0, 3.0)])
    assert fake.batches == [3]  # three windows, one decode
    alone = Lookahead(FakeWhisper())
    assert got == [transcription(alone, v) for v in (1.0, 2.0, 3.0)]
    assert got[1] == ([("decoded", 48.0, (50257, 50362))], ("aligned", 48.0))


def test_a_stopped_window_s_calls_after_get_what_was_computed_ahead_without_computing_again() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)

    def stopping(value: float):  # noqa: ANN202
        transcription(ahead, value)
        ahead.generate(ahead.encode(features(value, 2)), [[50257]], sampling_topk=0)  # sampled: stops here

    assert ahead.run([lambda v=v: stopping(v) for v in (1.0, 2.0)]) == [None, None]
    counts = (fake.encodes, fake.aligns, len(fake.batches))
    got = [transcription(ahead, v) for v in (1.0, 2.0)]
    assert (fake.encodes, fake.aligns, len(fake.batches)) == counts == (4, 2, 1)
    assert got == [transcription(Lookahead(FakeWhisper()), v) for v in (1.0, 2.0)]
    transcription(ahead, 1.0)  # each result is given once: asked again, computed again
    assert (fake.encodes, fake.aligns, fake.batches) == (5, 3, [2, 1])


def test_a_finished_window_s_calls_are_not_kept() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)
    assert ahead.run([lambda v=v: transcription(ahead, v) for v in (1.0, 2.0)])[0] is not None
    transcription(ahead, 1.0)  # its words were given back: a transcription after computes anew
    assert (fake.encodes, fake.aligns, fake.batches) == (3, 3, [2, 1])


def test_only_encoder_outputs_of_one_shape_share_a_batch() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)
    got = ahead.run([lambda: transcription(ahead, 1.0, 6), lambda: transcription(ahead, 2.0, 8),
                     lambda: transcription(ahead, 3.0, 6)])
    assert sorted(fake.batches) == [1, 2]
    assert [g[0][0][1] for g in got] == [24.0, 64.0, 72.0]


def test_a_window_stops_at_a_sampled_decode_and_the_others_go_on() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)

    def sampling() -> object:
        transcription(ahead, 1.0)
        return transcription(ahead, 1.0, sampling_topk=0, sampling_temperature=0.2)

    got = ahead.run([sampling, lambda: transcription(ahead, 2.0, decodes=3)])
    assert got[0] is None
    assert got[1] == ([("decoded", 48.0, (50257, 50362 + k)) for k in range(3)], ("aligned", 48.0))
    assert fake.batches == [2, 1, 1]  # nothing sampled ahead: the recognizer samples in its own order


def test_a_failing_window_gives_none_and_leaves_the_others_theirs() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)

    def failing() -> object:
        raise RuntimeError("decoder failed")

    got = ahead.run([failing, lambda: transcription(ahead, 2.0, decodes=2)])
    assert got == [None, ([("decoded", 48.0, (50257, 50362)), ("decoded", 48.0, (50257, 50363))], ("aligned", 48.0))]


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    """``call`` started in a thread of its own (a worker thread sharing the model); what it
    returns is the dict's ``"got"`` once the thread is joined."""
    got: dict[str, object] = {}
    thread = threading.Thread(target=lambda: got.setdefault("got", call()))
    thread.start()
    return thread, got


def test_a_run_ending_while_a_longer_one_of_another_thread_stores_gives_its_jobs_returns() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)
    started, stored, done = threading.Event(), threading.Event(), threading.Event()

    def fourth() -> str:  # worker 1's fourth window: it encodes once worker 2's run has started
        assert started.wait(WAIT_S)
        ahead.encode(features(9.0))
        stored.set()
        assert done.wait(WAIT_S)
        return "a3"

    first, got = in_thread(lambda: ahead.run([lambda: transcription(ahead, 1.0), lambda: 1, lambda: 2, fourth]))

    def mine() -> str:  # worker 2's run of two windows (a call's last flush) ends after it
        started.set()
        assert stored.wait(WAIT_S)
        return "b0"

    try:
        got_2 = ahead.run([mine, lambda: transcription(ahead, 2.0)])
        assert got_2 == ["b0", transcription(Lookahead(FakeWhisper()), 2.0)]
    finally:
        done.set()
        first.join()
    assert got["got"] == [transcription(Lookahead(FakeWhisper()), 1.0), 1, 2, "a3"]


def test_what_a_thread_s_stopped_windows_computed_is_its_own_and_another_thread_s_run_keeps_it() -> None:
    fake = FakeWhisper()
    ahead = Lookahead(fake)
    ran, other_ran = threading.Event(), threading.Event()

    def worker_1() -> tuple[object, tuple[int, int, int]]:
        def stopping() -> None:
            transcription(ahead, 1.0)
            ahead.generate(ahead.encode(features(1.0, 2)), [[50257]], sampling_topk=0)  # sampled: stops here

        assert ahead.run([stopping, lambda: 1]) == [None, 1]
        ran.set()
        assert other_ran.wait(WAIT_S)
        counts = (fake.encodes, fake.aligns, len(fake.batches))
        got = transcription(ahead, 1.0)  # what its stopped window computed ahead, not computed again
        assert (fake.encodes, fake.aligns, len(fake.batches)) == counts
        return got, counts

    first, got = in_thread(worker_1)
    try:
        assert ran.wait(WAIT_S)
        assert ahead.run([lambda: transcription(ahead, 2.0), lambda: 2])[1] == 2  # worker 2's run
        transcription(ahead, 1.0)  # worker 1's remembered calls are not worker 2's: computed anew
        assert (fake.encodes, fake.aligns, fake.batches) == (4, 3, [1, 1, 1])
    finally:
        other_ran.set()
        first.join()
    assert got["got"] == (transcription(Lookahead(FakeWhisper()), 1.0), (4, 3, 3))


def test_whisper_run_ahead_writes_the_same_words_in_fewer_decodes(whisper_model, audio, monkeypatch) -> None:
    from redaction.speech.whisper_window import FasterWhisperWindows

    x = np.repeat(audio, 2)  # 16 kHz, near enough for this check
    windows = [np.concatenate([x, np.zeros(16000, np.float32), x]), np.concatenate([x, x * 0.5])]
    alone = [FasterWhisperWindows(whisper_model).words(w) for w in windows]
    decoder = whisper_model.model._model
    batches = []
    generate = decoder.generate
    monkeypatch.setattr(decoder, "generate", lambda enc, prompts, **kw: batches.append(len(prompts)) or generate(
        enc, prompts, **kw))
    ahead = FasterWhisperWindows(whisper_model)
    ahead.run_ahead(windows)
    decoded = list(batches)
    assert [ahead.words(w) for w in windows] == alone and alone[0] and alone[1]
    assert decoded[0] == 2 and batches == decoded  # decoded together ahead, nothing decoded after


#: A process that makes a Lookahead, counts glibc's malloc arenas, runs four threads ahead that each
#: allocate a little (numpy: malloc), and counts them again.
_ARENAS_PROBE = """
import numpy as np
from redaction.speech.lookahead import Lookahead

lookahead = Lookahead(object())
before = arenas()
lookahead.run([lambda: [np.ones(1000).sum() for _ in range(100)] for _ in range(4)])
print(before, arenas())
"""


def test_threads_run_ahead_make_no_malloc_arena_of_their_own() -> None:
    # Each new thread got an arena of its own from glibc, which kept what the thread freed: the
    # ordinary 6-minute call of bench/pipeline.py peaked 377 MB before the lookahead, 503 MB after.
    assert malloc_arenas.before_and_after(_ARENAS_PROBE) == (1, 1)
