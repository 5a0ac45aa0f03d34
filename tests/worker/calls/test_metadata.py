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


def test_a_re_redaction_keeps_what_was_masked_before(tmp_path):
    """Found by the session-47 audit: re-redacting a stored recording replaced the metadata's
    redaction block with the new pass's, so a card, expiry and code masked from the call's
    transcript vanished from the metadata and the review page ("2 masked span(s)"), though the
    audio keeps their masks (a re-redaction works on the masked audio). The earlier spans and
    masked intervals stay, joined with the new ones."""
    audio = tmp_path / "restored.flac"
    audio.write_bytes(b"fLaC")
    encoded = Encoded(audio, codec_named("flac"), 8000, 16000, 4)
    earlier = {"spans": [{"start_s": 9.7, "end_s": 17.4, "kind": "spoken", "entity": "card_number",
                          "detector": "transcript:assemblyai", "confidence": 0.9}],
               "masked": [[9.6, 17.5], [20.0, 21.0]], "masked_s": 8.9,
               "detectors": [{"name": "transcript:assemblyai", "version": "1.90"}, {"name": "dtmf", "version": "1.0"}],
               "detector_version": "dtmf/1.0", "redacted_at": "2026-12-01T10:00:00+00:00"}
    new_span = Detection(17.0, 22.1, "spoken", "security_code", "recognizer:whisper-tiny.en", 0.8, Source.RECOGNIZER)
    report = RedactionReport(duration_s=40.0, rate_hz=8000, mask="tone", spans=(new_span,), masked=((17.0, 22.2),),
                             detectors=(DetectorVersion("dtmf", "1.0", Source.DTMF),
                                        DetectorVersion("recognizer:whisper-tiny.en", "16", Source.RECOGNIZER)),
                             verification=Verification(True, 0, 0))
    after = with_redaction({"redaction": earlier}, RedactionResult(tmp_path / "r.wav", report), encoded,
                           datetime(2026, 12, 2, 12, 0, tzinfo=UTC))["redaction"]
    assert [(s["entity"], s["detector"]) for s in after["spans"]] == [
        ("card_number", "transcript:assemblyai"), ("security_code", "recognizer:whisper-tiny.en")]
    assert after["masked"] == [[9.6, 22.2]] and after["masked_s"] == 12.6
    assert [d["name"] for d in after["detectors"]] == ["dtmf", "recognizer:whisper-tiny.en", "transcript:assemblyai"]
    assert after["redacted_at"] == "2026-12-02T12:00:00+00:00" and after["verified"] is True
