"""Decode an audio file of any common format as a stream of float32 blocks.

``open_source(path)`` reads WAV (8/16/24/32-bit PCM, float, mu-law, A-law), FLAC, OGG and
MP3 through libsndfile (python-soundfile). Anything libsndfile cannot open (AAC, M4A, AMR,
WMA...) is transcoded once by ffmpeg (the pip-installed ``imageio-ffmpeg`` binary) into a
float WAV in a private temporary directory, which is removed on close. Either way the
caller sees the same ``AudioSource`` and nothing ever holds the whole file in memory.

Bad files (missing, empty, truncated, not audio) raise ``AudioInputError`` naming the path
and the problem, never the audio itself.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile

from audio.errors import AudioInputError

#: Frames read per block when the caller does not say (8 s at 8 kHz).
DEFAULT_BLOCK_FRAMES = 65536

#: RIFF data-chunk sizes that streaming writers use for "unknown length".
_UNKNOWN_RIFF_SIZES = (0, 0xFFFFFFFF)


class AudioSource:
    """An open audio file: ``rate_hz``, ``channels``, ``frames`` and ``blocks()``.

    Use as a context manager (``with open_source(path) as source:``); ``close()`` releases the
    file and any temporary transcode.
    """

    def __init__(self, path: Path, sound_file: soundfile.SoundFile, temp_dir: Path | None = None):
        self.path = path
        self._file = sound_file
        self._temp_dir = temp_dir
        self.rate_hz: int = int(sound_file.samplerate)
        self.channels: int = int(sound_file.channels)
        self.frames: int = int(sound_file.frames)

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz

    def blocks(self, block_frames: int = DEFAULT_BLOCK_FRAMES) -> Iterator[np.ndarray]:
        """Yield the file from its start as float32 arrays of shape (frames, channels).

        Samples are finite and inside [-1, 1] (see ``_to_full_scale``).

        Every block has ``block_frames`` frames except the last. Raises ``AudioInputError``
        when the file ends before the length its header promises (truncated) or cannot be
        decoded part-way.
        """
        if block_frames <= 0:
            raise ValueError(f"block_frames must be positive, got {block_frames!r}")
        try:
            self._file.seek(0)
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            raise AudioInputError(f"{self.path}: cannot rewind audio ({_reason(exc)})") from exc
        done = 0
        while done < self.frames:
            want = min(block_frames, self.frames - done)
            try:
                block = self._file.read(want, dtype="float32", always_2d=True)
            except (soundfile.LibsndfileError, RuntimeError) as exc:
                raise AudioInputError(
                    f"{self.path}: audio cannot be decoded after {done / self.rate_hz:.3f} s"
                    f" ({_reason(exc)})"
                ) from exc
            if block.shape[0] == 0:
                break
            _to_full_scale(block)
            done += block.shape[0]
            yield block
        if done < self.frames:
            raise AudioInputError(
                f"{self.path}: truncated: audio ends at {done / self.rate_hz:.3f} s but the"
                f" header promises {self.frames / self.rate_hz:.3f} s"
            )

    def close(self) -> None:
        self._file.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"AudioSource({str(self.path)!r}, rate_hz={self.rate_hz}, "
                f"channels={self.channels}, frames={self.frames})")


def open_source(path: str | os.PathLike[str]) -> AudioSource:
    """Open ``path`` for streaming decode; raises ``AudioInputError`` on a bad file."""
    path = Path(path)
    if not path.exists():
        raise AudioInputError(f"{path}: no such file")
    if not path.is_file():
        raise AudioInputError(f"{path}: not a regular file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise AudioInputError(f"{path}: empty file (0 bytes)")
        _check_riff_length(path, size)
    except OSError as exc:  # e.g. permission denied
        raise AudioInputError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        sound_file = soundfile.SoundFile(path)
    except (soundfile.LibsndfileError, RuntimeError):
        return _open_via_ffmpeg(path)
    source = AudioSource(path, sound_file)
    _check_usable(source)
    return source


def _check_usable(source: AudioSource) -> None:
    if source.channels < 1 or source.rate_hz < 1:
        source.close()
        raise AudioInputError(f"{source.path}: header has no channels or no sample rate")
    if source.frames == 0:
        source.close()
        raise AudioInputError(f"{source.path}: no audio frames (empty or truncated before the data)")


def _check_riff_length(path: Path, size: int) -> None:
    """A WAV whose data chunk is shorter than its header says is truncated.

    libsndfile silently shortens such files, so the header is checked here.
    """
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            if head[:4] == b"RIFF" and len(head) < 12:
                raise AudioInputError(f"{path}: truncated WAV header ({size} bytes)")
            return
        offset = 12
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                raise AudioInputError(f"{path}: truncated WAV: no data chunk in {size} bytes")
            chunk_id, chunk_size = struct.unpack("<4sI", chunk)
            offset += 8
            if chunk_id == b"data":
                if chunk_size not in _UNKNOWN_RIFF_SIZES and offset + chunk_size > size:
                    raise AudioInputError(
                        f"{path}: truncated WAV: header promises {chunk_size} data bytes,"
                        f" file holds {size - offset}"
                    )
                return
            offset += chunk_size + (chunk_size & 1)
            if offset > size:
                raise AudioInputError(f"{path}: truncated WAV: chunk {chunk_id!r} runs past the end")
            handle.seek(offset)


def _open_via_ffmpeg(path: Path) -> AudioSource:
    """Transcode a format libsndfile lacks to float WAV with ffmpeg, then open that."""
    temp_dir = Path(tempfile.mkdtemp(prefix="callrec-decode-"))
    wav_path = temp_dir / "decoded.wav"
    try:
        _ffmpeg_to_wav(path, wav_path)
        sound_file = soundfile.SoundFile(wav_path)
    except AudioInputError:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise AudioInputError(f"{path}: not a readable audio file ({_reason(exc)})") from exc
    source = AudioSource(path, sound_file, temp_dir)
    _check_usable(source)
    return source


def _ffmpeg_to_wav(path: Path, wav_path: Path) -> None:
    """The one place that runs ffmpeg: ``path`` (any format it knows) to 32-bit float WAV."""
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioInputError(
            f"{path}: not a format libsndfile reads, and ffmpeg is unavailable ({exc})"
        ) from exc
    # -rf64 auto: past 4 GiB of float samples (about 3 h of 48 kHz stereo) a plain WAV
    # header wraps around and the decoded audio would silently come out shorter.
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn",
               "-c:a", "pcm_f32le", "-f", "wav", "-rf64", "auto", "-y", str(wav_path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioInputError(f"{path}: ffmpeg could not run ({type(exc).__name__})") from exc
    if result.returncode != 0 or not wav_path.exists() or wav_path.stat().st_size <= 44:
        raise AudioInputError(f"{path}: not an audio file (neither libsndfile nor ffmpeg can decode it)")


def _to_full_scale(block: np.ndarray) -> None:
    """Float files (and lossy decoders) can hold NaN, inf or peaks past full scale; the
    audio layer promises finite samples in [-1, 1], so NaN becomes 0 and the rest is clipped."""
    np.nan_to_num(block, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    np.clip(block, -1.0, 1.0, out=block)


def _reason(exc: BaseException) -> str:
    """A short reason from a libsndfile error, without repeating the path."""
    text = str(exc)
    return text.split(": ", 1)[-1] if "Error opening" in text else text
