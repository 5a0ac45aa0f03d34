"""The report: frozen, JSON-ready, never digits."""

from __future__ import annotations

import dataclasses

import pytest

from redaction.report import DetectorVersion, RedactionReport, Verification
from redaction.spans import Detection, Source


def test_to_dict_lists_spans_masks_detectors_and_verification() -> None:
    report = RedactionReport(
        duration_s=12.0,
        rate_hz=8000,
        mask="tone",
        spans=(Detection(1.0, 1.07, "keyed", "keyed_digit", "dtmf", 0.99, Source.DTMF),),
        masked=((0.85, 1.17),),
        detectors=(DetectorVersion("dtmf", "1.0", Source.DTMF),),
        verification=Verification(passed=True, dtmf_remaining=0, spans_unmasked=0),
    )
    assert report.verified and report.masked_s == pytest.approx(0.32)
    assert report.to_dict() == {
        "duration_s": 12.0, "rate_hz": 8000, "mask": "tone",
        "spans": [{"start_s": 1.0, "end_s": 1.07, "kind": "keyed", "entity": "keyed_digit",
                   "detector": "dtmf", "confidence": 0.99}],
        "masked": [[0.85, 1.17]], "masked_s": 0.32,
        "detectors": [{"name": "dtmf", "version": "1.0"}],
        "verified": True,
        "verification": {"passed": True, "dtmf_remaining": 0, "spans_unmasked": 0, "recognizer_remaining": None,
                         "rounds": 1, "spans_added": 0, "regions_masked_whole": 0},
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.mask = "silence"  # type: ignore[misc]


def test_unverified_when_verification_did_not_run() -> None:
    report = RedactionReport(1.0, 8000, "tone", (), (), (), None)
    assert not report.verified and report.to_dict()["verification"] is None
