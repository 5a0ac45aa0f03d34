"""The redaction report: where and what kind of card data was masked, never which digits."""

from __future__ import annotations

from dataclasses import dataclass

from redaction.hearing import Hearing
from redaction.line_noise import LineNoise
from redaction.spans import Detection, Source


@dataclass(frozen=True)
class DetectorVersion:
    """A detector that ran, so batch reprocessing can find recordings an improved one has not seen."""

    name: str
    version: str
    source: Source


@dataclass(frozen=True)
class Verification:
    """What the detectors found when run again on the output."""

    passed: bool
    #: Keyed digits the DTMF receiver still hears in the output.
    dtmf_remaining: int
    #: Detections (keyed or spoken) whose time is not inside a masked interval.
    spans_unmasked: int
    #: Card data the recognizer hears in the output outside masked intervals (None: no recognizer).
    recognizer_remaining: int | None = None
    #: Mask-and-verify rounds it took; spans verification found and had masked too; regions
    #: masked whole because masking what was heard did not converge (engine.MAX_ROUNDS).
    rounds: int = 1
    spans_added: int = 0
    regions_masked_whole: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "dtmf_remaining": self.dtmf_remaining,
            "spans_unmasked": self.spans_unmasked,
            "recognizer_remaining": self.recognizer_remaining,
            "rounds": self.rounds,
            "spans_added": self.spans_added,
            "regions_masked_whole": self.regions_masked_whole,
        }


@dataclass(frozen=True)
class RedactionReport:
    """Result of one redaction: spans found, intervals masked, detectors, verification."""

    duration_s: float
    rate_hz: int
    mask: str
    spans: tuple[Detection, ...]
    masked: tuple[tuple[float, float], ...]
    detectors: tuple[DetectorVersion, ...]
    verification: Verification | None
    #: A dual-channel recording heard apart: what was masked on each channel (``masked`` is
    #: their union); None when every channel was masked alike.
    masked_by_channel: tuple[tuple[tuple[float, float], ...], ...] | None = None
    #: How noisy pass 1's line was (``redaction.line_noise``), when a recognizer listened: on a
    #: noisy line long chains of number sounds are masked as cards (``redaction.sound_chains``).
    line: LineNoise | None = None
    #: How well the recognizer followed pass 1 (``redaction.hearing``): ``doubtful`` calls are worth a review.
    hearing: Hearing | None = None
    #: How far (s) a transcript off the audio's clock by one constant amount was moved onto it
    #: (``redaction.beside_transcript.moved_onto_clock``; 0: not moved).
    transcript_moved_s: float = 0.0
    #: In how many pieces a transcript off the clock by different amounts in different parts was
    #: aligned onto it, each moved by its own amount (``redaction.piecewise_clock``; 0: not aligned so),
    #: and the largest of those amounts (s, later: positive).
    transcript_pieces: int = 0
    transcript_shift_max_s: float = 0.0

    @property
    def verified(self) -> bool:
        """True when verification ran and nothing detectable remains."""
        return self.verification is not None and self.verification.passed

    @property
    def masked_s(self) -> float:
        return sum(end - start for start, end in self.masked)

    def to_dict(self) -> dict[str, object]:
        return {
            "duration_s": round(self.duration_s, 3),
            "rate_hz": self.rate_hz,
            "mask": self.mask,
            "spans": [span.to_dict() for span in self.spans],
            "masked": [[round(start, 3), round(end, 3)] for start, end in self.masked],
            "masked_s": round(self.masked_s, 3),
            **({} if self.masked_by_channel is None else {"masked_by_channel": [
                [[round(start, 3), round(end, 3)] for start, end in masked] for masked in self.masked_by_channel]}),
            **({} if self.line is None else {"line": self.line.to_dict()}),
            **({} if self.hearing is None else {"hearing": self.hearing.to_dict()}),
            **({"transcript_moved_s": round(self.transcript_moved_s, 3)} if self.transcript_moved_s else {}),
            **({"transcript_pieces": self.transcript_pieces,
                "transcript_shift_max_s": round(self.transcript_shift_max_s, 3)} if self.transcript_pieces else {}),
            "detectors": [{"name": d.name, "version": d.version} for d in self.detectors],
            "verified": self.verified,
            "verification": None if self.verification is None else self.verification.to_dict(),
        }
