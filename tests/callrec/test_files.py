"""The one write-to-temp-then-rename: whole or nothing, fsynced before the rename."""

from __future__ import annotations

import os

import pytest

from callrec import files
from callrec.files import Replacement, replaced


def test_a_committed_replacement_is_the_target_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with Replacement(target) as temp:
        assert temp.path.parent == tmp_path and temp.path.name.startswith(".out.bin.") and temp.path.suffix == ".tmp"
        assert target.read_bytes() == b"old"  # nothing changes before the commit
        temp.path.write_bytes(b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    assert os.stat(target).st_mode & 0o777 == 0o600


def test_an_exception_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="half way"), replaced(target) as out:
        out.write(b"partial")
        raise RuntimeError("half way")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_the_file_is_fsynced_before_the_rename_and_the_directory_after(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", None)), real_replace(a, b))[1])
    with replaced(tmp_path / "a.json", "w") as out:
        out.write("{}")
    assert calls == [("fsync", False), ("replace", None), ("fsync", True)]
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "{}"


def test_a_failed_rename_removes_the_temporary_file_and_raises(tmp_path, monkeypatch):
    def refuse(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"), replaced(tmp_path / "a.bin") as out:
        out.write(b"x")
    assert list(tmp_path.iterdir()) == []


def test_discard_and_a_second_commit(tmp_path):
    temp = Replacement(tmp_path / "a.bin", prefix=".a.bin.tmp-", suffix="")
    assert temp.path.name.startswith(".a.bin.tmp-") and not temp.path.name.endswith(".tmp")
    temp.discard()
    temp.discard()  # twice is nothing
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="already committed or discarded"):
        temp.commit()


def test_text_mode_is_utf8_and_other_modes_are_refused(tmp_path):
    with replaced(tmp_path / "t.txt", "w") as out:
        out.write("Zürich")
    assert (tmp_path / "t.txt").read_bytes() == "Zürich".encode("utf-8")
    with pytest.raises(ValueError, match="mode must be"), replaced(tmp_path / "u.txt", "a"):
        pass
    assert not (tmp_path / "u.txt").exists()


def test_a_missing_directory_is_an_os_error_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        Replacement(tmp_path / "nowhere" / "a.bin")
    assert list(tmp_path.iterdir()) == []
    assert files.fsync_dir(tmp_path) is None


def test_leftovers_are_the_temporary_files_of_writers_that_died(tmp_path):
    from callrec.files import Replacement, leftovers

    target = tmp_path / "m.json"
    assert leftovers(target) == [] and leftovers(tmp_path / "gone" / "m.json") == []
    dead = Replacement(target)  # neither committed nor discarded: its writer died
    (tmp_path / ".other.json.x.tmp").write_text("not this target's")
    target.write_text("{}")
    assert leftovers(target) == [dead.path]


def test_the_file_has_no_name_while_it_is_written_and_is_0600_after(tmp_path):
    target = tmp_path / "export.wav"
    target.write_bytes(b"old")
    with replaced(target) as out:
        out.write(b"decrypted audio")
        out.flush()
        assert [p.name for p in tmp_path.iterdir()] == ["export.wav"]  # no half-written copy to find
    assert target.read_bytes() == b"decrypted audio" and os.stat(target).st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["export.wav"]


def test_a_writer_killed_part_way_leaves_nothing_behind(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "keyring.json"
    target.write_bytes(b"old")
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom callrec.files import replaced\n"
         f"with replaced({str(target)!r}) as out:\n"
         "    out.write(b'plaintext keys' * 1000); out.flush(); print('written', flush=True); time.sleep(60)\n"],
        stdout=subprocess.PIPE, cwd=os.getcwd())
    try:
        assert writer.stdout.readline() == b"written\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert [p.name for p in tmp_path.iterdir()] == ["keyring.json"] and target.read_bytes() == b"old"


def test_without_unnamed_files_a_named_temporary_file_is_used(tmp_path, monkeypatch):
    import errno

    real_open = os.open

    def no_tmpfile(path, flags, *args, **kwargs):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_tmpfile)
    target = tmp_path / "a.json"
    with replaced(target, "w") as out:
        out.write("{}")
        out.flush()
        names = [p.name for p in tmp_path.iterdir()]
        assert len(names) == 1 and names[0].startswith(".a.json.") and names[0].endswith(".tmp")
    assert target.read_text(encoding="utf-8") == "{}" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


@pytest.mark.parametrize("code", ["EPERM", "EACCES", "ENOENT"])
def test_an_unnamed_file_that_cannot_be_named_is_copied_to_a_named_one(tmp_path, monkeypatch, code):
    """A sandbox where /proc/self/fd exists but linking through it is refused (session-49
    note: the write failed): what was written reaches the target whole through a named
    temporary file, which is gone after."""
    import errno

    real_link = os.link

    def refused(src, dst, *args, **kwargs):
        if str(src).startswith("/proc/self/fd/"):
            raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)))
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", refused)
    target = tmp_path / "export.wav"
    target.write_bytes(b"old")
    body = os.urandom(3 * 1024 * 1024 + 7)  # more than one copy buffer
    with replaced(target) as out:
        out.write(body)
    assert target.read_bytes() == body and os.stat(target).st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["export.wav"]


def test_a_link_refused_for_another_reason_fails_and_leaves_the_target(tmp_path, monkeypatch):
    import errno

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", full)
    target = tmp_path / "export.wav"
    target.write_bytes(b"old")
    with pytest.raises(OSError) as raised:
        with replaced(target) as out:
            out.write(b"new")
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["export.wav"]
