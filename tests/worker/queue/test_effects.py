"""What each job does (worker.queue.effects), called directly over the queue tests' backends."""

import json
import shutil

import pytest

from worker.calls.manifest import load_manifest
from worker.calls.manifest_digest import manifest_digest
from worker.errors import ManifestError
from worker.queue import effects
from worker.queue.jobs import ProcessCall
from tests.worker.conftest import queue_backends as backends
from tests.worker.queue_calls import write_call


def test_a_manifest_edited_after_its_job_was_made_fails_for_good_reading_nothing(tmp_path):
    manifest = write_call(tmp_path, "CA-EDITED")
    job = ProcessCall.for_call(str(manifest), "acme", "CA-EDITED", manifest_digest(load_manifest(manifest)))
    shutil.copy(tmp_path / "CA-EDITED.wav", tmp_path / "new-leg.wav")
    document = json.loads(manifest.read_text())
    document["segments"][0]["uri"] = "file:new-leg.wav"
    manifest.write_text(json.dumps(document))  # edited in place while its job was queued

    with pytest.raises(ManifestError) as raised:
        effects.process_call(job, backends())
    assert str(raised.value) == "manifest changed since it was enqueued"
    assert raised.value.permanent is True
    assert (tmp_path / "CA-EDITED.wav").exists() and (tmp_path / "new-leg.wav").exists()  # no leg read, none destroyed
    assert [e for e in backends().vault.region("us").entries() if e.call_id == "CA-EDITED"] == []


def test_a_manifest_as_its_job_was_made_is_processed(tmp_path):
    manifest = write_call(tmp_path, "CA-UNEDITED")
    job = ProcessCall.for_call(str(manifest), "acme", "CA-UNEDITED", manifest_digest(load_manifest(manifest)))
    result = effects.process_call(job, backends())
    assert result.references["stored"] == "yes"
    assert not (tmp_path / "CA-UNEDITED.wav").exists()
