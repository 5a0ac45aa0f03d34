"""Which file format an output gets: from its name, keeping the input's sample format where
that format can hold it (libsndfile's names: container "WAV", "FLAC"...; subtype "PCM_16"...).
"""

from __future__ import annotations

import os
from pathlib import Path

import soundfile

from audio.errors import AudioInputError
from callrec.errors import heading

#: Extensions that are not libsndfile's format names.
_ALIASES = {"aif": "AIFF", "oga": "OGG", "opus": "OGG"}
#: Extensions (lower case, no dot) of audio formats: every format libsndfile writes (its own list,
#: ``soundfile.available_formats``: "voc", "wavex", "nist"...), and what players take by name. An
#: output named so that is written in another format is misread by its name.
AUDIO_EXTENSIONS = frozenset({name.lower() for name in soundfile.available_formats()} | set(_ALIASES)
                             | {"aifc", "m4a", "aac", "wma", "amr", "webm"})


def output_format(path: str | os.PathLike[str], like_subtype: str) -> tuple[str, str]:
    """(container, subtype) for writing ``path``: the container its extension names, with
    ``like_subtype`` (the input's) when that container holds it, else the container's default.
    Raises ``AudioInputError`` for an extension that names no format libsndfile writes."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    formats = {name.lower(): name for name in soundfile.available_formats()}
    container = formats.get(ext) or _ALIASES.get(ext)
    if container is None:
        raise AudioInputError(f"{heading(path)}: unknown audio format {ext!r} (use e.g. .wav or .flac)")
    # libsndfile "accepts" MP3 data in a WAV container but cannot write it: compressed
    # subtypes are kept only in their own format.
    foreign_codec = like_subtype.startswith("MPEG") and container != "MP3"
    if soundfile.check_format(container, like_subtype) and not foreign_codec:
        return container, like_subtype
    return container, soundfile.default_subtype(container)
