"""Hostile manifests against other calls' files in the inbox (session 57).

The inbox (``CALLREC_INBOX``) holds every call's raw legs and transcripts until each call is
stored, and the worker destroys what a manifest names once its call is stored, must not be
recorded, or was deleted since. Until session 57 it could not tell whose a file in the inbox
was, so a manifest naming another call's files had them read into its own recording, or
destroyed unread (a deleted recording's call sent again, a call not to be recorded). Each test
is one way of naming another call's file: refused before any work (exit 2, naming the field),
the other call's files (and this call's) kept byte for byte, nothing stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.worker.stored_calls import write_call
from vault.regions import recording_id
from worker.boot import build_backends
from worker.calls import pipeline
from worker.calls.pipeline import process_call
from worker.cli import main
from worker.errors import ManifestError, SourceError
from worker.settings import Settings
from worker.vaults import build_vault

#: Why a file in the inbox that is not the call's is refused (its tail).
NOT_ITS_OWN = ("in the inbox (CALLREC_INBOX) but not this call's: a call's files there lie in a folder named "
               "its call_id or are named for it (<call_id>.wav, <call_id>-a.wav, <call_id>_...)")


def settings_for(tmp_path: Path) -> Settings:
    inbox = str(tmp_path / "inbox")
    return Settings(data_dir=tmp_path / "state", source_roots=inbox, inbox=inbox, recognizer="none")


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def name_in_segment(manifest: Path, index: int, uri: str) -> None:
    data = json.loads(manifest.read_text())
    data["segments"][index]["uri"] = uri
    manifest.write_text(json.dumps(data))


@pytest.fixture
def other(tmp_path) -> Path:
    """Call CA2's folder in the inbox, its legs waiting for its own manifest's job."""
    write_call(tmp_path / "inbox" / "CA2", "CA2")
    return tmp_path / "inbox" / "CA2"



def refusal(manifest, settings) -> str:
    """What process_call says refusing the call ``manifest`` names (SourceError: it must refuse)."""
    with pytest.raises(SourceError) as refused:
        process_call(manifest, build_backends(settings))
    return str(refused.value)

def test_a_deleted_recordings_call_sent_again_naming_another_calls_leg_is_refused(tmp_path, other, monkeypatch,
                                                                                 capsys):
    """The redelivery of a deleted recording destroys what its manifest names, unread (0beae53):
    another call's leg named there was destroyed, never stored anywhere."""
    settings = settings_for(tmp_path)
    first = process_call(write_call(tmp_path / "inbox" / "CA1", "CA1"), build_backends(settings))
    build_vault(settings, regions=("eu",)).region("eu").delete(first.recording_id, actor="operator", reason="asked")
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")  # the platform sends it again
    name_in_segment(manifest, 1, "file:../CA2/CA2-b.wav")
    before, theirs = files(manifest.parent), files(other)
    for name, value in {"CALLREC_DATA_DIR": settings.data_dir, "CALLREC_SOURCE_ROOTS": settings.source_roots,
                        "CALLREC_INBOX": settings.inbox, "CALLREC_RECOGNIZER": "none"}.items():
        monkeypatch.setenv(name, str(value))
    assert main(["process", str(manifest)]) == 2
    named = f"{manifest.parent}/../CA2/CA2-b.wav"
    assert capsys.readouterr().err == f"callrec process: segments[1].uri: {named}: {NOT_ITS_OWN}\n"
    assert (files(manifest.parent), files(other)) == (before, theirs)


def test_a_call_not_to_be_recorded_naming_another_calls_leg_is_refused(tmp_path, other):
    """A call not to be recorded destroys its segments unread: another call's named there went."""
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1", recording=False)
    name_in_segment(manifest, 0, "file:../CA2/CA2-a.wav")
    before, theirs = files(manifest.parent), files(other)
    assert refusal(manifest, settings_for(tmp_path)) == (
        f"segments[0].uri: {manifest.parent}/../CA2/CA2-a.wav: {NOT_ITS_OWN}")
    assert (files(manifest.parent), files(other)) == (before, theirs)


