"""Decode an audio file of any common format as a stream of float32 blocks.

``open_source(path)`` reads WAV (8/16/24/32-bit PCM, float, mu-law, A-law), FLAC, OGG and
MP3 through libsndfile (python-soundfile). Anything libsndfile cannot open (AAC, M4A, AMR,
WMA...) is transcoded once by ffmpeg (the pip-installed ``imageio-ffmpeg`` binary) into a
float WAV in a private temporary directory, which is removed on close; so is a file whose
header does not give its length, as a recorder streaming to a pipe writes it (an MP3 without
a Xing header or whose counts are 0, ``audio.mp3_header``; a FLAC without its sample count; a
WAV whose sizes are 0; an RF64 whose ds64 sizes say "unknown", ``audio.data_lengths``), which
libsndfile would cut short or read as empty, and one it cannot seek in (GSM 6.10 WAV). ffmpeg
opens nothing but that file (a playlist would have it read others). Either way the caller
sees the same ``AudioSource`` and nothing ever holds the whole file in memory.

Bad files (missing, empty, truncated in any container, not audio, not a regular file) raise
``AudioInputError`` naming the path and the problem, never the audio itself. Files are opened
without blocking and checked on the opened descriptor, so a FIFO or a device is refused, not
waited on. ``DecodeLimits`` bounds what a file may hold (duration, rate, channels) before any
of it is decoded; ffmpeg is stopped at the duration limit instead of decoding everything. A
decode that fails for want of disk space raises ``AudioResourceError`` (transient), not a
bad-input error.
"""

from __future__ import annotations

import errno
import math
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile

from audio.data_lengths import promised_data, walk_chunks
from audio.errors import AudioInputError, AudioResourceError, AudioToolError
from audio.library_notes import quiet
from audio.mp3_header import XingHeader, read_xing
from callrec.errors import heading

#: Frames read per block when the caller does not say (8 s at 8 kHz).
DEFAULT_BLOCK_FRAMES = 65536

#: RIFF data-chunk sizes that streaming writers use for "unknown length".
_UNKNOWN_RIFF_SIZES = (0, 0xFFFFFFFF)

#: Containers whose "unknown" data size libsndfile takes for no audio (``audio.data_lengths``).
_UNSIZED_FOR_LIBSNDFILE = frozenset({"RF64", "BW64"})

#: libsndfile's frame count for a file whose header does not say (SF_COUNT_MAX).
_UNKNOWN_FRAMES = 2**63 - 1

#: Bytes per decoded sample of ffmpeg's transcode (32-bit float).
_FLOAT_BYTES = 4

#: ffmpeg's words for a full disk or quota (its stderr; the exit status says nothing more).
_NO_SPACE = (b"No space left on device", b"Disk quota exceeded", b"File too large")
#: Signals that stop ffmpeg for the machine's reasons, not the input's: a file-size limit, the
#: OOM killer, a stop (a crash, SIGSEGV or SIGABRT, stays the input's: retrying it would not help).
_STOPPED_BY = frozenset({signal.SIGXFSZ, signal.SIGKILL, signal.SIGTERM, signal.SIGINT})


@dataclass(frozen=True)
class DecodeLimits:
    """What one audio file may hold; anything beyond is bad input, refused before decoding."""

    max_duration_s: float = math.inf
    min_rate_hz: int = 1
    max_rate_hz: int = 1_000_000
    max_channels: int = 64
    #: What ``max_duration_s`` is, for the error that refuses a longer file.
    duration_is: str = "this segment may last"
    #: What sets the accepted rates, for the error that refuses a rate ("": nothing named).
    rates_set_by: str = ""

    def __post_init__(self) -> None:
        if not self.max_duration_s > 0:
            raise ValueError(f"max_duration_s must be positive, got {self.max_duration_s!r}")
        if not 1 <= self.min_rate_hz <= self.max_rate_hz:
            raise ValueError(f"need 1 <= min_rate_hz <= max_rate_hz, got {self.min_rate_hz!r}, "
                             f"{self.max_rate_hz!r}")
        if self.max_channels < 1:
            raise ValueError(f"max_channels must be at least 1, got {self.max_channels!r}")

    def max_transcode_bytes(self) -> int | None:
        """Largest float WAV a transcode within these limits can produce (None: unbounded)."""
        if math.isinf(self.max_duration_s):
            return None
        frames = math.ceil((self.max_duration_s + 1) * self.max_rate_hz)
        return frames * self.max_channels * _FLOAT_BYTES + (1 << 16)


