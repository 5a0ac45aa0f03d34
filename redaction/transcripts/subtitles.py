"""Subtitles: the cues of SRT and WebVTT files (``srt``, ``webvtt``), read as segments.

A file is lines (ending in CRLF, LF or CR) in blocks parted by blank lines. A cue is a block
of an optional identifier line (SRT's cue number; any line over a timing), a timing line
(``start --> end``; what follows the end time, WebVTT's cue settings or SubRip's ``X1:``
coordinates, is not read as speech) and text lines. A WebVTT file starts with its header block
(``WEBVTT``, and lines such as a title under it); its ``NOTE`` blocks are comments and its
``STYLE`` and ``REGION`` blocks are not read as speech.

Each cue is a segment over its times (no word times), its text read with tags (``<v Caller>``,
``<i>``, ``<00:01.000>``) blanked to spaces and character references to letters and digits read as
the characters they stand for (``&#49;`` a digit); one to anything else (a space, ``&nbsp;``; punctuation,
``&amp;`` ``&lt;``: "&4111" is no number to the card logic) and one unknown blanked to spaces. Written back, the tokens that say
card data are redacted in the cue text itself (a reference in a token's core with it, one that is
its punctuation kept), comments are scrubbed as free text (every
number in them too when a cue held card data) and so are the header, each identifier, the
settings after each timing, each tag and each STYLE and REGION block (each on its own, its
markup ``<>="':`` read as spaces); every other byte is kept (timings, line ends, a byte order
mark, all of a file without card data). Strict, in one pass:
a timing that is not one, a cue ending before it starts or starting before the cue before
it, and a timing inside a cue's text or the header (a blank line missing) are refused naming
the line, never its text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from redaction.errors import TranscriptError
from redaction.transcripts.base import PLACEHOLDER, Reading, Segment, WriteBack, checked_time, split_core
from redaction.transcripts.freetext import (TOKEN, redact_free, redact_free_parts, redact_numbers, replace_tokens,
                                           said_cores, token_hits)
from redaction.transcripts.quotes import Cores


@dataclass(frozen=True)
class Dialect:
    """One subtitle format's syntax: its timing line (groups: hours or None, minutes, seconds,
    milliseconds of the start, then of the end) and, for WebVTT, its header and blocks."""

    name: str
    timing: re.Pattern[str]
    #: The timing's shape, for messages.
    shape: str
    #: The first line's first word (WebVTT's ``WEBVTT``), or None.
    header: str | None = None
    #: First words of blocks that are comments (scrubbed) and blocks kept unread.
    notes: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cue:
    """A cue's times and where its text is in the file (offsets; ``read``: the text as read, tags
    blanked, references read: ``_read``)."""

    start_s: float
    end_s: float
    text_from: int
    text_to: int
    read: str = field(repr=False)
    #: Where the cue's block starts (its identifier line, or its timing line when it has none).
    block_from: int


@dataclass(frozen=True)
class Parsed:
    cues: tuple[Cue, ...]
    #: Where each comment block is (offsets).
    notes: tuple[tuple[int, int], ...]
    #: Where the header block is (WebVTT's ``WEBVTT`` line and the lines under it), if any.
    header: tuple[int, int] | None = None
    #: Where each block kept unread (WebVTT's ``STYLE`` and ``REGION``) is.
    kept: tuple[tuple[int, int], ...] = ()


_BREAK = re.compile(r"\r\n|\r|\n")
_TAG = re.compile(r"<[^<>\r\n]*>")
#: A character reference (``&nbsp;``, ``&#160;``, ``&#xA0;``: "4111&nbsp;1111" is two groups; ``&#49;`` a digit).
_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_MARKED = re.compile(f"{_TAG.pattern}|{_REFERENCE.pattern}")
_NUMBER = re.compile(r"[0-9]+")
#: WebVTT's timestamp tag (``<00:01.000>``, a karaoke cue's time of each word).
_TIMESTAMP = re.compile(r"<(?:[0-9]{2,}:)?[0-5][0-9]:[0-5][0-9]\.[0-9]{3}>")
#: Markup that joins a word to its neighbours outside the cue text (``<v 4111``, ``color="4111``,
#: ``region:4111``): read as spaces there, so each word is read as a word.
_MARKUP = re.compile(r"[<>=\"':.]")
_BOM = "\ufeff"
#: How far into a file ``missing`` looks for its first cue (it reads the first lines only).
_HEAD_CHARS = 4096


class Subtitles:
    """The transcript format (``TranscriptFormat``) of one ``Dialect``: no words, its cues segments."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.name = dialect.name

    def missing(self, text: object) -> tuple[str, ...]:
        return missing(text, self.dialect)

    def read(self, text: str) -> Reading:
        return read(text, self.dialect)

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        return redact(text, self.dialect)  # no words: ``sensitive`` is empty