def test_a_call_naming_another_calls_leg_is_refused_before_it_is_read(tmp_path, other):
    """A first delivery read another call's leg into its own recording, stored it, and destroyed
    it: the other call then failed for want of its leg. Two manifests naming one file at once
    are this too: one of them is not the file's call."""
    settings = settings_for(tmp_path)
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    name_in_segment(manifest, 0, str(other / "CA2-a.wav"))  # an absolute path, as well
    before, theirs = files(manifest.parent), files(other)
    assert refusal(manifest, settings) == f"segments[0].uri: {other / 'CA2-a.wav'}: {NOT_ITS_OWN}"
    assert (files(manifest.parent), files(other)) == (before, theirs)
    assert build_vault(settings, regions=("eu",)).region("eu").find(recording_id("acme", "CA1", "eu")) is None


def test_a_call_naming_another_calls_leg_in_the_folder_they_share_is_refused(tmp_path):
    """Two calls' manifests and legs side by side in one folder of the inbox (an account's, a
    day's): the folder is not the call's, so it is no owner (until session 57's first mend,
    a manifest's folder was its call's, and a call not to be recorded destroyed the other's leg)."""
    shared = tmp_path / "inbox" / "acme"
    write_call(shared, "CA1")
    manifest = write_call(shared, "CA2", recording=False)
    name_in_segment(manifest, 0, "file:CA1-a.wav")
    before = files(shared)
    assert refusal(manifest, settings_for(tmp_path)) == f"segments[0].uri: {shared / 'CA1-a.wav'}: {NOT_ITS_OWN}"
    assert files(shared) == before


def test_a_symlink_named_for_the_call_to_another_calls_leg_is_refused(tmp_path, other):
    """The link is named for the call and lies in its folder; the file it leads to is another's
    (it was read into this recording; only the link was left alone by the destroying)."""
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    (manifest.parent / "CA1-a.wav").unlink()
    (manifest.parent / "CA1-a.wav").symlink_to(other / "CA2-a.wav")
    theirs = files(other)
    assert refusal(manifest, settings_for(tmp_path)) == (
        f"segments[0].uri: {manifest.parent / 'CA1-a.wav'}: {NOT_ITS_OWN}")
    assert files(other) == theirs and (manifest.parent / "CA1-a.wav").is_symlink()


def test_a_folder_of_the_call_that_is_a_symlink_to_another_calls_is_refused(tmp_path, other):
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1", recording=False)
    (manifest.parent / "legs").symlink_to(other)
    name_in_segment(manifest, 0, "file:legs/CA2-a.wav")
    theirs = files(other)
    assert refusal(manifest, settings_for(tmp_path)) == (
        f"segments[0].uri: {manifest.parent / 'legs' / 'CA2-a.wav'}: {NOT_ITS_OWN}")
    assert files(other) == theirs


def test_a_leg_swapped_for_a_link_to_another_calls_after_the_check_is_refused(tmp_path, other, monkeypatch):
    """The manifest's sources pass the check before any work; the leg is then replaced by a
    symlink to another call's leg (in the inbox, so inside the source roots) before it is read."""
    settings = settings_for(tmp_path)
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    checked = pipeline.check_sources

    def check_then_swap(*args):
        checked(*args)
        (manifest.parent / "CA1-a.wav").unlink()
        (manifest.parent / "CA1-a.wav").symlink_to(other / "CA2-a.wav")

    monkeypatch.setattr(pipeline, "check_sources", check_then_swap)
    theirs = files(other)
    with pytest.raises(ManifestError) as refused:
        process_call(manifest, build_backends(settings))
    assert str(refused.value) == f"segments[0].uri: {manifest.parent / 'CA1-a.wav'}: {NOT_ITS_OWN}"
    assert files(other) == theirs
    assert build_vault(settings, regions=("eu",)).region("eu").find(recording_id("acme", "CA1", "eu")) is None


@pytest.mark.parametrize("field", ["segments[1].uri", "transcript.uri"])
def test_the_manifest_named_as_its_own_source_is_refused(tmp_path, field):
    """A manifest is named for its call (CA1.json), so it passed as the call's file: read as a
    leg or a transcript, then destroyed with the sources, and the job's redelivery found no manifest."""
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1", transcript="1.0 2.0 hi\n")
    data = json.loads(manifest.read_text())
    if field == "transcript.uri":
        data["transcript"]["uri"] = "file:CA1.json"
    else:
        data["segments"][1]["uri"] = "file:./CA1.json"
    manifest.write_text(json.dumps(data))
    before = files(manifest.parent)
    assert refusal(manifest, settings_for(tmp_path)) == (
        f"{field}: {manifest}: the manifest itself, never one of its call's sources")
    assert files(manifest.parent) == before


