"""Hostile manifests against files outside the call (issue 10, defect 2).

A manifest names its sources; the worker reads them, and once the recording is stored it
destroys them. Each test is one class of hostile path: the file outside the call must be
neither read nor destroyed (same bytes after), and the refusal names the field.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from worker.cli import main
from worker.calls.confined import open_confined, Roots
from worker.errors import ManifestError, SourceError
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.boot import build_backends

from tests.worker.stored_calls import write_call

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A precious file outside the call's directory."""
    path = tmp_path / "elsewhere" / "precious.wav"
    path.parent.mkdir()
    shutil.copy(next(SAMPLES.glob("01-*/legs/agent.wav")), path)
    return path


def settings_for(tmp_path: Path, **changes) -> Settings:
    return Settings(data_dir=tmp_path / "state", inbox=str(tmp_path / "call"), **changes)


def point_segment(manifest: Path, uri: str) -> None:
    data = json.loads(manifest.read_text())
    data["segments"][0]["uri"] = uri
    manifest.write_text(json.dumps(data))


def test_a_relative_uri_climbing_out_of_the_call_is_refused(tmp_path, outside):
    manifest = write_call(tmp_path / "call", recording=False)  # not recorded: straight to destroy
    before = outside.read_bytes()
    point_segment(manifest, "file:../elsewhere/precious.wav")
    with pytest.raises(ManifestError, match=r"segments\[0\]\.uri: .*precious\.wav: outside the directories"):
        process_call(manifest, build_backends(settings_for(tmp_path)))
    assert outside.read_bytes() == before


def test_an_absolute_path_outside_the_roots_is_refused(tmp_path, outside):
    manifest = write_call(tmp_path / "call")
    before = outside.read_bytes()
    point_segment(manifest, str(outside))
    with pytest.raises(ManifestError, match=r"segments\[0\]\.uri: .*outside the directories"):
        process_call(manifest, build_backends(settings_for(tmp_path)))
    assert outside.read_bytes() == before


def test_a_symlink_out_of_the_roots_is_not_followed(tmp_path, outside):
    manifest = write_call(tmp_path / "call")
    before = outside.read_bytes()
    (tmp_path / "call" / "CA1-a.wav").unlink()
    (tmp_path / "call" / "CA1-a.wav").symlink_to(outside)
    with pytest.raises(ManifestError, match=r"segments\[0\]\.uri: .*CA1-a\.wav: outside the directories"):
        process_call(manifest, build_backends(settings_for(tmp_path)))
    assert outside.read_bytes() == before


def test_a_symlink_target_is_never_destroyed(tmp_path, outside):
    """Reading through the link is allowed (its target is in a source root), but destroying
    works on the name in the inbox only: the target keeps its bytes."""
    manifest = write_call(tmp_path / "call")
    shutil.copy(tmp_path / "call" / "CA1-a.wav", outside)
    before = outside.read_bytes()
    (tmp_path / "call" / "CA1-a.wav").unlink()
    (tmp_path / "call" / "CA1-a.wav").symlink_to(outside)
    roots = f"{tmp_path / 'call'},{outside.parent}"
    outcome = process_call(manifest, build_backends(settings_for(tmp_path, source_roots=roots)))
    assert outcome.stored and outcome.sources_destroyed == 1  # leg b only
    assert outside.read_bytes() == before
    assert not (tmp_path / "call" / "CA1-b.wav").exists()


def test_an_empty_file_of_the_service_given_as_transcript_survives(tmp_path):
    """The keyring's lock file (empty) as a transcript: refused as the service's state, outside
    the roots or inside them (roots and inbox around the data dir), and never destroyed."""
    settings = settings_for(tmp_path)
    first = process_call(write_call(tmp_path / "call", "CA0"), build_backends(settings))  # makes the keyring
    assert first.stored
    lock = next((tmp_path / "state" / "keys").glob(".*.lock"))
    manifest = write_call(tmp_path / "call", "CA1")
    data = json.loads(manifest.read_text())
    data["transcript"] = {"uri": str(lock), "format": "simple", "clock": "call"}
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"^transcript\.uri: .*\.lock: inside the service's own state"):
        process_call(manifest, build_backends(settings))
    everywhere = Settings(data_dir=tmp_path / "state", inbox=str(tmp_path), source_roots=str(tmp_path))
    with pytest.raises(ManifestError, match=r"^transcript\.uri: .*\.lock: inside the service's own state"):
        process_call(manifest, build_backends(everywhere))
    assert lock.exists() and lock.stat().st_size == 0


