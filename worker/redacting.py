"""Redaction inside the pipeline and on stored recordings, over the redaction engine.

Which accounts are redacted: ``redaction: on``, or ``auto`` on a plan that cannot pause
(team, growth). The engine runs on the assembled recording (recording clock) inside the
worker's temp dir; only a verified output is kept (``VerificationError`` otherwise, and
nothing is stored or destroyed, so nothing is lost).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from redaction import dtmf
from redaction.config import RedactionConfig
from redaction.engine import redact_file
from redaction.recognizer import Recognizer
from redaction.report import RedactionReport
from worker.errors import UsageError
from worker.manifest import Manifest
from worker.settings import Settings


@dataclass(frozen=True)
class RedactionResult:
    """A redacted recording in the temp dir, with its report (spans, never digits)."""

    audio_path: Path
    #: The provider transcript written back redacted, in its own format (None: no transcript).
    transcript_path: Path | None
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
                               pad_after_ms=settings.pad_after_ms)
    except ValueError as exc:
        raise UsageError(f"redaction settings (CALLREC_MASK, CALLREC_PAD_*): {exc}") from exc


def recognizer_from(settings: Settings) -> Recognizer | None:
    """The speech recognizer chosen by CALLREC_RECOGNIZER (None: keyed digits and transcripts only)."""
    if settings.recognizer == "none":
        return None
    if settings.recognizer == "builtin":
        return None  # the built-in recognizer is wired here once redaction.speech provides it
    raise UsageError(f"CALLREC_RECOGNIZER {settings.recognizer!r} is not one of builtin, none")


def current_detector_version(settings: Settings) -> str:
    """The detector version a redaction run with ``settings`` would record."""
    parts = [f"{dtmf.DtmfDetector.name}/{dtmf.DtmfDetector.version}"]
    recognizer = recognizer_from(settings)
    if recognizer is not None:
        parts.append(f"recognizer:{recognizer.name}/{recognizer.version}")
    return ",".join(parts)


def detector_version_of(report: RedactionReport) -> str:
    return ",".join(f"{d.name}/{d.version}" for d in report.detectors if d.name != "transcript")


def redact_wav(in_path: Path, out_path: Path, settings: Settings) -> RedactionResult:
    """Redact a recording file (keyed digits, and speech when a recognizer is configured)."""
    report = redact_file(in_path, out_path, recognizer=recognizer_from(settings), config=config_from(settings))
    return RedactionResult(out_path, None, report)
