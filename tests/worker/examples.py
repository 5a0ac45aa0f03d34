"""Manifests and generated call audio shared by the worker tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import soundfile

#: The example manifest of DESIGN.md §3, verbatim.
DESIGN_EXAMPLE = {
    "call_id": "CA0001",
    "ticket_id": "T-1001",
    "account": {"id": "acme", "plan": "team", "region": "us",
                "retention_days": None, "recordings_public": False,
                "pause_behavior": "silence", "redaction": "auto"},
    "number": {"id": "+15550100", "recording": True, "consent_mode": "none"},
    "direction": "inbound",
    "consent": "none",
    "events": [
        {"type": "ivr", "start": 0.0, "end": 12.0},
        {"type": "queue", "start": 12.0, "end": 40.0},
        {"type": "agent", "start": 40.0, "end": 300.0, "via": "browser"},
        {"type": "hold", "start": 120.0, "end": 150.0},
        {"type": "consultation", "start": 250.0, "end": 270.0},
        {"type": "external_transfer", "start": 300.0, "end": 360.0},
        {"type": "voicemail", "start": 360.0, "end": 390.0},
    ],
    "controls": [{"action": "pause", "at": 200.0}, {"action": "resume", "at": 215.0}],
    "segments": [{"uri": "file:legs/a.wav", "start": 40.0},
                 {"uri": "file:legs/b.wav", "start": 300.0}],
    "transcript": {"uri": "file:t.json", "format": "aws", "clock": "call"},
}


def design_example(**account_changes: object) -> dict:
    data = copy.deepcopy(DESIGN_EXAMPLE)
    data["account"].update(account_changes)
    return data


def marker_hz(call_second: int) -> int:
    """A different whole-Hz tone for every second of call time (200 Hz ... 3701 Hz)."""
    return 200 + 9 * call_second


def marker_audio(first_second: int, seconds: int, rate_hz: int) -> np.ndarray:
    """Call seconds first_second... each as its own marker tone, amplitude 0.5."""
    t = np.arange(rate_hz) / rate_hz
    return np.concatenate([0.5 * np.sin(2 * np.pi * marker_hz(first_second + k) * t)
                           for k in range(seconds)]).astype(np.float32)


def write_design_call(directory: Path, data: dict | None = None) -> Path:
    """The DESIGN example with real audio behind it; returns the manifest path.

    Leg a (call 40-300 s): 8 kHz mono 16-bit PCM. Leg b (call 300-390 s): 16 kHz dual
    channel float, even seconds on the left channel and odd ones on the right, so the
    output only has every second if channels are mixed and the leg resampled.
    """
    legs = directory / "legs"
    legs.mkdir(parents=True, exist_ok=True)
    soundfile.write(legs / "a.wav", marker_audio(40, 260, 8000), 8000, subtype="PCM_16")
    b = marker_audio(300, 90, 16000)
    odd = (np.arange(len(b)) // 16000) % 2 == 1
    stereo = np.stack([np.where(odd, 0, b), np.where(odd, b, 0)], axis=1).astype(np.float32)
    soundfile.write(legs / "b.wav", stereo, 16000, subtype="FLOAT")
    (directory / "t.json").write_text("{}")
    path = directory / "manifest.json"
    path.write_text(json.dumps(data if data is not None else design_example(plan="professional")))
    return path