class AudioSource:
    """An open audio file: ``rate_hz``, ``channels``, ``frames`` and ``blocks()``.

    Use as a context manager (``with open_source(path) as source:``); ``close()`` releases the
    file and any temporary transcode.
    """

    def __init__(self, path: Path, sound_file: soundfile.SoundFile, temp_dir: Path | None = None,
                 handle: BinaryIO | None = None):
        self.path = path
        self._file = sound_file
        self._temp_dir = temp_dir
        self._handle = handle
        self.rate_hz: int = int(sound_file.samplerate)
        self.channels: int = int(sound_file.channels)
        self.frames: int = int(sound_file.frames)
        #: libsndfile's names for what is read ("WAV", "PCM_16"; a transcode reads "WAV", "FLOAT").
        self.container: str = str(sound_file.format)
        self.subtype: str = str(sound_file.subtype)
        #: Integer PCM, mu-law and A-law decode to finite floats in [-1, 1) by construction.
        self._bounded = str(sound_file.subtype) in _BOUNDED_SUBTYPES
        self._pcm16 = str(sound_file.subtype) == "PCM_16"

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz

    def blocks(self, block_frames: int = DEFAULT_BLOCK_FRAMES, dtype: str = "float32", *,
               finite: bool = False, full_scale: bool = True) -> Iterator[np.ndarray]:
        """Yield the file from its start as float arrays of shape (frames, channels).

        Samples are finite and inside [-1, 1] (see ``_to_full_scale``). ``dtype`` "float64"
        holds every integer PCM sample up to 32 bits exactly (float32 only up to 24), for
        a caller that writes them back bit for bit. A float file can hold more, and a
        caller that must not change a sample silently says so: ``finite`` raises
        ``AudioInputError`` at a NaN or infinite sample (naming the time of the first)
        instead of zeroing or clipping it, and ``full_scale=False`` keeps finite samples past
        full scale as the file holds them.

        Every block has ``block_frames`` frames except the last. Raises ``AudioInputError``
        when the file ends before the length its header promises (truncated) or cannot be
        decoded part-way.
        """
        if block_frames <= 0:
            raise ValueError(f"block_frames must be positive, got {block_frames!r}")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        try:
            self._file.seek(0)
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            raise AudioInputError(f"{heading(self.path)}: cannot rewind audio ({_reason(exc)})") from exc
        done = 0
        while done < self.frames:
            want = min(block_frames, self.frames - done)
            try:
                block = self._read_block(want, dtype)
            except (soundfile.LibsndfileError, RuntimeError) as exc:
                raise AudioInputError(
                    f"{heading(self.path)}: audio cannot be decoded after {done / self.rate_hz:.3f} s"
                    f" ({_reason(exc)})"
                ) from exc
            if block.shape[0] == 0:
                break
            if not self._bounded:
                if finite:
                    self._check_finite(block, done)
                if full_scale:
                    _to_full_scale(block)
            done += block.shape[0]
            yield block
        if done < self.frames:
            raise AudioInputError(
                f"{heading(self.path)}: truncated: audio ends at {done / self.rate_hz:.3f} s but the"
                f" header promises {self.frames / self.rate_hz:.3f} s"
            )

    def _check_finite(self, block: np.ndarray, first_frame: int) -> None:
        """``AudioInputError`` naming the time of the first NaN or infinite sample of ``block``."""
        bad = ~np.isfinite(block)
        if bad.any():
            frame = first_frame + int(np.argmax(bad.any(axis=1)))
            raise AudioInputError(f"{heading(self.path)}: the sample at {frame / self.rate_hz:.3f} s is not a finite "
                                  "number (NaN or infinity): not audio")

    def _read_block(self, frames: int, dtype: str) -> np.ndarray:
        """Up to ``frames`` frames as ``dtype`` (frames, channels). 16-bit PCM is read as
        integers and scaled here: the same floats libsndfile makes (x / 2**15, exact), in
        a third of its time."""
        if self._pcm16:
            block = self._file.read(frames, dtype="int16", always_2d=True).astype(dtype)
            block *= block.dtype.type(1 / 32768)
            return block
        if self.container == "MP3":  # libmpg123's notes on damaged frames
            with quiet():
                return self._file.read(frames, dtype=dtype, always_2d=True)
        return self._file.read(frames, dtype=dtype, always_2d=True)

    def close(self) -> None:
        self._file.close()
        if self._handle is not None:
            self._handle.close()
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


