"""Small generated calls for the queue tests: one agent leg of a few seconds of tone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile

RATE_HZ = 8000


def write_call(directory: Path, call_id: str, *, seconds: float = 1.0, account: str = "acme",
               plan: str = "professional", redaction: str = "off", region: str = "us") -> Path:
    """A call whose agent leg is ``seconds`` of a 440 Hz tone; returns the manifest path."""
    directory.mkdir(parents=True, exist_ok=True)
    frames = int(seconds * RATE_HZ)
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(frames) / RATE_HZ)).astype(np.float32)
    soundfile.write(directory / f"{call_id}.wav", tone, RATE_HZ, subtype="PCM_16")
    manifest = {
        "call_id": call_id,
        "ticket_id": f"T-{call_id}",
        "account": {"id": account, "plan": plan, "region": region, "retention_days": None,
                    "recordings_public": False, "pause_behavior": "silence", "redaction": redaction},
        "number": {"id": "+15550100", "recording": True, "consent_mode": "none"},
        "direction": "inbound",
        "consent": "none",
        "events": [{"type": "agent", "start": 0.0, "end": seconds, "via": "browser"}],
        "controls": [],
        "segments": [{"uri": f"file:{call_id}.wav", "start": 0.0}],
    }
    path = directory / f"{call_id}.json"
    path.write_text(json.dumps(manifest))
    return path


def job_of(manifest: str | Path):
    """The post-call job the platform would enqueue for the manifest at ``manifest`` (keyed
    on its account and call; read as plain JSON so a bad manifest still makes a job)."""
    from worker.queue.jobs import ProcessCall

    data = json.loads(Path(manifest).read_text())
    return ProcessCall.for_call(str(manifest), data["account"]["id"], data["call_id"])
