"""Transcripts from transcription providers: one module per format.

``load(text, format_name)`` parses (``auto`` recognises the format from its shape);
``detections(transcript)`` are what a transcript says beyond its timed words (spans the
provider redacted itself, segments without word times that hold card data);
``write_back(transcript)`` is the document in its own format with every card number,
expiry date and security code replaced (a transcript is a copy of the card data too).
"""

from __future__ import annotations

from redaction.cards import find_entities
from redaction.errors import TranscriptError
from redaction.spans import SPOKEN, Detection, Source
from redaction.transcripts import (
    assemblyai,
    assemblyai_sentences,
    assemblyai_streaming,
    aws,
    aws_streaming,
    azure,
    call_analytics,
    contact_lens,
    deepgram,
    deepgram_flux,
    elevenlabs,
    google,
    revai,
    simple,
    speechmatics,
    srt,
    twilio,
    vosk,
    watson,
    webvtt,
    whisper,
    whisper_cpp,
)
from redaction.transcripts.base import PLACEHOLDER, InvalidJSON, Marked, Segment, Transcript, TranscriptFormat, WriteBack, load_json
from redaction.transcripts.clock import detections_to_recording_clock, to_recording_clock
from redaction.transcripts.freetext import entities_in
from redaction.transcripts.markers import markers_in
from redaction.transcripts.messages import load_messages

#: Every supported format by name, in the order ``auto`` tries them.
FORMATS: dict[str, TranscriptFormat] = {
    module.NAME: module.FORMAT
    for module in (aws, aws_streaming, contact_lens, call_analytics, deepgram, deepgram_flux, elevenlabs, assemblyai,
                   assemblyai_sentences, assemblyai_streaming, whisper, whisper_cpp, speechmatics, watson, google, azure, revai, twilio, vosk,
                   webvtt, srt, simple)
}
#: Formats of plain text, recognised from the text itself (not from parsed JSON).
TEXT_FORMATS = (webvtt.NAME, srt.NAME, simple.NAME)
#: Format names accepted on the command line and in manifests.
AUTO = "auto"
CHOICES = (AUTO, *sorted(FORMATS))
#: Padding around a segment masked whole (its edges are the provider's estimate).
SEGMENT_PAD_S = 0.25
#: Confidence of a provider's own redaction (it heard the words; we trust it).
MARKED_CONFIDENCE = 1.0


def get_format(name: str) -> TranscriptFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise TranscriptError(f"unknown transcript format {name!r}; known: {', '.join(CHOICES)}") from None


def recognise(text: str) -> str:
    """The name of the format ``text`` has the shape of; TranscriptError naming the closest
    format and what it lacks when none fits."""
    try:
        document = load_json(text, "the")
    except InvalidJSON as exc:
        for subtitle in (webvtt, srt):
            if not subtitle.FORMAT.missing(text):
                return subtitle.NAME
        if not vosk.FORMAT.missing(text):  # results printed one after another
            return vosk.NAME
        try:  # messages, one a line: read once for the streaming formats
            messages = load_messages(text, "the")[0]
        except TranscriptError:
            messages = None
        for streaming in (assemblyai_streaming, deepgram_flux, revai):
            if messages is not None and not streaming.FORMAT.missing(messages):
                return streaming.NAME
        missing = simple.FORMAT.missing(text)
        if not missing:
            return simple.NAME
        raise TranscriptError(f"transcript is not JSON (line {exc.line}, column {exc.column}) and not the simple format ({missing[0]})") from None
    lacking = {name: fmt.missing(document) for name, fmt in FORMATS.items() if name not in TEXT_FORMATS}
    for name, missing in lacking.items():
        if not missing:
            return name
    if (error := assemblyai.unfinished(document)) is not None:  # no words yet: closest to nothing
        raise error
    closest = min(lacking, key=lambda name: len(lacking[name]))
    raise TranscriptError(
        f"transcript format not recognised; closest is {closest} (missing {', '.join(lacking[closest])})"
    )


def load(text: str, format_name: str) -> Transcript:
    """Parse ``text`` as ``format_name`` (or ``auto``); raises TranscriptError naming what is wrong."""
    fmt = get_format(recognise(text) if format_name == AUTO else format_name)
    reading = fmt.read(text)
    return Transcript(fmt.name, reading.words, text, reading.marked, reading.segments)


def sensitive_words(transcript: Transcript) -> frozenset[int]:
    """Indices of the words that say card data (the ones redaction masks)."""
    return frozenset(i for entity in find_entities(transcript.words, whole_numerals=True) for i in entity.words)


def detections(transcript: Transcript) -> tuple[Detection, ...]:
    """Spans to mask that timed words do not give: what the provider redacted (detector
    ``transcript:<format>-redaction``) and each segment without word times whose text holds
    card data or a provider marker without a time, whole and padded."""
    redaction = f"transcript:{transcript.format}-redaction"
    found = [Detection(m.start_s, m.end_s, SPOKEN, m.entity, redaction, MARKED_CONFIDENCE, Source.PROVIDER_REDACTION)
             for m in transcript.marked]
    segments = transcript.segments
    for segment in segments:
        found += [Detection(m.start_s, m.end_s, SPOKEN, m.entity, redaction, MARKED_CONFIDENCE,
                            Source.PROVIDER_REDACTION) for m in segment.marked]
        entities = markers_in(segment.text)
        if len(entities) > len(segment.marked):  # a marker without a time: the whole segment
            found.append(_whole(segment, entities[0], redaction, MARKED_CONFIDENCE, Source.PROVIDER_REDACTION))
    for entity, holders in entities_in([(s.text, s.start_s, s.end_s) for s in segments]):
        for k in sorted(holders):
            found.append(_whole(segments[k], entity.entity, f"transcript:{transcript.format}", entity.confidence,
                                Source.TRANSCRIPT))
    return tuple(sorted(found, key=lambda d: (d.start_s, d.end_s)))


def _whole(segment: Segment, entity: str, detector: str, confidence: float, source: Source) -> Detection:
    return Detection(max(0.0, segment.start_s - SEGMENT_PAD_S), segment.end_s + SEGMENT_PAD_S, SPOKEN, entity,
                     detector, confidence, source)


def write_back(transcript: Transcript) -> WriteBack:
    """The transcript in its own format with every sensitive word replaced by PLACEHOLDER
    and card data in its free text redacted; ``removed`` names fields that could not be.

    Copies of the words that ``read`` does not use (utterances, other alternatives, word
    segments) are only checked here: a malformed copy is a TranscriptError naming no value
    (``float('card 4532 ...')`` would echo the transcript's text).
    """
    fmt = get_format(transcript.format)
    try:
        return fmt.redact(transcript.source, sensitive_words(transcript))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError):
        raise TranscriptError(
            f"{fmt.name} transcript: a copy of the words (utterances, alternatives, segments) "
            "has a missing field, a time that is not a number or a word that is not text"
        ) from None


def redacted(transcript: Transcript) -> str:
    """The redacted document's text (see ``write_back``)."""
    return write_back(transcript).text


__all__ = [
    "AUTO",
    "CHOICES",
    "FORMATS",
    "PLACEHOLDER",
    "Marked",
    "Segment",
    "Transcript",
    "TranscriptFormat",
    "WriteBack",
    "detections",
    "detections_to_recording_clock",
    "get_format",
    "load",
    "recognise",
    "redacted",
    "sensitive_words",
    "to_recording_clock",
    "write_back",
]
