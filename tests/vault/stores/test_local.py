"""Local-store specifics: atomic files, zeroed deletes, safe names."""

from __future__ import annotations

import pytest

from vault.errors import VaultInputError
from vault.stores.base import put_bytes
from vault.stores.local import LocalStore


def test_delete_zeroes_before_unlinking(tmp_path, monkeypatch):
    store = LocalStore(tmp_path, "eu")
    put_bytes(store, "keys/r/audio.1.json", b"secret-key-bytes")
    path = tmp_path / "keys" / "r" / "audio.1.json"
    seen = []
    real_unlink = type(path).unlink

    def spy(self, *a, **k):
        seen.append(self.read_bytes())
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(type(path), "unlink", spy)
    store.delete("keys/r/audio.1.json")
    assert seen == [bytes(16)]
    assert not path.exists()


def test_temp_files_are_not_objects(tmp_path):
    store = LocalStore(tmp_path, "eu")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / ".a.json.tmp-123").write_bytes(b"x")
    assert list(store.names("")) == []


@pytest.mark.parametrize("name", ["", "../x", "a//b", "/abs", "a/./b", ".hidden"])
def test_unsafe_names_refused(tmp_path, name):
    with pytest.raises(VaultInputError, match="plain relative path"):
        put_bytes(LocalStore(tmp_path, "eu"), name, b"x")