def test_a_file_of_the_service_state_named_as_a_source_is_refused(tmp_path, monkeypatch):
    """Found by the session-55 red team: with the default roots (the manifest's directory) and
    the default data dir (``.callrec`` where the command runs: a call's directory), or roots
    reaching over the data dir or the key store, the keyring and the wrapped data keys were read
    as a call's transcript or segment (the keyring's digest kept in the metadata; a transcript
    format taking it would have stored the KEKs with the recording for every agent to export).
    The service's own state is never a call's input: refused naming the field and the file."""
    keystore = tmp_path / "keystore"
    settings = Settings(data_dir=tmp_path / "call" / ".callrec", key_store_dir=str(keystore),
                        source_roots=f"{tmp_path / 'call'},{tmp_path}", recognizer="none")
    assert process_call(write_call(tmp_path / "call", "CA0"), build_backends(settings)).stored  # makes the keys
    keyring = tmp_path / "call" / ".callrec" / "keys" / "eu.json"
    wrapped = next(path for path in (keystore / "eu" / "keys").rglob("*.json"))
    manifest = write_call(tmp_path / "call", "CA1")
    data = json.loads(manifest.read_text())
    data["transcript"] = {"uri": "file:.callrec/keys/eu.json", "format": "simple", "clock": "call"}
    manifest.write_text(json.dumps(data))
    default_roots = replace(settings, source_roots="")
    for chosen in (default_roots, settings):
        with pytest.raises(ManifestError, match=r"^transcript\.uri: .*eu\.json: inside the service's own state "
                                                r"\(CALLREC_DATA_DIR\)"):
            process_call(manifest, build_backends(chosen))
    point_segment(manifest, str(wrapped))
    with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: .*\.json: inside the service's own state "
                                            r"\(CALLREC_KEY_STORE_DIR\)"):
        process_call(manifest, build_backends(settings))
    monkeypatch.setenv("CALLREC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CALLREC_KEY_STORE_DIR", str(keystore))
    monkeypatch.setenv("CALLREC_SOURCE_ROOTS", settings.source_roots)
    assert main(["assemble", str(manifest), "-o", str(tmp_path / "out.wav")]) == 2  # the CLI's own resolver too
    assert not (tmp_path / "out.wav").exists()
    assert keyring.exists() and wrapped.exists()


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "root"])
def test_a_source_that_is_not_a_regular_file_is_refused_at_once(tmp_path, kind):
    """``root``: a source root itself (the call's directory: ``file:.``) was refused as
    outside the directories sources may be read from, which it is not (session 51)."""
    manifest = write_call(tmp_path / "call")
    target = {"fifo": tmp_path / "call" / "CA1-pipe.wav", "directory": tmp_path / "call" / "CA1-dir.wav",
              "device": Path("/dev/zero"), "root": tmp_path / "call"}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    point_segment(manifest, str(target))
    rescued = []

    def rescue() -> None:
        """A FIFO without a writer used to block for ever: after 30 s (the refusal takes well
        under 1 s), a writer comes and goes, so a reader stuck on it fails the test, not hangs."""
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO unless a reader holds it
            rescued.append(True)
        except OSError:
            pass

    watchdog = threading.Timer(30.0, rescue)
    if kind == "fifo":
        watchdog.start()
    described = {"fifo": "a FIFO", "device": "a character device"}.get(kind, "a directory")
    try:
        with pytest.raises(ManifestError, match=rf"segments\[0\]\.uri: .*: not a regular file \({described}\)"):
            process_call(manifest, build_backends(settings_for(tmp_path, source_roots=f"{tmp_path / 'call'},/dev")))
    finally:
        watchdog.cancel()
    assert rescued == []
    assert target.exists()


