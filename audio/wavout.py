"""Write audio files incrementally: any format through libsndfile (``FileWriter``), and a
16-bit mono PCM WAV (or FLAC / Ogg Opus, for storage) all-or-nothing (``AtomicWavWriter``).

``AtomicWavWriter`` writes into a temporary file beside the target and replaces the target
with it only when its block ends normally (``callrec.files.Replacement``: fsynced, renamed,
the directory fsynced), so a reader sees either no file or the complete one. On any
exception the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile

from audio.errors import AudioError, AudioInputError
from callrec.errors import heading, quoted
from callrec.files import Replacement

#: Float 1.0 is 2**15, the scale libsndfile (and so ``audio.decode``) reads 16-bit PCM
#: with, so a 16-bit input passes through decode and this writer bit-exact.
_INT16_SCALE = 32768


#: libsndfile subtypes that hold float samples (past full scale too) as they are.
FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")


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


class FileWriter:
    """``with FileWriter(path, rate_hz, channels, container, subtype) as out: out.write(block)``.

    Writes ``path`` in place (the caller decides how it appears: see ``AtomicWavWriter``);
    ``write`` takes (frames, channels) or mono (frames,) blocks as libsndfile takes them
    (float in [-1, 1], or integers of the subtype's width), so float64 blocks of an integer
    PCM file go back bit for bit. A libsndfile failure is an ``AudioError`` naming
    ``shown_as`` (default ``path``; a temporary file is better named by its target).
    """

    def __init__(self, path: str | os.PathLike[str], rate_hz: int, channels: int = 1, *, container: str = "WAV",
                 subtype: str = "PCM_16", shown_as: str | os.PathLike[str] | None = None):
        if rate_hz <= 0 or channels <= 0:
            raise ValueError(f"rate_hz and channels must be positive, got {rate_hz!r}, {channels!r}")
        self.path = Path(path)
        self.frames = 0
        self._shown = shown_as if shown_as is not None else self.path
        try:
            self._file: soundfile.SoundFile | None = soundfile.SoundFile(
                self.path, "w", samplerate=int(rate_hz), channels=int(channels), format=container, subtype=subtype)
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            raise AudioError(f"{heading(self._shown)}: cannot write {container} ({exc})") from exc

    def write(self, block: np.ndarray) -> None:
        if self._file is None:
            raise ValueError("FileWriter.write() after close()")
        if block.size:
            try:
                self._file.write(block)
            except (RuntimeError, OSError, AssertionError) as exc:  # soundfile asserts on a short write
                raise AudioError(f"{heading(self._shown)}: cannot write ({type(exc).__name__}: {exc})") from exc
        self.frames += len(block)

    def close(self) -> None:
        """Finish the file (libsndfile writes its header); an ``AudioError`` if it cannot."""
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.close()
            except (RuntimeError, OSError) as exc:  # RuntimeError: libsndfile failed to flush
                reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                raise AudioError(f"{heading(self._shown)}: cannot finish writing ({reason})") from exc

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except AudioError:
                pass  # the first failure is the one to report


class AtomicWavWriter:
    """``with AtomicWavWriter(path, rate_hz) as out: out.write(block)`` ...

    ``write`` takes float32 mono blocks (or int16 samples, written as they are), or with
    ``channels`` > 1 (frames, channels) blocks; ``frames`` counts what was written.
    ``container``/``subtype`` are libsndfile's names (default a 16-bit WAV; ``audio.encode``
    uses FLAC and OGG/OPUS; a float subtype keeps samples past full scale as they are).
    """

    def __init__(self, path: str | os.PathLike[str], rate_hz: int, *, container: str = "WAV",
                 subtype: str = "PCM_16", channels: int = 1):
        if rate_hz <= 0 or channels <= 0:
            raise ValueError(f"rate_hz and channels must be positive, got {rate_hz!r}, {channels!r}")
        self.path = Path(path)
        self.rate_hz = int(rate_hz)
        self.channels = int(channels)
        self.container = container
        self.subtype = subtype
        self._temp: Replacement | None = None
        self._file: FileWriter | None = None

    @property
    def frames(self) -> int:
        return 0 if self._file is None else self._file.frames

    def __enter__(self) -> AtomicWavWriter:
        directory = self.path.parent
        if not directory.is_dir():
            raise AudioInputError(f"{heading(self.path)}: output directory {quoted(directory)} does not exist")
        if self.path.is_dir():
            raise AudioInputError(f"{heading(self.path)}: is a directory, not an output file")
        try:
            self._temp = Replacement(self.path)
        except OSError as exc:
            raise AudioError(f"{heading(self.path)}: cannot create a file in {quoted(directory)} ({exc.strerror})") from exc
        try:
            self._file = FileWriter(self._temp.path, self.rate_hz, self.channels, container=self.container,
                                    subtype=self.subtype, shown_as=self.path)
        except AudioError:
            self._temp.discard()
            raise
        return self

    def write(self, block: np.ndarray) -> None:
        """Append samples, shape (frames,) (or (frames, channels)): float32 in [-1, 1], or int16
        as they are."""
        if self._file is None:
            raise ValueError("AtomicWavWriter.write() outside its with-block")
        expected = (1,) if self.channels == 1 else (2, self.channels)
        if (block.ndim,) + block.shape[1:] != expected:
            shape = "(frames,)" if self.channels == 1 else f"(frames, {self.channels})"
            raise ValueError(f"expected a block of shape {shape}, got shape {block.shape!r}")
        if block.size:
            pcm16 = block.dtype != np.int16 and self.subtype not in FLOAT_SUBTYPES
            self._file.write(float_to_pcm16(block) if pcm16 else block)

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        assert self._temp is not None and self._file is not None
        if exc_type is not None:
            self._file.__exit__(exc_type, exc, traceback)
            self._temp.discard()
            return
        try:
            self._file.close()
        except AudioError:
            self._temp.discard()
            raise
        try:
            self._temp.commit()
        except OSError as exc:
            raise AudioError(f"{heading(self.path)}: cannot finish writing ({exc.strerror})") from exc
