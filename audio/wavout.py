"""Write a 16-bit mono PCM WAV (or FLAC / Ogg Opus, for storage) incrementally, all-or-nothing.

Blocks go to a temporary file in the target's directory; on success the file is flushed,
fsynced and renamed over the target (``os.replace`` is atomic within a filesystem), so a
reader sees either no file or the complete one. On any exception the temporary file is
removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from audio.errors import AudioError, AudioInputError

#: Float 1.0 is 2**15, the scale libsndfile (and so ``audio.decode``) reads 16-bit PCM
#: with, so a 16-bit input passes through decode and this writer bit-exact.
_INT16_SCALE = 32768


def float_to_pcm16(samples: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] to int16, rounding to nearest; beyond full scale it clips.

    Done in float32 (scaling by 2**15 is exact there, and so is rounding the product), one
    temporary array: the same integers as in float64, at a third of the cost."""
    samples = np.asarray(samples)
    exact = np.float32 if samples.dtype == np.float32 else np.float64
    scaled = np.multiply(samples, _INT16_SCALE, dtype=exact)
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype(np.int16)


class AtomicWavWriter:
    """``with AtomicWavWriter(path, rate_hz) as out: out.write(block)`` ...

    ``write`` takes float32 mono blocks (or int16 samples, written as they are); ``frames``
    counts what was written. ``container``/``subtype`` are libsndfile's names (default a
    16-bit WAV; ``audio.encode`` uses FLAC and OGG/OPUS).
    """

    def __init__(self, path: str | os.PathLike[str], rate_hz: int, *, container: str = "WAV",
                 subtype: str = "PCM_16"):
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz!r}")
        self.path = Path(path)
        self.rate_hz = int(rate_hz)
        self.container = container
        self.subtype = subtype
        self.frames = 0
        self._temp_path: Path | None = None
        self._file: soundfile.SoundFile | None = None

    def __enter__(self) -> AtomicWavWriter:
        directory = self.path.parent
        if not directory.is_dir():
            raise AudioInputError(f"{self.path}: output directory {directory} does not exist")
        if self.path.is_dir():
            raise AudioInputError(f"{self.path}: is a directory, not an output file")
        try:
            handle, name = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise AudioError(f"{self.path}: cannot create a file in {directory} ({exc.strerror})") from exc
        os.close(handle)
        self._temp_path = Path(name)
        try:
            self._file = soundfile.SoundFile(self._temp_path, "w", samplerate=self.rate_hz,
                                             channels=1, format=self.container, subtype=self.subtype)
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            self._discard()
            raise AudioError(f"{self.path}: cannot write {self.container} ({exc})") from exc
        return self

    def write(self, block: np.ndarray) -> None:
        """Append mono samples (shape (frames,)): float32 in [-1, 1], or int16 as they are."""
        if self._file is None:
            raise ValueError("AtomicWavWriter.write() outside its with-block")
        if block.ndim != 1:
            raise ValueError(f"expected a mono block of shape (frames,), got shape {block.shape!r}")
        if block.size:
            try:
                self._file.write(block if block.dtype == np.int16 else float_to_pcm16(block))
            except (RuntimeError, OSError, AssertionError) as exc:  # soundfile asserts on a short write
                raise AudioError(f"{self.path}: cannot write ({type(exc).__name__}: {exc})") from exc
            self.frames += block.size

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            assert self._file is not None and self._temp_path is not None
            self._file.close()
            self._file = None
            with self._temp_path.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self._temp_path, self.path)
            self._temp_path = None
            _fsync_directory(self.path.parent)
        except (OSError, RuntimeError) as exc:  # RuntimeError: libsndfile failed to flush or close
            self._discard()
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise AudioError(f"{self.path}: cannot finish writing ({reason})") from exc

    def _discard(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except (soundfile.LibsndfileError, RuntimeError, OSError):
                pass
            self._file = None
        if self._temp_path is not None:
            self._temp_path.unlink(missing_ok=True)
            self._temp_path = None


def _fsync_directory(directory: Path) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
