"""SubRip subtitles (``.srt``), as AssemblyAI (``/srt``), Deepgram's captions, Rev, whisper and
whisper.cpp (``-osrt``), OpenAI (``response_format=srt``) and Amazon Transcribe write them.

No formal standard; the shape every one of them writes: blocks parted by blank lines, each a
cue number, a timing ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` (a comma before the milliseconds) and
the cue's text lines. Read and written back by ``subtitles``: cues as segments, card data
redacted in the cue text and scrubbed from cue numbers, what follows a timing and tags
(``<font color="...">``), every other byte kept.
"""

from __future__ import annotations

import re

from redaction.transcripts import subtitles

NAME = "srt"
#: A time: hours (any number of digits, up to 9), minutes, seconds, milliseconds.
_TIME = r"([0-9]{1,9}):([0-5][0-9]):([0-5][0-9]),([0-9]{3})"
DIALECT = subtitles.Dialect(NAME, re.compile(rf"{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$"),
                            "HH:MM:SS,mmm --> HH:MM:SS,mmm")

FORMAT = subtitles.Subtitles(DIALECT)