def missing(text: object, dialect: Dialect) -> tuple[str, ...]:
    """Nothing when ``text`` starts as ``dialect`` does (WebVTT: its header line; SRT: a cue
    number and a timing, or a timing), else what it lacks (for ``auto``)."""
    wanted = (f"a first line {dialect.header}",) if dialect.header else (f"a first cue ({dialect.shape})",)
    if not isinstance(text, str):
        return wanted
    head = _BREAK.split(text[:_HEAD_CHARS].removeprefix(_BOM))
    if dialect.header is not None:
        return () if _starts(head[0], dialect.header) else wanted
    whole = head if len(text) <= _HEAD_CHARS else head[:-1]  # the last line may be cut short
    lines = [line for line in whole if line.strip()][:2]
    if lines and dialect.timing.match(lines[0]):
        return ()
    if len(lines) == 2 and _NUMBER.fullmatch(lines[0].strip()) and dialect.timing.match(lines[1]):
        return ()
    return wanted


def read(text: str, dialect: Dialect) -> Reading:
    return Reading((), (), tuple(Segment(c.start_s, c.end_s, c.read) for c in parse(text, dialect).cues))


def redact(text: str, dialect: Dialect) -> WriteBack:
    parsed = parse(text, dialect)
    hits = token_hits([(c.read, c.start_s, c.end_s) for c in parsed.cues])
    said = [parsed.cues[k].read[a:b] for k in sorted(hits) for a, b in sorted(hits[k])]
    changes = [change for k in sorted(hits) for change in _masked(text, parsed.cues[k], hits[k])]
    cores = said_cores(said)
    changes += _outside(text, parsed, dialect, cores)
    if parsed.header is not None:  # a title, the kind, the language: card data in it goes
        start, end = parsed.header
        if (header := redact_free(text[start:end], cores)) != text[start:end]:
            changes.append((start, end, header))
    for (start, end), note in zip(parsed.notes, _notes_scrubbed([text[a:b] for a, b in parsed.notes], cores)):
        note = redact_numbers(note) if said else note
        if note != text[start:end]:
            changes.append((start, end, note))
    pieces, at = [], 0
    for start, end, new in sorted(changes):
        pieces += [text[at:start], new]
        at = end
    return WriteBack("".join(pieces) + text[at:])


def _masked(text: str, cue: Cue, tokens: set[tuple[int, int]]) -> Iterator[tuple[int, int, str]]:
    """The changes masking ``tokens`` (offsets in ``cue.read``) in the file: each token's core
    replaced, its punctuation kept (a reference read inside the core goes with it)."""
    pieces = _pieces(text[cue.text_from:cue.text_to])
    for a, b in tokens:
        lead, core, trail = split_core(cue.read[a:b])
        if core:
            start = cue.text_from + _in_text(pieces, a + len(lead), start=True)
            yield start, cue.text_from + _in_text(pieces, b - len(trail), start=False), PLACEHOLDER


#: A reference read as other characters: (from, to) in the read text, then (from, to) in the raw text.
_Piece = tuple[int, int, int, int]


def _pieces(raw: str) -> list[_Piece]:
    """Where ``_read`` read ``raw`` as text of another length (each reference read)."""
    pieces, shift = [], 0
    for found in _MARKED.finditer(raw):
        read = _as_read(found)
        if len(read) != len(found.group()):
            pieces.append((found.start() + shift, found.start() + shift + len(read), found.start(), found.end()))
            shift += len(read) - len(found.group())
    return pieces


def _in_text(pieces: list[_Piece], at: int, *, start: bool) -> int:
    """The raw text's offset of the read text's offset ``at``: a token's start or end (one inside a
    reference's characters is its start or its end)."""
    shift = 0
    for read_from, read_to, raw_from, raw_to in pieces:
        if read_from <= at < read_to if start else read_from < at <= read_to:
            return raw_from if start else raw_to
        if at < read_to:  # before this reference
            break
        shift = raw_to - read_to
    return at + shift


def _read(raw: str) -> str:
    """A cue's text as read: each tag blanked to spaces, each reference as the characters it stands for."""
    return _MARKED.sub(_as_read, raw)