def open_source(path: str | os.PathLike[str], limits: DecodeLimits | None = None,
                temp_parent: Path | None = None) -> AudioSource:
    """Open ``path`` for streaming decode; raises ``AudioInputError`` on a bad file.

    A transcode (formats libsndfile lacks) goes to a private dir under ``temp_parent``
    (default: the system temp dir).
    """
    path = Path(path)
    return open_source_file(open_regular(path), path, limits, temp_parent)


def open_source_file(handle: BinaryIO, path: Path, limits: DecodeLimits | None = None,
                     temp_parent: Path | None = None) -> AudioSource:
    """Like ``open_source`` for a file already opened (and checked) by the caller.

    The returned source owns ``handle``: closing it (or a failure here) closes the handle.
    """
    limits = limits or DecodeLimits()
    try:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise AudioInputError(f"{heading(path)}: empty file (0 bytes)")
        unsized_wav = _check_riff_length(handle, path, size) or _check_promised_length(handle, path, size)
        xing = read_xing(handle)
        longer_mp3 = _check_xing_length(xing, path, size)
        handle.seek(0)
    except OSError as exc:  # e.g. an I/O error part-way
        handle.close()
        raise AudioInputError(f"{heading(path)}: cannot read ({exc.strerror})") from exc
    except BaseException:
        handle.close()
        raise
    # A header that does not give the length (a streaming writer's) goes to ffmpeg, which
    # decodes to the end of what the file holds; so does anything libsndfile cannot open.
    sound_file = None if unsized_wav or longer_mp3 else _open_libsndfile(handle, xing)
    if sound_file is None:
        try:
            return _open_via_ffmpeg(handle, path, limits, temp_parent, unsized_wav=unsized_wav)
        finally:
            handle.close()
    source = AudioSource(path, sound_file, handle=handle)
    _check_usable(source, limits)
    return source


def libsndfile_reads(path: str | os.PathLike[str]) -> bool:
    """Whether libsndfile itself opens ``path`` (no ffmpeg): a file it cannot read is either
    transcoded by ``open_source`` or refused there, with the reason."""
    try:
        with quiet():  # libmpg123's notes on a file tried as an MP3
            soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError):
        return False
    return True


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading without blocking; refuse anything but a regular file.

    The type is checked on the opened descriptor, so a FIFO swapped in after a check is still
    refused (and never waited on: O_NONBLOCK), and a device is never read.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise AudioInputError(f"{heading(path)}: no such file") from None
    except OSError as exc:
        raise AudioInputError(f"{heading(path)}: cannot read ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise AudioInputError(f"{heading(path)}: not a regular file ({file_kind(info.st_mode)})")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise AudioInputError(f"{heading(path)}: no such file") from None
    except OSError as exc:  # e.g. permission denied
        if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOMEM):
            raise AudioResourceError(f"{heading(path)}: cannot open ({exc.strerror}; transient)") from exc
        raise AudioInputError(f"{heading(path)}: cannot read ({exc.strerror})") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise AudioInputError(f"{heading(path)}: not a regular file ({file_kind(mode)})")
    return os.fdopen(fd, "rb")


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return kind
    return "a regular file" if stat.S_ISREG(mode) else "not a file"


