"""A stored recording's metadata after a later redaction: exact fields, digest of the new audio."""

import hashlib
import io
from datetime import UTC, datetime

from audio.encode import Encoded, codec_named
from redaction.report import DetectorVersion, RedactionReport, Verification
from redaction.spans import KEYED, Detection, Source
from worker.calls.metadata import sha256_of, with_redaction
from worker.calls.redacting import RedactionResult


def test_with_redaction_replaces_redaction_codec_and_output_digest_and_keeps_the_rest(tmp_path):
    audio = tmp_path / "restored.flac"
    audio.write_bytes(b"fLaC and some frames")
    encoded = Encoded(audio, codec_named("flac"), 8000, 16000, audio.stat().st_size)
    report = RedactionReport(duration_s=2.0, rate_hz=8000, mask="tone",
                             spans=(Detection(1.0, 1.07, KEYED, "keyed_digit", "dtmf", 0.99, Source.DTMF),),
                             masked=((0.85, 1.17),), detectors=(DetectorVersion("dtmf", "1.0", Source.DTMF),),
                             verification=Verification(True, 0, 0))
    before = {"recording_id": "rec_1", "digests": {"inputs": [{"uri": "file:a.wav", "sha256": "ab"}],
                                                   "output": {"sha256": "old"}},
              "redaction": None, "codec": {"name": "wav"}}
    after = with_redaction(before, RedactionResult(tmp_path / "redacted.wav", report), encoded,
                           datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    assert after["recording_id"] == "rec_1" and before["digests"]["output"] == {"sha256": "old"}  # a copy
    assert after["digests"] == {"inputs": [{"uri": "file:a.wav", "sha256": "ab"}],
                                "output": {"sha256": hashlib.sha256(b"fLaC and some frames").hexdigest()}}
    assert after["codec"] == encoded.to_dict()
    assert after["redaction"]["redacted_at"] == "2026-12-01T18:00:00+00:00"
    assert after["redaction"]["detector_version"] == "dtmf/1.0"
    assert after["redaction"]["spans"] == [{"start_s": 1.0, "end_s": 1.07, "kind": "keyed", "entity": "keyed_digit",
                                            "detector": "dtmf", "confidence": 0.99}]


def test_sha256_of_reads_to_the_end_and_closes():
    src = io.BytesIO(b"x" * (3 << 20))
    assert sha256_of(src) == hashlib.sha256(b"x" * (3 << 20)).hexdigest() and src.closed


def test_with_redaction_keeps_an_older_recording_s_inputs_without_their_query(tmp_path):
    """Metadata stored before sources were named without their query string holds a presigned
    URL whole: written again by a re-redaction, it keeps scheme, host and path only."""
    audio = tmp_path / "restored.flac"
    audio.write_bytes(b"fLaC")
    encoded = Encoded(audio, codec_named("flac"), 8000, 16000, 4)
    report = RedactionReport(duration_s=2.0, rate_hz=8000, mask="tone", spans=(), masked=(),
                             detectors=(DetectorVersion("dtmf", "1.0", Source.DTMF),),
                             verification=Verification(True, 0, 0))
    presigned = ("https://calls.s3.us-east-1.amazonaws.com/acme/a.wav?X-Amz-Credential=ASIAQXYZEXAMPLEKEY7Q"
                 "&X-Amz-Security-Token=IQoJb3JpZ2luX2Vj&X-Amz-Signature=" + "9c" * 32)
    before = {"digests": {"inputs": [{"uri": presigned, "sha256": "ab"}, {"uri": "file:b.wav", "sha256": "cd"}]}}
    after = with_redaction(before, RedactionResult(tmp_path / "redacted.wav", report), encoded,
                           datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert after["digests"]["inputs"] == [{"uri": "https://calls.s3.us-east-1.amazonaws.com/acme/a.wav", "sha256": "ab"},
                                          {"uri": "file:b.wav", "sha256": "cd"}]
    assert before["digests"]["inputs"][0]["uri"] == presigned  # a copy