def test_a_fifo_as_transcript_or_manifest_does_not_block(tmp_path):
    """A FIFO transcript is unreadable (the job falls back to the recognizer and says why); a
    FIFO manifest is bad input. Neither is waited on."""
    manifest = write_call(tmp_path / "call")
    pipe = tmp_path / "call" / "CA1-words.fifo"  # named for its call: the call dir is the inbox
    os.mkfifo(pipe)
    data = json.loads(manifest.read_text())
    data["transcript"] = {"uri": "file:CA1-words.fifo", "format": "simple", "clock": "call"}
    manifest.write_text(json.dumps(data))
    outcome = process_call(manifest, build_backends(settings_for(tmp_path)))
    assert outcome.stored and outcome.transcript_problem.endswith("words.fifo: not a regular file (a FIFO)")
    with pytest.raises(ManifestError, match=r"words\.fifo: not a regular file \(a FIFO\)"):
        process_call(pipe, build_backends(settings_for(tmp_path)))


def test_a_parent_swapped_for_a_symlink_between_check_and_open_is_caught(tmp_path, outside, monkeypatch):
    """The check is repeated on the opened descriptor: a directory replaced by a symlink out of
    the roots just before the open yields a refusal, not the outside file."""
    inside = tmp_path / "call" / "legs"
    inside.mkdir(parents=True)
    shutil.copy(outside, inside / "precious.wav")
    real_open = os.open

    def swapping_open(path, flags, *args, **kwargs):
        if str(path).endswith("legs/precious.wav"):
            (tmp_path / "call" / "legs").rename(tmp_path / "call" / "legs-old")
            (tmp_path / "call" / "legs").symlink_to(outside.parent)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swapping_open)
    with pytest.raises(SourceError, match="changed while it was being opened"):
        open_confined(inside / "precious.wav", Roots((tmp_path / "call",)))


def test_nothing_is_destroyed_without_an_inbox(tmp_path):
    manifest = write_call(tmp_path / "call", recording=False)
    outcome = process_call(manifest, build_backends(Settings(data_dir=tmp_path / "state")))
    assert outcome.sources_destroyed == 0
    assert (tmp_path / "call" / "CA1-a.wav").exists() and (tmp_path / "call" / "CA1-b.wav").exists()


def test_a_hard_linked_source_in_the_inbox_is_refused_and_kept(tmp_path, outside):
    """A hard link in the inbox to a file outside it: until session 58 read as the call's and its
    name unlinked (the other name kept its bytes); now refused, both names kept."""
    manifest = write_call(tmp_path / "call", recording=False)
    (tmp_path / "call" / "CA1-a.wav").unlink()
    os.link(outside, tmp_path / "call" / "CA1-a.wav")
    before = outside.read_bytes()
    with pytest.raises(SourceError, match=r"^segments\[0\]\.uri: .*CA1-a\.wav: in the inbox \(CALLREC_INBOX\) with "
                                          r"other names \(hard links\)"):
        process_call(manifest, build_backends(settings_for(tmp_path)))
    assert (tmp_path / "call" / "CA1-a.wav").read_bytes() == before == outside.read_bytes()
    assert (tmp_path / "call" / "CA1-b.wav").exists()


@pytest.mark.parametrize("sample", ["03-pause-skip", "07-recording-off"])
def test_process_on_the_committed_samples_deletes_none_of_them(tmp_path, monkeypatch, capsys, sample):
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "state"))
    for name in ("CALLREC_INBOX", "CALLREC_SOURCE_ROOTS", "CALLREC_KEEP_SOURCES"):
        monkeypatch.delenv(name, raising=False)
    files = {path: path.read_bytes() for path in (SAMPLES / sample).rglob("*") if path.is_file()}
    assert main(["process", str(SAMPLES / sample / "manifest.json")]) == 0
    assert "sources destroyed: 0" in capsys.readouterr().out
    assert {path: path.read_bytes() for path in (SAMPLES / sample).rglob("*") if path.is_file()} == files