def _check_usable(source: AudioSource, limits: DecodeLimits) -> None:
    problem = None
    if source.channels < 1 or source.rate_hz < 1:
        problem = "header has no channels or no sample rate"
    elif source.frames == 0:
        problem = "no audio frames (empty or truncated before the data)"
    elif not limits.min_rate_hz <= source.rate_hz <= limits.max_rate_hz:
        # "4000-192000" would be one run of card-number length to the digit scrubbers
        problem = (f"sample rate {source.rate_hz} Hz is outside the accepted "
                   f"{limits.min_rate_hz} Hz to {limits.max_rate_hz} Hz"
                   + (f" ({limits.rates_set_by})" if limits.rates_set_by else ""))
    elif source.channels > limits.max_channels:
        problem = f"{source.channels} channels; at most {limits.max_channels} are accepted"
    elif source.duration_s > limits.max_duration_s:
        problem = (f"{source.duration_s:.1f} s of audio, longer than the {limits.max_duration_s:.1f} s "
                   f"{limits.duration_is}")
    if problem is not None:
        source.close()
        raise AudioInputError(f"{heading(source.path)}: {problem}")


def _open_libsndfile(handle: BinaryIO, xing: XingHeader | None) -> soundfile.SoundFile | None:
    """libsndfile's reader of the file open on ``handle``; None when it cannot open it or
    would not decode all of it, from the start again each time ``blocks()`` is called: an MP3
    without a Xing frame count, or counting 0, a placeholder never filled in (its length is a
    guess from the first frame's bitrate, and reading stops there), a FLAC whose STREAMINFO
    does not count its samples (written to a pipe: "unknown" is 2**63 - 1 frames, then
    seeking fails at the end), a codec it cannot seek in (GSM 6.10)."""
    try:
        # libsndfile reads the descriptor itself: through the Python file object every read
        # was a round of Python callbacks (a third of assembly's time). The handle keeps
        # owning the descriptor and closes it.
        os.lseek(handle.fileno(), 0, os.SEEK_SET)  # the buffered handle may not have moved it
        with quiet():  # libmpg123's notes on a file tried as an MP3 (a FLAC starting 0xFFFF)
            sound_file = soundfile.SoundFile(handle.fileno(), closefd=False)
    except (soundfile.LibsndfileError, RuntimeError):
        return None
    guessed = sound_file.format == "MP3" and (xing is None or not xing.mpeg_frames)  # a count of 0: none
    if guessed or sound_file.frames == _UNKNOWN_FRAMES or not sound_file.seekable():
        sound_file.close()
        return None
    return sound_file


def _check_xing_length(xing: XingHeader | None, path: Path, size: int) -> bool:
    """An MP3 shorter than its Xing header's byte count is truncated; True when it is longer
    (more audio than its header counts, which libsndfile would not decode).

    Checked before libsndfile opens the file: past 1 % of the file either way libmpg123
    prints its own warning on stderr, where a one-shot command writes only JSON lines.
    A smaller shortfall is found by ``blocks()`` (fewer frames than the header counts).
    """
    if xing is None or xing.stream_bytes is None:
        return False  # (a count of 0 bytes, never filled in, is far from any file: decoded by ffmpeg)
    held = size - xing.audio_start_bytes
    if abs(held - xing.stream_bytes) * 100 <= size:  # libmpg123's test, in whole bytes
        return False
    if held < xing.stream_bytes:
        raise AudioInputError(f"{heading(path)}: truncated MP3: its header promises {xing.stream_bytes} bytes"
                              f" of audio, the file holds {held}")
    return True


