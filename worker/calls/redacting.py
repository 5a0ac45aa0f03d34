"""Redaction inside the pipeline and on stored recordings, over the redaction engine.

Which accounts are redacted: ``redaction: on``, or ``auto`` on a plan that cannot pause
(team, growth). The engine runs on the assembled recording (recording clock) inside the
worker's temp dir. Spoken card data comes from the provider transcript when the manifest
has one (call-clock words mapped through the assembly's time map), else from the speech
recognizer passed in (built once at start, ``worker.boot``); keyed digits always from the DTMF receiver. A transcript that
cannot be read does not fail the job: the recognizer is used instead and the metadata says
so (``TranscriptUse``). Verification listens with the recognizer in both cases
(``verify_listen``), masks what it still hears and converges (whole regions masked when it
must: see ``redaction.engine``), so a card call ends with a stored recording; only if even
that fails is nothing stored or destroyed (``VerificationError``). A provider transcript is
always written back redacted before it is stored: it is
a copy of the card data too.
"""

from __future__ import annotations

import codecs

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from callrec.errors import quoted
from redaction import dtmf, transcripts
from redaction.config import RedactionConfig
from redaction.engine import RECOGNIZER_PREFIX, recognizer_version, redact_file
from redaction.errors import RedactionInputError, TranscriptError
from redaction.recognizer import Recognizer
from redaction.report import RedactionReport
from redaction.spans import Detection, Source
from redaction.transcripts import Transcript
from redaction.transcripts.clock import ToRecording
from worker.calls.assemble import AssemblyOutcome
from worker.calls.confined import read_local
from worker.errors import SourceError, UsageError, scrub_digits
from worker.calls.manifest import Manifest
from worker.settings import Settings


@dataclass(frozen=True)
class RedactionResult:
    """A redacted recording in the temp dir, with its report (spans, never digits)."""

    audio_path: Path
    report: RedactionReport

    @property
    def verified(self) -> bool:
        return self.report.verified

    @property
    def detector_version(self) -> str:
        return detector_version_of(self.report)

    def spans_by_entity(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(Counter(span.entity for span in self.report.spans).items()))


def needs_redaction(manifest: Manifest) -> bool:
    """``on``; or ``auto`` on a plan that cannot pause (team, growth)."""
    mode = manifest.account.redaction
    return mode == "on" or (mode == "auto" and not manifest.account.can_pause)


def config_from(settings: Settings) -> RedactionConfig:
    try:
        return RedactionConfig(mask=settings.mask, pad_before_ms=settings.pad_before_ms,
                               pad_after_ms=settings.pad_after_ms, speech_pad_ms=settings.speech_pad_ms,
                               mask_channels=settings.mask_channels)
    except ValueError as exc:
        raise UsageError(f"redaction settings (CALLREC_MASK, CALLREC_PAD_*, CALLREC_MASK_CHANNELS): {exc}") from exc


def current_detector_version(recognizer: Recognizer | None) -> str:
    """The detector version a redaction of a stored recording with ``recognizer`` records."""
    parts = [f"{dtmf.DtmfDetector.name}/{dtmf.DtmfDetector.version}"]
    if recognizer is not None:
        parts.append(f"{RECOGNIZER_PREFIX}{recognizer.name}/{recognizer_version(recognizer)}")
    return ",".join(parts)


#: Detectors that listen to the audio (a transcript is per call, not a detector version).
AUDIO_DETECTORS = frozenset({Source.DTMF, Source.RECOGNIZER})


def detector_version_of(report: RedactionReport) -> str:
    """Audio detectors that ran (transcripts are per call, not a detector version)."""
    return ",".join(f"{d.name}/{d.version}" for d in report.detectors if d.source in AUDIO_DETECTORS)


def load_transcript(path: Path, format_name: str, max_bytes: int, why: str = "") -> Transcript:
    """Parse a provider transcript file (``auto``: recognise its format): a regular file, read
    without blocking, at most ``max_bytes`` (the caller's ``InputLimits.transcript_bytes``, and
    ``why``); a RedactionInputError (bad input) names the file and what is wrong."""
    try:
        data = read_local(path, max_bytes, why)
    except SourceError as exc:
        if str(exc).endswith("no such file"):
            raise RedactionInputError(f"transcript {quoted(path.name)} does not exist") from None
        raise RedactionInputError(f"transcript {exc}") from None
    except OSError as exc:
        raise RedactionInputError(f"cannot read transcript {quoted(path.name)}: {type(exc).__name__}") from exc
    return parse_transcript(data, format_name, path.name)