def test_roots_per_region_keep_a_call_to_its_regions_files(tmp_path):
    """``{region}`` in the roots: an eu call may not read (or destroy) the us drop."""
    settings = Settings(data_dir=tmp_path / "state", source_roots=f"{tmp_path}/{{region}}",
                        inbox=f"{tmp_path}/{{region}}")
    outcome = process_call(write_call(tmp_path / "eu", region="eu"), build_backends(settings))
    assert outcome.stored and outcome.sources_destroyed == 2
    foreign = write_call(tmp_path / "us", "CA2", region="eu")
    with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: .*us/CA2-a\.wav: outside the directories"):
        process_call(foreign, build_backends(settings))
    assert (tmp_path / "us" / "CA2-a.wav").exists()


@pytest.mark.parametrize("uri", ["file:CA1-a.wav\u0000.txt", "file:CA1-a.wav%00.txt", "/tmp/CA1-a.wav\u0000"])
def test_a_nul_character_in_a_file_uri_is_refused_naming_the_field(tmp_path, capsys, uri):
    """Found by the audit: a NUL in a segment's path was a ValueError traceback (exit 1) from
    the output check of ``callrec assemble`` and from ``callrec process``."""
    manifest = write_call(tmp_path / "call")
    point_segment(manifest, uri)
    out = tmp_path / "out.wav"
    assert main(["assemble", str(manifest), "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith("callrec assemble: segments[0].uri: ")
    assert not out.exists()
    with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: .*a NUL character"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def test_a_wrapped_key_of_the_key_store_given_as_transcript_survives(tmp_path):
    """Found by the session-50 audit: nothing under the data dir is destroyed, but the key store
    may lie elsewhere (CALLREC_KEY_STORE_DIR), inside the roots and the inbox: a wrapped data
    key named as a call's transcript was unreadable as one (the recognizer instead), and once
    the call was stored it was overwritten and unlinked, its recording unreadable for good.
    Since session 55 such a source is refused before any work."""
    keystore = tmp_path / "call" / "keystore"
    settings = Settings(data_dir=tmp_path / "state", inbox=str(tmp_path / "call"), source_roots=str(tmp_path / "call"),
                        key_store_dir=str(keystore), recognizer="none")
    first = process_call(write_call(tmp_path / "call", "CA0"), build_backends(settings))
    wrapped = sorted(path for path in keystore.rglob("*") if path.is_file() and not path.name.startswith("."))
    assert first.stored and wrapped
    before = {path: path.read_bytes() for path in wrapped}
    manifest = write_call(tmp_path / "call", "CA1")
    data = json.loads(manifest.read_text())
    data["transcript"] = {"uri": str(wrapped[0]), "format": "simple", "clock": "call"}
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"^transcript\.uri: .*: inside the service's own state "
                                            r"\(CALLREC_KEY_STORE_DIR\)"):  # since session 55
        process_call(manifest, build_backends(settings))
    assert {path: path.read_bytes() for path in wrapped} == before


def test_the_vaults_own_buckets_in_an_s3_inbox_are_never_destroyed(tmp_path):
    """The S3 side of the key store's case: an inbox root over the whole bucket the vault (or its
    key store) writes to, and a manifest naming one of the vault's objects as a segment (its
    content refused or not), had it deleted with every version as a source."""
    from worker.calls.manifest import load_manifest
    from worker.calls.sources import destroy_sources

    class Deletions:
        def __init__(self):
            self.deleted = []

        def delete(self, location):
            self.deleted.append(location.uri)

    manifest = write_call(tmp_path / "call", region="us")
    data = json.loads(manifest.read_text())
    data["segments"][0]["uri"] = "s3://callrec-us/data/rec_us_0a/audio"
    data["segments"][1]["uri"] = "s3://legs-us/CA1-b.wav"
    data["transcript"] = {"uri": "s3://callrec-keys-us/keys/rec_us_0a/audio.json", "format": "simple", "clock": "call"}
    manifest.write_text(json.dumps(data))
    settings = Settings(data_dir=tmp_path / "state", store="s3", keys="kms",
                        inbox="s3://callrec-{region}/,s3://callrec-keys-{region}/,s3://legs-{region}/")
    remote = Deletions()
    assert destroy_sources(load_manifest(manifest), settings, {"s3": remote}) == 1
    assert remote.deleted == ["s3://legs-us/CA1-b.wav"]


@pytest.mark.parametrize("how", ["same uri", "other spelling", "hard link"])
def test_one_file_named_by_two_segments_is_refused(tmp_path, monkeypatch, how):
    """Found by the session-55 red team: a manifest listing one leg twice (the same uri, another
    spelling of its path, or a hard link to it) had the file mixed onto itself, at twice its
    level, or its audio placed at two times of the call. A leg's audio is placed once: the
    second naming is refused (exit 2) naming both fields, nothing stored or written."""
    call = tmp_path / "call"
    manifest = write_call(call)
    if how == "hard link":
        (call / "CA1-b.wav").unlink()
        os.link(call / "CA1-a.wav", call / "CA1-b.wav")
    else:
        data = json.loads(manifest.read_text())
        data["segments"][1]["uri"] = "file:CA1-a.wav" if how == "same uri" else "file:./CA1-a.wav"
        manifest.write_text(json.dumps(data))
    settings = Settings(data_dir=tmp_path / "state", recognizer="none")
    with pytest.raises(ManifestError, match=r"^segments\[1\]\.uri: .*CA1-[ab]\.wav: the same file as segments\[0\]\.uri"):
        process_call(manifest, build_backends(settings))
    assert not (tmp_path / "state" / "vault").exists() or not list((tmp_path / "state" / "vault").rglob("index/*"))
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "state"))
    assert main(["assemble", str(manifest), "-o", str(tmp_path / "out.wav")]) == 2
    assert not (tmp_path / "out.wav").exists()