def _check_riff_length(handle: BinaryIO, path: Path, size: int) -> bool:
    """A WAV whose data chunk is shorter than its header says is truncated; True when its data
    size is 0 with audio after it (a streaming writer's header, never finalised).

    libsndfile silently shortens such files, and takes a data size of 0 for no audio, so
    the header is checked here.
    """
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        if head[:4] == b"RIFF" and len(head) < 12:
            raise AudioInputError(f"{heading(path)}: truncated WAV header ({size} bytes)")
        return False
    for chunk_id, chunk_size, offset in walk_chunks(handle, 12, "<4sI", pad_even=True, most=None):
        if chunk_id == b"data":
            if chunk_size not in _UNKNOWN_RIFF_SIZES and offset + chunk_size > size:
                raise AudioInputError(
                    f"{heading(path)}: truncated WAV: header promises {chunk_size} data bytes,"
                    f" file holds {size - offset}"
                )
            return chunk_size == 0 and offset < size
        if offset + chunk_size + (chunk_size & 1) > size:
            raise AudioInputError(f"{heading(path)}: truncated WAV: chunk {chunk_id!r} runs past the end")
    raise AudioInputError(f"{heading(path)}: truncated WAV: no data chunk in {size} bytes")


def _check_promised_length(handle: BinaryIO, path: Path, size: int) -> bool:
    """An RF64, W64, AIFF, AU or CAF file holding less audio than its header promises is
    truncated (``audio.data_lengths``): libsndfile and ffmpeg would read it as a shorter file.
    True when its header does not give the length (a streaming writer's) and libsndfile would
    not read it to its end: it takes an RF64's for no audio (the others' it reads to the end;
    ffmpeg refuses a streamed Wave64)."""
    promised = promised_data(handle)
    if promised is None:
        return False
    if promised.promised_bytes is None:
        return promised.container in _UNSIZED_FOR_LIBSNDFILE
    if promised.data_start_bytes + promised.promised_bytes > size:
        raise AudioInputError(
            f"{heading(path)}: truncated {promised.container}: header promises {promised.promised_bytes} data"
            f" bytes, file holds {max(size - promised.data_start_bytes, 0)}"
        )
    return False


def _open_via_ffmpeg(handle: BinaryIO, path: Path, limits: DecodeLimits,
                     temp_parent: Path | None, *, unsized_wav: bool = False) -> AudioSource:
    """Transcode a format libsndfile lacks to float WAV with ffmpeg, then open that
    (``unsized_wav``: a WAV or RF64 whose data size says "unknown", read to its end)."""
    try:
        temp_dir = Path(tempfile.mkdtemp(prefix="callrec-decode-", dir=temp_parent))
    except OSError as exc:
        raise AudioResourceError(f"{heading(path)}: cannot make a temp dir to decode in ({exc.strerror})") from exc
    wav_path = temp_dir / "decoded.wav"
    try:
        _ffmpeg_to_wav(handle, path, wav_path, limits, unsized_wav)
        sound_file = soundfile.SoundFile(wav_path)
    except AudioInputError:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    except AudioResourceError:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise AudioInputError(f"{heading(path)}: not a readable audio file ({_reason(exc)})") from exc
    source = AudioSource(path, sound_file, temp_dir)
    _check_usable(source, limits)
    return source


