"""Generated calls for the pipeline and vault CLI tests: two legs of deterministic noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

RATE_HZ = 8000


def leg_samples(seconds: float, seed: int) -> np.ndarray:
    """Deterministic speech-like noise as 16-bit samples (exact in WAV)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE_HZ)) * 3000).clip(-32000, 32000).astype(np.int16)


def write_call(directory: Path, call_id: str = "CA1", *, region: str = "eu", plan: str = "professional",
               redaction: str = "off", recording: bool = True, retention_days: int | None = None,
               voicemail: bool = False, ticket: str = "T-7", public: bool = False, account: str = "acme",
               number: str = "+15550100", leg_a: np.ndarray | None = None, transcript: str | None = None) -> Path:
    """Queue 0-1 s, then legs a (1-3 s) and b (3-4 s); ``leg_a`` replaces a's 2 s of noise."""
    directory.mkdir(parents=True, exist_ok=True)
    a = leg_samples(2.0, 1) if leg_a is None else leg_a
    sf.write(directory / f"{call_id}-a.wav", a, RATE_HZ, subtype="PCM_16")
    sf.write(directory / f"{call_id}-b.wav", leg_samples(1.0, 2), RATE_HZ, subtype="PCM_16")
    kind = "voicemail" if voicemail else "agent"
    manifest = {
        "call_id": call_id, "ticket_id": ticket,
        "account": {"id": account, "plan": plan, "region": region, "retention_days": retention_days,
                    "recordings_public": public, "pause_behavior": "silence", "redaction": redaction},
        "number": {"id": number, "recording": recording, "consent_mode": "none"},
        "direction": "inbound", "consent": "none",
        "events": [{"type": "queue", "start": 0.0, "end": 1.0},
                   {"type": kind, "start": 1.0, "end": 3.0},
                   {"type": kind, "start": 3.0, "end": 4.0}],
        "controls": [],
        "segments": [{"uri": f"file:{call_id}-a.wav", "start": 1.0},
                     {"uri": f"file:{call_id}-b.wav", "start": 3.0}],
    }
    if transcript is not None:
        (directory / f"{call_id}-words.txt").write_text(transcript)
        manifest["transcript"] = {"uri": f"file:{call_id}-words.txt", "format": "simple", "clock": "call"}
    path = directory / f"{call_id}.json"
    path.write_text(json.dumps(manifest))
    return path


def moved_to_s3(local_manifest: Path, incoming, prefix: str = "legs") -> Path:
    """``local_manifest``'s call with its legs copied into the S3 store ``incoming`` under
    ``prefix`` and named there (``s3://<bucket>/<prefix>/<leg>``): the manifest beside it,
    ``s3-call.json``."""
    data = json.loads(local_manifest.read_text())
    for segment in data["segments"]:
        name = segment["uri"].removeprefix("file:")
        with incoming.writer(f"{prefix}/{name}") as out:
            out.write((local_manifest.parent / name).read_bytes())
        segment["uri"] = f"s3://{incoming.bucket}/{prefix}/{name}"
    manifest = local_manifest.parent.parent / "s3-call.json"
    manifest.write_text(json.dumps(data))
    return manifest