def _as_read(found: re.Match[str]) -> str:
    """A tag, a reference to anything but letters and digits (a space, punctuation), an unknown
    reference or a numeric one past Unicode's last code point as spaces of its length; a reference
    to letters or digits as its characters."""
    marked = found.group()
    if marked.startswith("&#"):  # its number without leading zeros: html.unescape reads it with int,
        hexadecimal = marked[2] in "xX"  # which refuses more than 4,300 decimal digits
        number = marked[3 if hexadecimal else 2:-1].lstrip("0") or "0"
        if len(number) > 7 or int(number, 16 if hexadecimal else 10) > 0x10FFFF:
            return " " * len(marked)
        marked = f"&#{'x' if hexadecimal else ''}{number};"
    if marked.startswith("&") and (read := html.unescape(marked)) != marked and read.isalnum():
        return read  # punctuation ("&amp;", "&lt;") stuck to digits hid them from the card logic: spaces
    return " " * len(found.group())


def _notes_scrubbed(notes: list[str], cores: Cores) -> list[str]:
    """``notes`` (comment blocks, each from its ``NOTE``) with card data redacted, their texts after
    the ``NOTE`` read in order as one free text (``redact_free_parts``; session 54: each was read
    alone, so a card a group a comment was written back whole)."""
    return [note[:4] + after for note, after in zip(notes, redact_free_parts([note[4:] for note in notes], cores))]


def _outside(text: str, parsed: Parsed, dialect: Dialect, cores: Cores) -> list[tuple[int, int, str]]:
    """The changes to the free text outside the cue text (an identifier, the settings after a
    timing, each tag, a block kept unread), each read as free text on its own; a cue's own number
    (SRT's 1, 2, 3...) and a timestamp tag are structure, not read (a card logic run each took
    as long as the rest of the write-back)."""
    done: dict[str, str] = {}  # the same tag or settings on every cue: read once

    def free(start: int, end: int) -> Iterator[tuple[int, int, str]]:
        piece = text[start:end]
        if piece not in done:
            read = _MARKUP.sub(" ", piece)
            done[piece] = _rewritten(piece, read, redact_free(read, cores))
        if done[piece] != piece:
            yield start, end, done[piece]

    changes = [change for start, end in parsed.kept for change in free(start, end)]
    idents: list[tuple[int, int]] = []  # read together below
    number: int | None = None  # the last cue's own number
    for cue in parsed.cues:
        timing_from, (first_to, after_first) = cue.block_from, _line_end(text, cue.block_from)
        if "-->" not in text[cue.block_from:first_to]:  # an identifier line
            ident = text[cue.block_from:first_to]
            number = _cue_number(ident, number)
            if number is None:
                idents.append((cue.block_from, first_to))
            timing_from = after_first
        else:
            number = None
        timing_to = _line_end(text, timing_from)[0]
        timing = dialect.timing.match(text, timing_from, timing_to)
        assert timing is not None  # parsed
        changes += free(timing.end(8), timing_to)
        for tag in _TAG.finditer(text, cue.text_from, cue.text_to):
            if not _TIMESTAMP.fullmatch(tag.group()):  # a time, as the timing is
                changes += free(tag.start(), tag.end())
    return changes + _identifiers(text, idents, cores)


def _identifiers(text: str, idents: list[tuple[int, int]], cores: Cores) -> list[tuple[int, int, str]]:
    """The changes to the cues' identifiers (offsets ``idents``), read in order as one free text
    (``redact_free_parts``; session 54: each was read alone, so a card a group an identifier was
    written back whole)."""
    reads = [_MARKUP.sub(" ", text[start:end]) for start, end in idents]
    return [(start, end, _rewritten(text[start:end], read, after))
            for (start, end), read, after in zip(idents, reads, redact_free_parts(reads, cores)) if after != read]


def _rewritten(piece: str, read: str, after: str) -> str:
    """``piece`` with the tokens redacted that its reading ``read`` (its markup as spaces: the same
    length, the same tokens) came out of the card logic changed in, ``after``: one token for one
    ([redacted] holds no space), the markup kept."""
    changed = [(a.start(), a.end()) for a, b in zip(TOKEN.finditer(read), TOKEN.finditer(after))
               if a.group() != b.group()]
    return replace_tokens(piece, changed)


#: A first cue's own number has at most this many digits (fewer than any card's).
MAX_FIRST_NUMBER_DIGITS = 12


def _cue_number(ident: str, last: int | None) -> int | None:
    """``ident`` as a cue's own number, the file's structure as its timings are: the number after
    the last cue's, or a first number shorter than a card (from 1, 0 or an excerpt's offset);
    None for an identifier to read as free text."""
    if not _NUMBER.fullmatch(ident) or (last is None and len(ident) > MAX_FIRST_NUMBER_DIGITS):
        return None
    return int(ident) if last is None or int(ident) == last + 1 else None


