"""Output files that appear complete or not at all: temp file beside the target, fsync,
rename (``callrec.files``); the temp file is removed on any failure.

A command with several outputs (``redact -o OUT --report R --transcript-out T``) stages
them all with :func:`staged_outputs`: every path is checked and its temp file created
before any work, and the outputs are renamed into place together at the end, so a bad or
unwritable path is refused at once (exit 2) and a failure part way writes none of them.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from callrec.errors import heading, quoted
from callrec.files import Replacement, replaced
from worker.errors import UsageError, WorkerError


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Yield a file to write ``path`` through (``mode`` "w" for UTF-8 text, "wb" for bytes).

    An ``OSError`` (disk full, no permission) becomes a ``WorkerError`` naming ``path``;
    any other exception propagates unchanged. Either way ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    try:
        with replaced(path, mode) as out:
            yield out
    except OSError as exc:
        raise WorkerError(f"{heading(path)}: cannot write ({exc.strerror})") from exc


def check_output_paths(outputs: Mapping[str, Path | None], inputs: Iterable[Path] = ()) -> None:
    """Refuse (UsageError) output paths that cannot become regular files of their own.

    ``outputs`` maps each option (``-o``, ``--report``) to its path (None: not given). An
    output must be in an existing directory, must not be a directory, a device, a pipe or
    a socket (those would be replaced by a regular file), must not lie in the service's own
    state (``_state_dirs``), must not be one of ``inputs`` (by path, symlink or hard link) and
    must differ from every other output.
    """
    sources = [Path(p) for p in inputs]
    resolved_inputs = {p.resolve() for p in sources}
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        path = Path(path)
        where = f"{option} {heading(path)}"
        if path.name in ("", ".", "..") or path.is_dir():
            raise UsageError(f"{where}: is a directory, not an output file")
        if not path.parent.is_dir():
            raise UsageError(f"{where}: directory {quoted(path.parent)} does not exist")
        if os.path.lexists(path):
            mode = path.stat().st_mode if path.exists() else os.lstat(path).st_mode
            if not stat.S_ISREG(mode) and not stat.S_ISLNK(mode):
                raise UsageError(f"{where}: is a {_kind(mode)}, not a file; outputs are only written to files")
        real = path.resolve()
        for setting, directory in _state_dirs():
            if real == directory.resolve() or directory.resolve() in real.parents:
                raise UsageError(f"{where}: is inside the service's own state ({setting} {quoted(directory)}): "
                                 "write the output elsewhere")
        if real in resolved_inputs or any(_same_file(path, src) for src in sources):
            raise UsageError(f"{where}: is also an input; write the output elsewhere")
        if real in seen:
            raise UsageError(f"{where}: is the same file as {seen[real]}")
        seen[real] = option


@contextlib.contextmanager
def staged_outputs(outputs: Mapping[str, Path | None], inputs: Iterable[Path] = ()) -> Iterator[dict[str, Path]]:
    """Yield option -> temp path for every given output; rename them all into place at the end.

    Paths are checked (:func:`check_output_paths`) and their temp files (beside the target,
    with the target's suffix, so a format chosen by extension still is) created before the
    caller does any work: an output that cannot be written is a UsageError and nothing is
    done. An option the caller removes from the yielded dict is not written at all. On any exception every temp file is removed and no output is touched. Renames
    within one directory do not fail for want of space, so once the work is done the
    outputs appear together (an old file of the same name is replaced only then).
    """
    check_output_paths(outputs, inputs)
    temps: dict[str, Replacement] = {}
    try:
        for option, path in outputs.items():
            if path is None:
                continue
            path = Path(path)
            try:
                temps[option] = Replacement(path, suffix=path.suffix)
            except OSError as exc:
                raise UsageError(f"{option} {heading(path)}: cannot write in {quoted(path.parent)} ({exc.strerror})") from exc
        kept = {option: temp.path for option, temp in temps.items()}
        yield kept  # the caller drops an option from it to write no such output after all
        for option in set(temps) - set(kept):
            temps.pop(option).discard()
        for temp in temps.values():
            temp.sync()  # all written down before any appears
        for temp in temps.values():
            temp.commit()
    except BaseException as exc:
        for temp in temps.values():
            temp.discard()
        if isinstance(exc, OSError):
            raise WorkerError(f"cannot write the outputs ({exc.strerror})") from exc
        raise


def _state_dirs() -> list[tuple[str, Path]]:
    """The service's own state, which no output may land in: the data dir (the local vault, the
    keyring, the key store by default, Redis's files, the API's kept manifests) and a key store
    dir of its own. Session 53: ``export -o <data dir>/keys/us.json`` replaced the region's
    keyring with the exported audio, and nothing of the region decrypted again."""
    from worker.settings import Settings

    settings = Settings.from_env()
    dirs = [("CALLREC_DATA_DIR", Path(settings.data_dir))]
    if settings.key_store_dir:
        dirs.append(("CALLREC_KEY_STORE_DIR", Path(settings.key_store_dir)))
    return dirs


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"