def test_a_call_named_for_its_own_files_by_folder_or_name_is_taken(tmp_path):
    """What is the call's: its folder's files (below it too), or files named for it anywhere in
    the inbox (``<call_id>_...``: Amazon Connect's date folders); destroyed once stored."""
    settings = settings_for(tmp_path)
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    dated = tmp_path / "inbox" / "2026" / "12" / "07"
    dated.mkdir(parents=True)
    os.rename(manifest.parent / "CA1-b.wav", dated / "CA1_20261207T1000.wav")
    (manifest.parent / "legs").mkdir()
    os.rename(manifest.parent / "CA1-a.wav", manifest.parent / "legs" / "agent.wav")
    name_in_segment(manifest, 0, "file:legs/agent.wav")
    name_in_segment(manifest, 1, str(dated / "CA1_20261207T1000.wav"))
    outcome = process_call(manifest, build_backends(settings))
    assert (outcome.stored, outcome.sources_destroyed) == (True, 2)
    assert list(dated.iterdir()) == [] and list((manifest.parent / "legs").iterdir()) == []


def test_a_call_naming_another_calls_object_in_an_s3_inbox_is_refused(tmp_path, moto_url, monkeypatch):
    """The same in an S3 inbox: an object is the call's by its key below the root's prefix
    (``legs/CA1-a.wav`` is CA1's); a call not to be recorded naming it deleted every version."""
    from tests.hostile.test_inputs_limits import s3_call

    manifest, incoming = s3_call(tmp_path, moto_url, monkeypatch)
    data = json.loads(manifest.read_text())
    data["call_id"], data["number"]["recording"] = "CA2", False
    manifest.write_text(json.dumps(data))
    root = f"s3://{incoming.bucket}/legs/"
    settings = Settings(data_dir=tmp_path / "state", source_roots=root, inbox=root, aws_endpoint_url=moto_url)
    assert refusal(manifest, settings) == f"segments[0].uri: {root}CA1-a.wav: {NOT_ITS_OWN}"
    assert sorted(incoming.names("legs/")) == ["legs/CA1-a.wav", "legs/CA1-b.wav"]


#: Why a file in the inbox with other names (hard links) is refused (its tail).
LINKED = ("in the inbox (CALLREC_INBOX) with other names (hard links): whose it is cannot be told, and "
          "destroying one name leaves the others; never read or destroyed as a call's")


def hard_link_in_place(name: Path, target: Path) -> None:
    """``name`` made another name of ``target``'s file (a hard link)."""
    name.unlink()
    os.link(target, name)


def test_a_hard_link_in_the_calls_folder_to_another_calls_leg_is_refused(tmp_path, other):
    """Session 58: a hard link has no path to resolve, so a link to another call's leg placed in
    the call's own folder passed as the call's: read into its recording and stored; its own name
    unlinked, the other call's audio left under the other name. A file in the inbox with more
    than one name is refused (exit 2, naming the field), every file kept."""
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    hard_link_in_place(manifest.parent / "CA1-a.wav", other / "CA2-a.wav")
    before, theirs = files(manifest.parent), files(other)
    settings = settings_for(tmp_path)
    assert refusal(manifest, settings) == f"segments[0].uri: {manifest.parent / 'CA1-a.wav'}: {LINKED}"
    assert (files(manifest.parent), files(other)) == (before, theirs)
    assert os.stat(other / "CA2-a.wav").st_nlink == 2
    assert build_vault(settings, regions=("eu",)).region("eu").find(recording_id("acme", "CA1", "eu")) is None


