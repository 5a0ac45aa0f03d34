"""Key commands that must not change anything: ``keys status`` is read-only (issue 10, #11)."""

from __future__ import annotations

import pytest

from tests.worker.cli.vault_cli import run, use_data_dir
from worker.vaults import build_vault


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def test_status_creates_no_key(settings, capsys):
    code, out, err = run(capsys, "keys", "status", "--region", "eu")
    assert (code, out, err) == (0, "eu local:eu: no key yet (one is made at the first store or rotation)\n", "")
    assert not (settings.data_dir / "keys").exists()
    assert not settings.data_dir.exists()  # nothing at all was created
    assert build_vault(settings).region("eu").keys.current() is None


def test_status_after_a_rotation_lists_versions_without_adding_one(settings, capsys):
    run(capsys, "keys", "rotate", "--region", "eu")
    ring = (settings.data_dir / "keys" / "eu.json").read_bytes()
    code, out, _ = run(capsys, "keys", "status", "--region", "eu", "--region", "us")
    assert out == ("eu local:eu v1 (primary): 0 data key(s)\n"
                   "us local:us: no key yet (one is made at the first store or rotation)\n")
    assert (settings.data_dir / "keys" / "eu.json").read_bytes() == ring
    assert not (settings.data_dir / "keys" / "us.json").exists()
