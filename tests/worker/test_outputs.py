"""Output files appear complete or not at all."""

from pathlib import Path

import pytest

from worker.errors import WorkerError
from worker.outputs import atomic_output


def test_text_and_bytes_land_whole(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "a.txt") as out:
        out.write("héllo\n")
    with atomic_output(tmp_path / "b.bin", "wb") as out:
        out.write(b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_a_failure_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_output(target) as out:
            out.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_an_os_error_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(WorkerError, match="missing/out.json: cannot write"):
        with atomic_output(tmp_path / "missing" / "out.json") as out:
            out.write("x")


def test_a_missing_directory_inside_the_message_is_quoted(tmp_path: Path) -> None:
    from worker.errors import UsageError
    from worker.outputs import check_output_paths

    target = tmp_path / "my calls" / "out.wav"
    with pytest.raises(UsageError) as info:
        check_output_paths({"-o": target})
    assert str(info.value) == f"-o '{target}': directory '{tmp_path}/my calls' does not exist"


def test_a_path_heading_an_output_error_is_quoted_when_it_could_blur(tmp_path: Path) -> None:
    from worker.errors import UsageError
    from worker.outputs import check_output_paths

    directory = tmp_path / "out: dir"
    directory.mkdir()
    with pytest.raises(UsageError) as caught:
        check_output_paths({"-o": directory})
    assert str(caught.value) == f"-o {str(directory)!r}: is a directory, not an output file"
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UsageError) as caught:
        check_output_paths({"-o": plain})
    assert str(caught.value) == f"-o {plain}: is a directory, not an output file"  # nothing to blur: as it was