def test_https_legs_differing_only_in_their_query_are_two_files(tmp_path):
    """Session-55 review: a provider's download URL names its recording in the query
    (``/download?recording=RE1``, ``RE2``), so two legs differing only there are two files; the
    check of one file named twice dropped the query and refused them. The same URL twice is
    still one file."""
    from worker.calls.manifest import load_manifest
    from worker.calls.sources import check_sources

    manifest = write_call(tmp_path / "call", "CA1")
    data = json.loads(manifest.read_text())
    data["segments"][0]["uri"] = "https://rec.example.com/download?recording=RE1"
    data["segments"][1]["uri"] = "https://rec.example.com/download?recording=RE2"
    manifest.write_text(json.dumps(data))
    settings = Settings(data_dir=tmp_path / "state", fetch_hosts="rec.example.com",
                        source_roots="https://rec.example.com/")
    check_sources(load_manifest(manifest, 1 << 20), settings)
    data["segments"][1]["uri"] = data["segments"][0]["uri"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(SourceError, match=r"^segments\[1\]\.uri: https://rec\.example\.com/download: the same file as "
                                          r"segments\[0\]\.uri"):
        check_sources(load_manifest(manifest, 1 << 20), settings)


def test_a_source_root_inside_the_data_dir_is_read_but_not_the_state_beside_it(tmp_path):
    """Session-55 review: roots inside CALLREC_DATA_DIR (data dir X, roots X/inbox: valid before)
    had every call refused as the service's own state; only the state's own directories are
    refused (the vault, the keyring, the default key store, the API's manifests, metrics, Redis)."""
    data = tmp_path / "var-lib-callrec"
    settings = Settings(data_dir=data, source_roots=str(data), recognizer="none")
    assert process_call(write_call(data / "inbox" / "call", "CA1"), build_backends(settings)).stored
    for state in ("vault", "keys", "keystore", "api", "metrics", "redis"):
        manifest = write_call(data / state / "call", "CA2")
        with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: .*CA2-a\.wav: inside the service's own state "
                                                r"\(CALLREC_DATA_DIR\)"):
            process_call(manifest, build_backends(settings))