#: Byte order marks a transcript saved by a Windows tool starts with, and their encodings.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def parse_transcript(data: bytes, format_name: str, name: str) -> Transcript:
    """Parse a provider transcript's bytes (UTF-8, or UTF-8 or UTF-16 after a byte order mark);
    the error names ``name`` and the problem."""
    encoding = "utf-8"
    for bom, encoding_after in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], encoding_after
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise RedactionInputError(f"cannot read transcript {quoted(name)}: not {encoding.upper()} text "
                                  f"(UnicodeDecodeError at byte {exc.start})") from None
    try:
        return transcripts.load(text, format_name)
    except TranscriptError as exc:
        raise TranscriptError(f"transcript {name}: {exc}") from None


@dataclass(frozen=True)
class TranscriptUse:
    """What became of a call's provider transcript (for the report and metadata; no text).

    ``format`` is the format read (None when it could not be read); ``fallback`` names what
    found spoken card data instead and ``problem`` why; ``removed`` names the fields the
    redacted copy lacks.
    """

    format: str | None
    fallback: str | None = None
    problem: str | None = None
    removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"format": self.format, "fallback": self.fallback, "problem": self.problem,
                "removed_fields": list(self.removed)}


def load_or_fall_back(read: Callable[[], bytes], name: str, format_name: str, recognizer: Recognizer | None,
                      out_path: Path) -> tuple[Transcript | None, TranscriptUse]:
    """A post-call job's transcript: ``read()`` and parse it and write its redacted copy to
    ``out_path``, or (it cannot be read: missing, not a regular file, over the size limit,
    malformed; or a copy of its words inside cannot be redacted) fall back to ``recognizer``
    and say so; the job goes on either way and nothing of the unreadable
    transcript is kept."""
    try:
        transcript = parse_transcript(read(), format_name, name)
        written = transcripts.write_back(transcript)
    except (RedactionInputError, SourceError) as exc:
        fallback = f"recognizer:{recognizer.name}" if recognizer is not None else "dtmf only"
        # an error text kept in the metadata and the job's outcome, naming the file: its runs of
        # card-number length hidden as in the API's error bodies (byte counts stay readable)
        return None, TranscriptUse(None, fallback, scrub_digits(str(exc), card_numbers_only=True))
    out_path.write_text(written.text, encoding="utf-8")
    return transcript, TranscriptUse(transcript.format, removed=written.removed)


def transcript_spans(transcript: Transcript, to_recording_s: ToRecording | None = None) -> tuple[Detection, ...]:
    """The transcript's provider-redacted spans and untimed segments to mask (on the
    recording's clock when ``to_recording_s`` maps call time)."""
    spans = transcripts.detections(transcript)
    if to_recording_s is not None:
        spans = transcripts.detections_to_recording_clock(spans, to_recording_s)
    return spans


def redact_assembled(assembly: AssemblyOutcome, manifest: Manifest, transcript: Transcript | None,
                     out_path: Path, recognizer: Recognizer | None, config: RedactionConfig,
                     verify_listen: bool = True) -> RedactionResult:
    """Redact the assembled recording into ``out_path`` (the worker's temp dir): spoken card
    data from ``transcript`` when there is one and from what ``recognizer`` hears, both (with a
    transcript, unless ``verify_listen`` is off), and the recognizer listens in verification.
    With a transcript it listens from pass 1 on, not in verification only: a transcript on the
    wrong clock masked beside the card, and verification, hearing the card's first digits
    masked, took the last digits, the expiry and the code it heard for no card data at all
    (session-47 audit: a CVV left audible and "verified")."""
    words = None
    listener = recognizer
    spans: tuple[Detection, ...] = ()
    if transcript is not None:
        words = transcript.words
        to_recording = assembly.time_map.to_recording_s if manifest.transcript.clock == "call" else None
        if to_recording is not None:
            words = transcripts.to_recording_clock(words, to_recording)
        spans = transcript_spans(transcript, to_recording)
        recognizer = listener = listener if verify_listen else None  # the transcript's words and the recognizer's
    report = redact_file(
        assembly.recording.path, out_path, words=words,
        words_detector=f"transcript:{transcript.format}" if transcript is not None else "transcript",
        recognizer=recognizer, verify_recognizer=listener, config=config, spans=spans)
    return RedactionResult(out_path, report)


def redact_wav(in_path: Path, out_path: Path, recognizer: Recognizer | None,
               config: RedactionConfig) -> RedactionResult:
    """Redact a stored recording's audio (keyed digits, and speech when there is a recognizer)."""
    report = redact_file(in_path, out_path, recognizer=recognizer, config=config)
    return RedactionResult(out_path, report)