def _ffmpeg_to_wav(handle: BinaryIO, path: Path, wav_path: Path, limits: DecodeLimits,
                   unsized_wav: bool = False) -> None:
    """The one place that runs ffmpeg: the open file (any format it knows) to 32-bit float WAV.

    ffmpeg reads the caller's descriptor (its ``fd`` protocol, so it reads the file that was
    checked even if ``path`` has changed since) and may open nothing else: a playlist it
    recognises by its content (a DASH manifest) would otherwise have it read files named in
    it, outside the source roots. It stops one second past ``limits.max_duration_s``
    and at the bytes such a transcode can take: a small file claiming hours of audio cannot
    fill the disk. Whether it ran past the limit is checked on the result.
    """
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioInputError(
            f"{heading(path)}: not a format libsndfile reads, and ffmpeg is unavailable ({exc})"
        ) from exc
    fd = handle.fileno()
    os.lseek(fd, 0, os.SEEK_SET)  # ffmpeg reads from the descriptor's offset (libsndfile may have moved it)
    bounds: list[str] = []
    if not math.isinf(limits.max_duration_s):
        bounds = ["-t", f"{limits.max_duration_s + 1:.3f}", "-fs", str(limits.max_transcode_bytes())]
    # ffmpeg's WAV reader takes an RF64's unknown (0) ds64 data size for no audio
    ignore_length = ["-ignore_length", "1"] if unsized_wav else []
    # -rf64 auto: past 4 GiB of float samples (about 3 h of 48 kHz stereo) a plain WAV
    # header wraps around and the decoded audio would silently come out shorter.
    command = [ffmpeg, "-nostdin", "-v", "error", *ignore_length, "-protocol_whitelist", "fd", "-fd", str(fd),
               "-i", "fd:", "-vn", "-c:a", "pcm_f32le", *bounds, "-f", "wav", "-rf64", "auto", "-y", str(wav_path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=3600, check=False,
                                pass_fds=(fd,), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioInputError(f"{heading(path)}: ffmpeg could not run ({type(exc).__name__})") from exc
    if any(words in result.stderr for words in _NO_SPACE):
        raise AudioResourceError(f"{heading(path)}: out of disk space while decoding in the worker's temp "
                                 "dir (transient: the job is retried)")
    if result.returncode < 0 and -result.returncode in _STOPPED_BY:
        # Killed by the machine (a file-size limit, the OOM killer, a stop): not the file's fault.
        raise AudioResourceError(f"{heading(path)}: ffmpeg was stopped by {signal.Signals(-result.returncode).name} "
                                 "while decoding (transient: the job is retried)")
    if result.returncode != 0 and b"Unrecognized option 'fd'" in result.stderr:
        raise AudioToolError(f"{heading(path)}: the ffmpeg at {ffmpeg} (version {_version(ffmpeg)}) cannot read an "
                             "open file (callrec needs ffmpeg 6.0 or newer: unset IMAGEIO_FFMPEG_EXE for the bundled one)")
    if result.returncode != 0 or not wav_path.exists() or wav_path.stat().st_size <= 44:
        raise AudioInputError(f"{heading(path)}: not an audio file (neither libsndfile nor ffmpeg can decode it)")


def _version(ffmpeg: str) -> str:
    """What ``ffmpeg -version`` says its version is (``unknown`` if it does not say)."""
    try:
        said = subprocess.run([ffmpeg, "-version"], capture_output=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = said.decode("utf-8", "replace").split()
    return words[2] if len(words) > 2 and words[:2] == ["ffmpeg", "version"] else "unknown"


#: Sample formats whose decoded floats are always finite and inside [-1, 1): no clean-up.
_BOUNDED_SUBTYPES = frozenset({"PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "ULAW", "ALAW"})


def _to_full_scale(block: np.ndarray) -> None:
    """Float files (and lossy decoders) can hold NaN, inf or peaks past full scale; the
    audio layer promises finite samples in [-1, 1], so NaN becomes 0 and the rest is clipped."""
    np.nan_to_num(block, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    np.clip(block, -1.0, 1.0, out=block)


def _reason(exc: BaseException) -> str:
    """A short reason from a libsndfile error, without repeating the path."""
    text = str(exc)
    return text.split(": ", 1)[-1] if "Error opening" in text else text
