"""tools/speech/make_data.py: the network's training clips come from espeak-ng alone (no
flite: its voices are Festival's, reserved for the final external judgement)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from tools.speech import make_data

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs Debian's espeak-ng")


def test_clips_are_voiced_by_espeak_ng_alone_even_where_flite_is_installed(tmp_path, monkeypatch) -> None:
    programs = []
    real_run = subprocess.run

    def run(argv, *args, **kwargs):  # noqa: ANN001, ANN202
        programs.append(argv[0])
        if argv[0] != "espeak-ng":
            raise AssertionError(f"make_data ran {argv[0]}")
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")  # every tool "installed"
    monkeypatch.setattr(sys, "argv", ["make_data.py", "--combos", "1", "--out", str(tmp_path)])
    make_data.main()
    assert set(programs) == {"espeak-ng"}
    with np.load(tmp_path / "clips.npz") as z:
        assert set(z["voices"].tolist()) == {0}  # the one espeak-ng combination
        assert z["lengths"].sum() == z["audio"].size > 0
