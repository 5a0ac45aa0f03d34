"""The digest a call's job keeps of its manifest (worker.calls.manifest_digest)."""

import json

from tests.worker.queue_calls import write_call
from worker.calls.manifest import load_manifest, parse_manifest
from worker.calls.manifest_digest import manifest_digest


def test_the_same_call_written_otherwise_has_the_same_digest_and_other_legs_another(tmp_path):
    first = write_call(tmp_path / "a", "CA-DIGEST")
    data = json.loads(first.read_text())
    digest = manifest_digest(load_manifest(first))
    assert len(digest) == 64 and set(digest) <= set("abcdefghijklmnop")
    # keys in another order, from another directory naming the same leg (absolute, or through "..")
    again = tmp_path / "b" / "again.json"
    again.parent.mkdir()
    again.write_text(json.dumps({**dict(reversed(data.items())),
                                 "segments": [{"start": 0.0, "uri": "file:../a/CA-DIGEST.wav"}]}, indent=3))
    assert manifest_digest(load_manifest(again)) == digest
    absolute = {**data, "segments": [{"uri": str(tmp_path / "a" / "CA-DIGEST.wav"), "start": 0.0}]}
    assert manifest_digest(parse_manifest(absolute, tmp_path / "c")) == digest
    # the leg uploaded anew elsewhere, or anything else said otherwise: another digest
    assert manifest_digest(load_manifest(write_call(tmp_path / "d", "CA-DIGEST"))) != digest
    assert manifest_digest(parse_manifest({**data, "ticket_id": "T-2"}, tmp_path / "a")) != digest
    moved = {**data, "segments": [{"uri": "file:CA-DIGEST.wav", "start": 0.5}]}
    assert manifest_digest(parse_manifest(moved, tmp_path / "a")) != digest


def test_the_digest_is_of_the_canonical_resolved_json(tmp_path):
    import hashlib

    manifest = load_manifest(write_call(tmp_path, "CA-CANON"))
    document = manifest.to_dict()
    document["segments"][0]["uri"] = str(tmp_path / "CA-CANON.wav")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hexdigest = hashlib.sha256(canonical.encode()).hexdigest()
    assert manifest_digest(manifest) == "".join("abcdefghijklmnop"[int(c, 16)] for c in hexdigest)


def test_s3_locations_naming_one_object_have_one_digest_and_others_another(tmp_path):
    """Found by review (session 53): ``s3://b/a b.wav`` and ``s3://b/a%20b.wav`` name one object
    but digested otherwise, so the call sent again so written was answered 409."""
    data = json.loads(write_call(tmp_path, "CA-S3").read_text())

    def digest(uri):
        return manifest_digest(parse_manifest({**data, "segments": [{"uri": uri, "start": 0.0}]}, tmp_path))

    plain = digest("s3://b/legs/a b.wav")
    assert digest("s3://b/legs/a%20b.wav") == digest("s3://b/legs%2Fa%20b.wav") == plain
    assert digest("s3://b/legs/a%2520b.wav") != plain  # the object "legs/a%20b.wav"
    assert digest("s3://c/legs/a b.wav") != plain and digest("s3://b/legs/a_b.wav") != plain
