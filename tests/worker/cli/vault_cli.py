"""Helpers for the vault commands' tests: a private data dir and a stored call."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.worker.stored_calls import write_call
from worker.cli import main
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.vaults import build_vault
from worker.boot import build_backends


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def use_data_dir(monkeypatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "state"))
    return Settings.from_env()


def stored_call(tmp_path: Path, settings: Settings, call_id: str = "CA1", *,
                created_at: datetime | None = None, **options) -> str:
    """Processes a generated call into the vault (stored at ``created_at``); returns its id."""
    vault = build_vault(settings, clock=(lambda: created_at) if created_at is not None else None)
    return process_call(write_call(tmp_path / "calls", call_id, **options), build_backends(settings, vault=vault)).recording_id
