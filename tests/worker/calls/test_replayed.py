"""A call found stored, delivered again (worker.calls.replayed): which of its sources are destroyed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.worker.stored_calls import write_call
from worker.boot import build_backends
from worker.calls import replayed
from worker.calls.pipeline import process_call
from worker.settings import Settings


@pytest.mark.parametrize("how", ["no inbox", "keep sources", "inbox elsewhere"])
def test_a_redelivery_digests_no_source_when_none_would_be_destroyed(tmp_path, monkeypatch, how):
    """Session-55 review: a redelivery of a stored call read its metadata and digested every leg
    (an S3 or https one downloaded first) to decide whether to destroy them, also when nothing
    would be destroyed (no inbox, CALLREC_KEEP_SOURCES, sources outside the inbox). Only what
    would be destroyed is digested."""
    settings = Settings(data_dir=tmp_path / "state", recognizer="none")
    settings = {"no inbox": settings, "keep sources": replace(settings, inbox=str(tmp_path), keep_sources=True),
                "inbox elsewhere": replace(settings, inbox=str(tmp_path / "inbox"))}[how]
    (tmp_path / "inbox").mkdir()
    manifest = write_call(tmp_path / "call", "CA1")
    assert process_call(manifest, build_backends(settings)).sources_destroyed == 0
    digested = []
    monkeypatch.setattr(replayed, "sha256_of", lambda handle: digested.append(handle) or "0" * 64)
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.already_stored and outcome.sources_destroyed == 0 and digested == []
    assert sorted(path.name for path in (tmp_path / "call").iterdir()) == ["CA1-a.wav", "CA1-b.wav", "CA1.json"]


def test_a_redelivery_digests_the_sources_it_destroys(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path), keep_sources=True)
    manifest = write_call(tmp_path / "call", "CA1")
    process_call(manifest, build_backends(settings))
    digested = []
    real = replayed.sha256_of
    monkeypatch.setattr(replayed, "sha256_of", lambda handle: digested.append(handle) or real(handle))
    assert process_call(manifest, build_backends(replace(settings, keep_sources=False))).sources_destroyed == 2
    assert len(digested) == 2 and not (tmp_path / "call" / "CA1-a.wav").exists()
