"""What every transcript format provides, and helpers they share.

A format reads a provider's document into a ``Reading``: timed words (in a fixed order, so
an index names one word), the spans the provider redacted itself, and the segments whose
words have no times. It writes the document back with chosen words replaced by
``PLACEHOLDER``, in the provider's own shape: derived text (full transcripts, utterances) is
rebuilt from the redacted words, free text (summaries, chapters, entity values) is scrubbed
in place (``scrub``), and only data that cannot be redacted in place (token ids that spell
the text) is removed and named in ``WriteBack.removed``.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left
import re
from collections.abc import Callable, Iterable, Sequence
import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

from callrec.jsonfields import GIVEN_TWICE, field_shown, holds_lone_surrogate, unique_object_hook
from redaction.errors import InvalidJSON, TranscriptError
from redaction.words import TimedWord

#: What a redacted word reads as in a written-back transcript.
PLACEHOLDER = "[redacted]"

_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


@dataclass(frozen=True)
class Marked:
    """A stretch the provider redacted itself ([PII], ####, a Contact Lens redacted timestamp):
    ``entity`` is the provider's label in lower case (card ones in our names), or "pii"."""

    start_s: float
    end_s: float
    entity: str


@dataclass(frozen=True)
class Segment:
    """Text with a start and an end but no word times (Contact Lens turns, Whisper segments
    without word timestamps). ``text`` is transcript text: never in a repr or a message."""

    start_s: float
    end_s: float
    text: str = dataclasses.field(repr=False)
    #: Spans inside it the provider redacted, when it says where (else a marker in the text
    #: masks the whole segment).
    marked: tuple[Marked, ...] = ()


@dataclass(frozen=True)
class Reading:
    """What a format reads from a document."""

    words: tuple[TimedWord, ...]
    marked: tuple[Marked, ...] = ()
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class WriteBack:
    """A redacted document and the names (never contents) of fields removed from it."""

    text: str
    removed: tuple[str, ...] = ()


class TranscriptFormat(Protocol):
    """One provider's transcript format."""

    #: Name used on the command line and in manifests (aws, deepgram, ...).
    name: str

    def missing(self, document: Any) -> tuple[str, ...]:
        """Nothing when the parsed JSON ``document`` has this format's shape, else what it
        lacks (for ``auto``: ("results.items",)). The simple format gets the text."""
        ...

    def read(self, text: str) -> Reading:
        """Words, provider-redacted spans and untimed segments; raises TranscriptError."""
        ...

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        """The document with the words at indices ``sensitive`` (as ``read`` numbers them)
        replaced by PLACEHOLDER and card data in its free text scrubbed."""
        ...


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: its format, what was read, and the source to write back redacted."""

    format: str
    words: tuple[TimedWord, ...]
    source: str = dataclasses.field(repr=False)
    marked: tuple[Marked, ...] = ()
    segments: tuple[Segment, ...] = ()

    def __repr__(self) -> str:  # never show text
        return f"Transcript({self.format}, {len(self.words)} words)"


#: Deepest nesting of a transcript document (providers nest a few levels; far deeper is hostile).
MAX_DEPTH = 64


def load_json(text: str, format_name: str) -> Any:
    try:
        document = json.loads(text, object_pairs_hook=unique_object_hook(_given_twice(format_name)))
    except json.JSONDecodeError as exc:
        raise InvalidJSON(format_name, exc.lineno, exc.colno) from None
    except RecursionError:
        raise TranscriptError(f"{format_name} transcript is nested too deeply") from None
    except ValueError:  # an integer past Python's 4,300-digit limit (its message quotes no digits, but says little)
        raise TranscriptError(f"{format_name} transcript holds a number too long to read") from None
    if _depth(document) > MAX_DEPTH:
        raise TranscriptError(f"{format_name} transcript is nested more than {MAX_DEPTH} levels deep")
    if holds_lone_surrogate(text, document):
        raise TranscriptError(f"{format_name} transcript holds an escaped half of a surrogate pair, which is no text")
    return document


def _given_twice(format_name: str) -> Callable[[str], TranscriptError]:
    def refuse(name: str) -> TranscriptError:
        return TranscriptError(f"{format_name} transcript: {field_shown(name)} {GIVEN_TWICE}")
    return refuse


def _depth(node: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return deepest


def dump_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def field(mapping: Any, key: str, where: str, format_name: str) -> Any:
    """``mapping[key]`` or a TranscriptError naming the missing field."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise TranscriptError(f"{format_name} transcript: {where} has no {key!r} field")
    return mapping[key]


def make_word(start: Any, end: Any, text: Any, confidence: Any, where: str, format_name: str, scale: float = 1.0) -> TimedWord:
    """A TimedWord from raw fields (times in units of ``scale`` seconds), with errors that name
    the word and never its text or its times past the cap (``checked_time``)."""
    if any(isinstance(value, bool) for value in (start, end, confidence)):  # float(True) is 1.0
        raise TranscriptError(f"{format_name} transcript: {where} has a time or confidence that is not a number")
    try:
        start_s, end_s = float(start) * scale, float(end) * scale
        conf = 1.0 if confidence is None else float(confidence)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer too long for a float
        raise TranscriptError(f"{format_name} transcript: {where} has a time or confidence that is not a number") from None
    if not isinstance(text, str):
        raise TranscriptError(f"{format_name} transcript: {where} has no word text")
    checked_time(start_s, where, format_name)
    checked_time(end_s, where, format_name)
    if not 0.0 <= start_s <= end_s:
        raise TranscriptError(
            f"{format_name} transcript: {where} has bad times ({start_s:.3f} s to {end_s:.3f} s)"
        )
    return TimedWord(start_s, end_s, text, conf)


#: Latest time, in seconds, a transcript may give (a week). Far past any call (the longest a
#: manifest may describe is CALLREC_MAX_CALL_S, 8 h by default), so a time past it is no time
#: of this recording; and every time kept stays finite through what follows (times the sample
#: rate, plus padding), where 1e308 s overflowed. Whether a time lies inside the audio is the
#: engine's check (redaction.engine.check_words, check_spans), which knows the audio's length.
MAX_TIME_S = 7 * 24 * 3600.0


def checked_time(value_s: float, where: str, format_name: str) -> float:
    """``value_s`` (seconds, any unit already applied) unless it is past MAX_TIME_S or not a
    finite number: then a TranscriptError naming ``where``, never the value (a number that
    long can be card digits). The one check every format's times pass (``make_word``,
    ``seconds``, Azure's ISO durations); negative times are each caller's to word."""
    if not value_s <= MAX_TIME_S:  # also NaN
        raise TranscriptError(f"{format_name} transcript: {where} has a time no recording has "
                              f"(not a finite number of seconds up to {MAX_TIME_S:.0f}, a week)")
    return value_s


def redact_text(text: str) -> str:
    """A word's text with its core replaced, its punctuation and leading space kept."""
    lead, core, trail = split_core(text)
    return f"{lead}{PLACEHOLDER}{trail}" if core else text


def split_core(text: str) -> tuple[str, str, str]:
    """A word's text as its leading punctuation (and space), its core and its trailing punctuation."""
    match = _CORE.match(text)
    assert match is not None
    lead, core, trail = match.groups()
    return lead, core, trail


class ListedWords:
    """The words ``read`` numbered, met again in the same order while writing back.

    Each list of word mappings passed to ``redact`` holds the next words read; the text of
    those whose number is sensitive is redacted in place, and what they said is kept
    (``said``, for finding the same digits in free text)."""

    def __init__(self, sensitive: frozenset[int]) -> None:
        self.sensitive = sensitive
        self.said: list[str] = []
        self._next = 0

    def redact(self, words: Sequence[Any], key: str | Callable[[Any], Any]) -> list[int]:
        """Redact ``word[key]`` (``key`` may instead give a word's key or index) of the
        sensitive ones among ``words``; return their positions in ``words``."""
        hits = []
        for position, word in enumerate(words, start=self._next):
            if position in self.sensitive:
                at = key(word) if callable(key) else key
                self.said.append(word[at])
                word[at] = redact_text(word[at])
                hits.append(position - self._next)
        self._next += len(words)
        return hits


def near_times(spans: list[tuple[float, float]],
               times: Callable[[dict[str, Any]], tuple[float, float] | None]) -> Callable[[dict[str, Any]], bool]:
    """Whether a mapping (a segment, a turn, an entity) lies at the time of a redacted word (one of
    ``spans``): its (start_s, end_s) as ``times`` reads them; None (a mapping holding words of its
    own, or no times), or a field missing or not a number, is not at one."""
    redacted = overlapping(spans)

    def near(node: dict[str, Any]) -> bool:
        if not spans:
            return False
        try:
            found = times(node)
        except (KeyError, TypeError, ValueError):
            return False
        return found is not None and redacted(*found)
    return near


def overlapping(spans: Iterable[tuple[float, float]]) -> Callable[[float, float], bool]:
    """Whether a word's time (start_s, end_s) overlaps one of ``spans`` (or is one of them, a
    zero-length one too), in log time a word: every copy of the words (utterances, other
    alternatives, a streaming session's turns, entities) is checked against the redacted words'
    spans, indexed once here (checking each against every span took words x spans)."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach: list[float] = []  # the latest end among the spans so far in start order
    for _, e in ordered:
        reach.append(max(reach[-1], e) if reach else e)
    exact = set(ordered)

    def near(start_s: float, end_s: float) -> bool:
        before = bisect_left(starts, end_s)  # the spans starting before the word ends
        return (before > 0 and reach[before - 1] > start_s) or (start_s, end_s) in exact
    return near


def lacks(document: Any, paths: Iterable[str]) -> tuple[str, ...]:
    """The ``paths`` missing from ``document`` (for ``auto``): dotted keys, ``[0]`` looks in
    a list's first element (an empty list has everything), ``[]`` asks for a list."""
    return tuple(path for path in paths if not _has(document, path))


def _has(node: Any, path: str) -> bool:
    for part in path.split("."):
        key, _, rest = part.partition("[")
        if key:
            if not isinstance(node, dict) or key not in node:
                return False
            node = node[key]
        if rest:
            if not isinstance(node, list):
                return False
            if rest == "0]":
                if not node:
                    return True
                node = node[0]
    return True


def _duration(value: dict[str, Any], where: str, format_name: str) -> float:
    """A protobuf Duration mapping: ``seconds`` (a whole number, or its string, as proto3 JSON
    writes int64) and ``nanos`` (0 to 999999999), either left out when zero; nothing else."""
    whole, nanos = value.get("seconds", 0), value.get("nanos", 0)
    if (set(value) - {"seconds", "nanos"}
            or not (type(whole) is int or isinstance(whole, str) and whole.isascii() and whole.isdigit())
            or not (type(nanos) is int and 0 <= nanos < 1_000_000_000)):  # type(): a bool is no number
        raise TranscriptError(f"{format_name} transcript: {where} is not a time (a duration of whole "
                              "seconds and 0 to 999999999 nanos)")
    if int(whole) < 0:
        raise TranscriptError(f"{format_name} transcript: {where} is not a time")
    return int(whole) + nanos / 1e9


def seconds(value: Any, where: str, format_name: str, *, unit_s: float = 1.0, per_s: float = 1.0) -> float:
    """A time in seconds from a number, a numeric string, a duration string ("1.500s") or a
    protobuf Duration mapping, counted in units of ``unit_s`` seconds or ``per_s`` to the
    second (each format keeps its own arithmetic: ``* 0.001`` and ``/ 1000`` differ in the last
    bit); checked once in seconds (``checked_time``)."""
    if isinstance(value, bool):
        raise TranscriptError(f"{format_name} transcript: {where} is not a time")
    if isinstance(value, str) and value.endswith("s"):
        value = value[:-1]
    try:
        out = _duration(value, where, format_name) if isinstance(value, dict) else float(value)
    except (TypeError, ValueError):
        raise TranscriptError(f"{format_name} transcript: {where} is not a time") from None
    except OverflowError:  # an integer too long for a float
        raise TranscriptError(f"{format_name} transcript: {where} is not a time") from None
    if not 0.0 <= out < math.inf:  # also NaN
        raise TranscriptError(f"{format_name} transcript: {where} is not a time")
    return checked_time(out * unit_s / per_s, where, format_name)
