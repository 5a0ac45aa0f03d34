"""WebVTT subtitles (``.vtt``), as AssemblyAI (``/vtt``), Deepgram's captions, Rev, whisper and
whisper.cpp (``-ovtt``), OpenAI (``response_format=vtt``) and Amazon Transcribe write them.

Shape (W3C, "WebVTT: The Web Video Text Tracks Format"): a first line ``WEBVTT`` (text after a
space or a tab allowed) and header lines, then blocks parted by blank lines: ``NOTE``
comments, ``STYLE`` and ``REGION`` blocks, and cues of an optional identifier line, a timing
``[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm`` with cue settings after it, and text lines with tags
(``<v Caller>``, ``<i>``, ``<00:01.000>``). Read and written back by ``subtitles``: cues as
segments, card data redacted in the cue text and scrubbed from all else (comments, the header,
identifiers, settings, tags, styles), every other byte kept.
"""

from __future__ import annotations

import re

from redaction.transcripts import subtitles

NAME = "webvtt"
#: A time: hours (two digits or more, up to 9; optional), minutes, seconds, milliseconds.
_TIME = r"(?:([0-9]{2,9}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"
DIALECT = subtitles.Dialect(NAME, re.compile(rf"{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$"),
                            "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm", header="WEBVTT", notes=("NOTE",),
                            kept=("STYLE", "REGION"))

FORMAT = subtitles.Subtitles(DIALECT)