def _line_end(text: str, at: int) -> tuple[int, int]:
    """Where the line at ``at`` ends (before its line break) and the next starts."""
    found = _BREAK.search(text, at)
    return (found.start(), found.end()) if found else (len(text), len(text))


def parse(text: str, dialect: Dialect) -> Parsed:
    """The cues and comments of ``text``; a TranscriptError naming the line of the first fault."""
    cues: list[Cue] = []
    notes: list[tuple[int, int]] = []
    kept: list[tuple[int, int]] = []
    header = None
    blocks = _blocks(text)
    if dialect.header is not None:
        first = next(blocks, None)
        if first is None or first[0][0] != 1 or not _starts(text[first[0][1]:first[0][2]], dialect.header):
            raise TranscriptError(f"{dialect.name} transcript: line 1 is not the {dialect.header} header")
        for number, start, end in first[1:]:
            if dialect.timing.match(text[start:end]):
                raise TranscriptError(f"{dialect.name} transcript: line {number}, in the header, holds a cue timing "
                                      f"(a blank line missing after the {dialect.header} line?)")
        header = (first[0][1], first[-1][2])
    for block in blocks:
        first = text[block[0][1]:block[0][2]]
        # a timing on its first two lines makes a block a cue, whatever its identifier says (WebVTT's parser)
        timed = any("-->" in text[start:end] for _, start, end in block[:2])
        if not timed and any(_starts(first, word) for word in dialect.notes):
            notes.append((block[0][1], block[-1][2]))
        elif not timed and any(_starts(first, word) for word in dialect.kept):
            kept.append((block[0][1], block[-1][2]))
        else:
            cues.append(_cue(text, block, dialect, cues[-1] if cues else None))
    return Parsed(tuple(cues), tuple(notes), header, tuple(kept))


_Line = tuple[int, int, int]  # (line number, start offset, end offset before its line break)


def _blocks(text: str) -> Iterator[list[_Line]]:
    """The file's blocks of non-blank lines, one at a time (a file's lines are never all held)."""
    current: list[_Line] = []
    at = 1 if text.startswith(_BOM) else 0
    number = 1
    while at <= len(text):
        found = _BREAK.search(text, at)
        end = found.start() if found else len(text)
        if text[at:end].strip():
            current.append((number, at, end))
        elif current:
            yield current
            current = []
        if found is None:
            break
        at, number = found.end(), number + 1
    if current:
        yield current


def _cue(text: str, block: Sequence[_Line], dialect: Dialect, before: Cue | None) -> Cue:
    lines = [text[start:end] for _, start, end in block]
    # SRT's identifier is a cue number; any line over a timing is one too (a number redacted)
    numbered = _NUMBER.fullmatch(lines[0].strip()) or len(lines) > 1 and "-->" in lines[1]
    at = 0 if "-->" in lines[0] or dialect.header is None and not numbered else 1
    timing_line = block[at][0] if at < len(block) else block[0][0] + 1
    timing = dialect.timing.match(lines[at]) if at < len(lines) else None
    if timing is None:
        raise TranscriptError(f"{dialect.name} transcript: line {timing_line} has no cue timing ({dialect.shape}; "
                              "minutes and seconds under 60)")
    start_s = _seconds(timing.groups()[:4], timing_line, dialect)
    end_s = _seconds(timing.groups()[4:], timing_line, dialect)
    if end_s < start_s:
        raise TranscriptError(f"{dialect.name} transcript: the cue at line {timing_line} ends before it starts")
    if before is not None and start_s < before.start_s:
        raise TranscriptError(f"{dialect.name} transcript: the cue at line {timing_line} starts before the cue "
                              "before it")
    body = block[at + 1:]
    for number, start, end in body:
        if "-->" in text[start:end] and dialect.timing.match(text[start:end]):
            raise TranscriptError(f"{dialect.name} transcript: line {number}, in a cue's text, holds a cue timing "
                                  "(a blank line missing before it?)")
    if not body:
        end = block[at][2]
        return Cue(start_s, end_s, end, end, "", block[0][1])
    text_from, text_to = body[0][1], body[-1][2]
    read = _read(text[text_from:text_to])
    return Cue(start_s, end_s, text_from, text_to, read, block[0][1])


def _seconds(parts: Sequence[str | None], line: int, dialect: Dialect) -> float:
    hours, minutes, seconds, millis = (int(part) if part is not None else 0 for part in parts)
    return checked_time((hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis) / 1000, f"line {line}",
                        dialect.name)


def _starts(line: str, word: str) -> bool:
    """Whether ``line`` is ``word``, or ``word`` and a space or a tab and more."""
    return line == word or line.startswith(word) and line[len(word)] in " \t"
