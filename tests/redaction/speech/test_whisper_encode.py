"""Whisper windows: encoded without most of faster-whisper's zero padding, decodes bounded."""

from __future__ import annotations

import numpy as np

from redaction.speech.whisper_model import ENCODE_BUCKET_FRAMES, ENCODE_PAD_FRAMES, trim_padding


def features(content_frames: int, total: int = 3000) -> np.ndarray:
    x = np.zeros((80, total), np.float32)
    x[:, :content_frames] = np.random.default_rng(0).uniform(-1.0, 1.0, (80, content_frames))
    return x


def test_padding_past_the_kept_frames_is_cut_to_one_of_a_few_lengths() -> None:
    assert ENCODE_PAD_FRAMES == ENCODE_BUCKET_FRAMES == 500
    assert trim_padding(features(1200)).shape == (80, 2000)  # 1200 + 500, rounded up
    assert trim_padding(features(1000)).shape == (80, 1500)
    assert trim_padding(features(1001)).shape == (80, 2000)
    assert trim_padding(features(301), pad_frames=0, bucket_frames=2).shape == (80, 302)
    batch = features(700)[None]
    assert trim_padding(batch, pad_frames=100, bucket_frames=400).shape == (1, 80, 800)
    assert np.array_equal(trim_padding(batch, pad_frames=100, bucket_frames=400), batch[..., :800])
    lengths = {trim_padding(features(n)).shape[-1] for n in range(1, 3001, 7)}
    assert lengths == {1000, 1500, 2000, 2500, 3000}  # CTranslate2 keeps buffers per shape: few shapes


def test_a_full_window_or_one_with_little_padding_is_left_whole() -> None:
    for content in (3000, 2999, 3000 - ENCODE_PAD_FRAMES, 2001):
        x = features(content)
        assert trim_padding(x) is x


def test_a_content_frame_of_zeros_inside_is_kept() -> None:
    x = features(1000)
    x[:, 400:600] = 0.0  # (a mel frame is all zeros only as padding, but one inside is content)
    assert trim_padding(x, pad_frames=0, bucket_frames=2).shape == (80, 1000)
    assert trim_padding(np.zeros((80, 3000), np.float32), pad_frames=0, bucket_frames=2).shape == (80, 0)


def test_the_loaded_model_encodes_the_trimmed_window(whisper_model) -> None:
    import ctranslate2

    out = whisper_model.encode(features(1000))
    assert isinstance(out, ctranslate2.StorageView) and list(out.shape) == [1, 1500 // 2, 384]


def test_fallback_decodes_sample_one_hypothesis_and_every_decode_is_bounded() -> None:
    from redaction.speech.whisper_window import BEAM_SIZE, MAX_NEW_TOKENS, FasterWhisperWindows

    class Model:
        kwargs: dict = {}

        def transcribe(self, audio, **kwargs):
            Model.kwargs = kwargs
            return [], None

    assert FasterWhisperWindows(Model()).words(np.zeros(16000, np.float32)) == []
    assert Model.kwargs["best_of"] == 1 and Model.kwargs["max_new_tokens"] == MAX_NEW_TOKENS == 200
    assert Model.kwargs["beam_size"] == BEAM_SIZE == 5 and Model.kwargs["temperature"] == [0.0, 0.2, 0.4, 0.6]
