"""Local file helpers (``vault.files``)."""

from __future__ import annotations

from vault.files import shred


def test_shred_zeroes_and_removes_a_file(tmp_path):
    path = tmp_path / "obj"
    path.write_bytes(b"secret" * 1000)
    with open(path, "rb") as held:  # another name for the same bytes: what was zeroed shows through it
        shred(path)
        assert held.read() == bytes(6000)
    assert not path.exists()
    shred(path)  # none: nothing


def test_shred_removes_a_symlink_and_never_zeroes_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_bytes(b"not the store's")
    link = tmp_path / "obj"
    link.symlink_to(target)
    shred(link)
    assert not link.is_symlink()
    assert target.read_bytes() == b"not the store's"