def test_a_leg_swapped_for_a_hard_link_after_the_check_is_neither_read_nor_destroyed(tmp_path, other, monkeypatch):
    """The check passed; then the leg is made a hard link to another call's leg. A call to be
    recorded refuses it as it opens it; a call not to be recorded (its legs destroyed unread)
    keeps it and destroys only its own leg b."""
    settings = settings_for(tmp_path)
    checked = pipeline.check_sources
    for call_id, recording in (("CA1", True), ("CA3", False)):
        manifest = write_call(tmp_path / "inbox" / call_id, call_id, recording=recording)
        leg = manifest.parent / f"{call_id}-a.wav"

        def check_then_link(*args, leg=leg):
            checked(*args)
            hard_link_in_place(leg, other / "CA2-a.wav")

        monkeypatch.setattr(pipeline, "check_sources", check_then_link)
        theirs = files(other)
        if recording:
            with pytest.raises(ManifestError) as refused:
                process_call(manifest, build_backends(settings))
            assert str(refused.value) == f"segments[0].uri: {leg}: {LINKED}"
        else:
            assert process_call(manifest, build_backends(settings)).sources_destroyed == 1
            assert sorted(files(manifest.parent)) == [f"{call_id}-a.wav", f"{call_id}.json"]
        assert files(other) == theirs and os.path.samefile(leg, other / "CA2-a.wav")


@pytest.mark.parametrize("how", ["another call's leg", "a hard link"])
def test_enqueue_refuses_a_manifest_naming_no_leg_of_its_own_before_the_queue(tmp_path, other, redis_client,
                                                                               monkeypatch, capsys, how):
    """Session 58: `callrec enqueue` parsed a manifest but did not check its sources, so a job
    naming another call's leg was queued and refused only in a worker, its job failed there.
    Refused at enqueue as `process` refuses it (exit 2, naming the field), nothing queued."""
    settings = settings_for(tmp_path)
    manifest = write_call(tmp_path / "inbox" / "CA1", "CA1")
    if how == "a hard link":
        hard_link_in_place(manifest.parent / "CA1-b.wav", other / "CA2-b.wav")
        named, why = manifest.parent / "CA1-b.wav", LINKED
    else:
        name_in_segment(manifest, 1, "file:../CA2/CA2-b.wav")
        named, why = f"{manifest.parent}/../CA2/CA2-b.wav", NOT_ITS_OWN
    for name, value in {"CALLREC_DATA_DIR": settings.data_dir, "CALLREC_SOURCE_ROOTS": settings.source_roots,
                        "CALLREC_INBOX": settings.inbox}.items():
        monkeypatch.setenv(name, str(value))
    before, theirs = files(manifest.parent), files(other)
    assert main(["enqueue", str(manifest)]) == 2
    assert capsys.readouterr().err == f"callrec enqueue: segments[1].uri: {named}: {why}\n"
    assert not redis_client.keys("callrec:*")
    assert (files(manifest.parent), files(other)) == (before, theirs)


@pytest.mark.parametrize("call_id, other_id, leg", [
    ("CA1", "CA1-a", "CA1-a/CA1-a-a.wav"),  # the folder of a call whose id is this one's and more
    ("b8c1c3d4", "b8c1c3d4-1111-2222-3333-444455556666",  # the start of a Connect contact id
     "2026/12/07/b8c1c3d4-1111-2222-3333-444455556666_20261207T10:15_UTC.wav"),
])
def test_a_call_whose_id_is_the_start_of_anothers_is_refused_its_files(tmp_path, call_id, other_id, leg):
    """Session 58: a file was the call's when its name began with the call id and a separator, so
    call ``CA1`` owned call ``CA1-a``'s legs in that call's own folder, and a call id that is the
    first group of a contact id owned that contact's recording: read into its recording, destroyed
    when it was not to be recorded. A folder named for a longer id is that call's; a name beginning
    with a platform's id (a UUID, an Asterisk id, a Twilio SID) is that whole id's."""
    theirs = tmp_path / "inbox" / leg
    theirs.parent.mkdir(parents=True)
    write_call(tmp_path / "made", other_id)
    os.rename(tmp_path / "made" / f"{other_id}-a.wav", theirs)
    before = theirs.read_bytes()
    manifest = write_call(tmp_path / "inbox" / call_id, call_id, recording=False)
    name_in_segment(manifest, 0, str(theirs))
    assert refusal(manifest, settings_for(tmp_path)) == f"segments[0].uri: {theirs}: {NOT_ITS_OWN}"
    assert theirs.read_bytes() == before
