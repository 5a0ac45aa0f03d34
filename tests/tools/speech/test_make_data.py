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


def test_mbrola_voices_are_the_tune_splits_only() -> None:
    from tools.evalcalls.splits import HELD_OUT, TUNE

    assert make_data.MBROLA_VOICES and set(make_data.MBROLA_VOICES) <= set(TUNE)
    assert not set(make_data.MBROLA_VOICES) & set(HELD_OUT)  # mb-us1..3, mb-en1 are reported on, never trained on


@pytest.mark.skipif(shutil.which("mbrola") is None, reason="needs Debian's mbrola and its voices")
def test_mbrola_combos_come_after_the_espeak_ng_ones_and_leave_them_as_they_were(tmp_path, monkeypatch) -> None:
    voices = []
    real_run = subprocess.run

    def run(argv, *args, **kwargs):  # noqa: ANN001, ANN202
        voices.append(argv[argv.index("-v") + 1])
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "argv", ["make_data.py", "--combos", "1", "--out", str(tmp_path / "a")])
    make_data.main()
    alone = list(voices)
    voices.clear()
    monkeypatch.setattr(sys, "argv", ["make_data.py", "--combos", "1", "--mbrola-combos", "2", "--out", str(tmp_path / "b")])
    make_data.main()
    assert voices[: len(alone)] == alone  # the espeak-ng combo drew the same voice
    assert voices[len(alone) :] and set(voices[len(alone) :]) <= set(make_data.MBROLA_VOICES)
    with np.load(tmp_path / "a" / "clips.npz") as a, np.load(tmp_path / "b" / "clips.npz") as b:
        first = a["lengths"].size
        assert np.array_equal(b["lengths"][:first], a["lengths"])  # the same clips first
        assert set(b["voices"][first:].tolist()) <= {1, 2}
