"""Lookahead: windows transcribed at once, their beam decodes batched, their words unchanged."""

from __future__ import annotations

import numpy as np

from redaction.speech.lookahead import Lookahead


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
