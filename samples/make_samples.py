"""Generate the sample calls in samples/ (needs Debian's espeak-ng; run `make samples`).

Each call is a short synthetic conversation (espeak-ng voices, sent through a telephone
channel: 300-3400 Hz band, a little line noise) cut into the recorded legs a contact
centre would hand over, in a mix of formats, rates and channel counts, plus a manifest
(DESIGN.md §3) whose event times come from where the speech actually landed.

    01-plain-inbound        Team plan, one agent, one 8 kHz mu-law leg
    02-warm-transfer        queue, hold and a consultation before a warm transfer; the first
                            leg is dual channel (agent left, caller right) 16 kHz Ogg Vorbis
    03-pause-skip           Professional plan, agent pauses the recording (skip)
    04-external-forward     agent forwards the call to an external number (MP3 22.05 kHz leg)
    05-voicemail            IVR, then voicemail (FLAC leg covering the IVR too)
    06-opt-in-declined      opt-in number, caller declined: nothing may be recorded
    07-recording-off        outbound call from a number with recording switched off

The text holds no card numbers; card-data samples are made by the redaction tooling.
The output is deterministic for a given espeak-ng version (fixed noise seeds).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile
import soxr
from scipy import signal

HERE = Path(__file__).resolve().parent
#: Internal rate of the conversation tracks before each leg is written at its own rate.
WORK_RATE_HZ = 16000
#: Telephone channel: ITU-T G.712 pass band and a line-noise floor.
BAND_HZ = (300.0, 3400.0)
NOISE_DBFS = -58.0
#: espeak-ng voice, words per minute and pitch (0-99) per speaker.
VOICES = {
    "ivr": ("en-us+f2", 165, 60),
    "agent": ("en-us+f3", 160, 55),
    "agent_b": ("en-gb-x-rp+m3", 155, 40),
    "caller": ("en-gb+m1", 150, 35),
    "external": ("en-us+m4", 150, 45),
}


def speak(text: str, speaker: str) -> np.ndarray:
    voice, wpm, pitch = VOICES[speaker]
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "--stdout", text],
                         capture_output=True, check=True).stdout
    audio, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    audio = soxr.resample(audio, rate, WORK_RATE_HZ)
    return (0.5 * audio / max(1e-6, np.abs(audio).max())).astype(np.float32)


def hold_music(seconds: float) -> np.ndarray:
    """A soft two-tone arpeggio, the kind of thing a caller on hold hears."""
    notes_hz = (392.0, 494.0, 587.0, 494.0)
    t = np.arange(int(0.25 * WORK_RATE_HZ)) / WORK_RATE_HZ
    envelope = np.minimum(1, np.minimum(t, t[::-1]) / 0.02)
    note = [0.15 * envelope * np.sin(2 * np.pi * f * t) for f in notes_hz]
    reps = int(np.ceil(seconds / (0.25 * len(notes_hz))))
    return np.concatenate(note * reps)[: int(seconds * WORK_RATE_HZ)].astype(np.float32)


@dataclass
class Conversation:
    """Tracks (one per party) laid out on the call clock at WORK_RATE_HZ."""

    tracks: dict[str, np.ndarray] = field(default_factory=dict)
    cursor_s: float = 0.0

    def _place(self, track: str, audio: np.ndarray, at_s: float) -> None:
        start = int(round(at_s * WORK_RATE_HZ))
        buffer = self.tracks.setdefault(track, np.zeros(0, dtype=np.float32))
        if len(buffer) < start + len(audio):
            buffer = np.concatenate([buffer, np.zeros(start + len(audio) - len(buffer), np.float32)])
        buffer[start:start + len(audio)] += audio
        self.tracks[track] = buffer

    def say(self, speaker: str, text: str, gap_s: float = 0.4, track: str | None = None) -> None:
        audio = speak(text, speaker)
        self._place(track or speaker, audio, self.cursor_s)
        self.cursor_s += len(audio) / WORK_RATE_HZ + gap_s

    def music(self, track: str, seconds: float) -> None:
        self._place(track, hold_music(seconds), self.cursor_s)
        self.cursor_s += seconds

    def music_under(self, track: str, start_s: float, end_s: float) -> None:
        """Hold music on ``track`` for [start_s, end_s) without moving the cursor."""
        self._place(track, hold_music(end_s - start_s), start_s)

    def wait(self, seconds: float) -> None:
        self.cursor_s += seconds

    def mark(self) -> float:
        """The cursor rounded up to the next 0.5 s, which becomes the new cursor."""
        self.cursor_s = float(np.ceil(self.cursor_s * 2) / 2)
        return self.cursor_s


def telephone(audio: np.ndarray, seed: int) -> np.ndarray:
    sos = signal.butter(4, BAND_HZ, btype="bandpass", fs=WORK_RATE_HZ, output="sos")
    band = signal.sosfilt(sos, audio)
    noise = np.random.default_rng(seed).standard_normal(len(audio)) * 10 ** (NOISE_DBFS / 20)
    return (band + noise).astype(np.float32)


def write_leg(path: Path, conversation: Conversation, tracks: tuple[str, ...], start_s: float,
              end_s: float, rate_hz: int, stereo: bool = False, **write_args: object) -> dict:
    """Write call time [start_s, end_s) of ``tracks`` (mixed, or one channel each) to ``path``."""
    lo, hi = int(start_s * WORK_RATE_HZ), int(end_s * WORK_RATE_HZ)
    channels = []
    for index, name in enumerate(tracks):
        track = conversation.tracks.get(name, np.zeros(0, np.float32))
        piece = np.zeros(hi - lo, np.float32)
        chunk = track[lo:hi]
        piece[:len(chunk)] = chunk
        channels.append(telephone(piece, seed=zlib.crc32(f"{path.name}/{index}".encode())))
    data = np.stack(channels, axis=1) if stereo else np.sum(channels, axis=0)[:, None]
    if rate_hz != WORK_RATE_HZ:
        data = soxr.resample(data, WORK_RATE_HZ, rate_hz)
    data = np.clip(data, -0.99, 0.99)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, data, rate_hz, **write_args)
    return {"uri": f"file:legs/{path.name}", "start": start_s}


def account(plan: str, pause_behavior: str = "silence", region: str = "us") -> dict:
    return {"id": "acme", "plan": plan, "region": region, "retention_days": None,
            "recordings_public": False, "pause_behavior": pause_behavior, "redaction": "auto"}


def number(recording: bool = True, consent_mode: str = "none") -> dict:
    return {"id": "+15550100", "recording": recording, "consent_mode": consent_mode}


def manifest(call_id: str, plan_account: dict, events: list, segments: list, *, num: dict | None = None,
             consent: str = "none", direction: str = "inbound", controls: list | None = None) -> dict:
    return {"call_id": call_id, "ticket_id": f"T-{call_id[2:]}", "account": plan_account,
            "number": num or number(), "direction": direction, "consent": consent,
            "events": events, "controls": controls or [], "segments": segments}


def ev(kind: str, start_s: float, end_s: float, **extra: str) -> dict:
    return {"type": kind, "start": start_s, "end": end_s, **extra}


def plain_inbound(legs: Path) -> dict:
    c = Conversation()
    c.say("agent", "Thank you for calling Acme support, this is Dana. How can I help you today?")
    c.say("caller", "Hi Dana. My order arrived yesterday, but the charger is missing from the box.")
    c.say("agent", "I am sorry about that. Can I have your order number, please?")
    c.say("caller", "Sure, it is the order from last Tuesday, under the name Morgan.")
    c.say("agent", "Thank you, I found it. I will send a new charger today, at no cost.")
    c.say("caller", "That is great, thanks a lot.")
    c.say("agent", "You are welcome. Have a lovely day.")
    end = c.mark()
    seg = write_leg(legs / "agent.wav", c, ("agent", "caller"), 0.0, end, 8000, subtype="ULAW")
    return manifest("CA1001", account("team"), [ev("agent", 0.0, end, via="browser")], [seg])


def warm_transfer(legs: Path) -> dict:
    c = Conversation()
    c.say("ivr", "Thank you for calling. For billing, press two.")
    ivr_end = c.mark()
    c.music("caller", 5.0)
    queue_end = c.mark()
    c.say("agent", "Billing, this is Sam speaking.")
    c.say("caller", "Hello. I was charged twice for my March invoice.")
    c.say("agent", "Let me check that. I will put you on hold for a moment.")
    hold_start = c.mark()
    c.music("caller", 4.0)
    hold_end = c.mark()
    c.say("agent", "Thanks for waiting. A colleague in refunds can fix this, let me bring her in.")
    consult_start = c.mark()
    # Sam's leg carries the consultation on the agent channel; the caller hears music.
    c.say("agent", "Hi Alex, I have a customer with a double charge in March.")
    c.say("agent_b", "Sure, put them through.", track="agent")
    consult_end = c.mark()
    c.music_under("caller", consult_start, consult_end)
    c.say("agent_b", "Hello, this is Alex from refunds. I can see the duplicate charge.")
    c.say("caller", "Great, can you refund it?")
    c.say("agent_b", "Done. The refund will reach your account in three to five days.")
    c.say("caller", "Thank you, goodbye.")
    end = c.mark()
    seg_a = write_leg(legs / "leg-sam.ogg", c, ("agent", "caller"), queue_end, consult_end, 16000,
                      stereo=True, format="OGG", subtype="VORBIS")
    seg_b = write_leg(legs / "leg-alex.wav", c, ("agent_b", "caller"), consult_end, end, 8000,
                      subtype="PCM_16")
    events = [ev("ivr", 0.0, ivr_end), ev("queue", ivr_end, queue_end),
              ev("agent", queue_end, consult_end, via="browser"), ev("hold", hold_start, hold_end),
              ev("consultation", consult_start, consult_end),
              ev("agent", consult_end, end, via="forwarding_number")]
    return manifest("CA1002", account("growth"), events, [seg_a, seg_b])


def pause_skip(legs: Path) -> dict:
    c = Conversation()
    c.say("agent", "Thanks for calling Acme. To change the account owner I need your security answer.")
    c.say("agent", "I am pausing the recording now.")
    pause_at = c.mark()
    c.say("caller", "The answer is the name of my first school, Riverside Primary.")
    c.say("agent", "Thank you, that matches.")
    resume_at = c.mark()
    c.say("agent", "The recording has resumed. The account owner is now changed.")
    c.say("caller", "Perfect, thank you.")
    end = c.mark()
    seg = write_leg(legs / "agent.flac", c, ("agent", "caller"), 0.0, end, 8000, format="FLAC")
    controls = [{"action": "pause", "at": pause_at}, {"action": "resume", "at": resume_at}]
    return manifest("CA1003", account("professional", "skip"), [ev("agent", 0.0, end, via="browser")],
                    [seg], controls=controls)


def external_forward(legs: Path) -> dict:
    c = Conversation()
    c.say("agent", "Acme reception. You are looking for our installation partner?")
    c.say("caller", "Yes, about the kitchen fitting next week.")
    c.say("agent", "I will forward you to them now.")
    forward_at = c.mark()
    c.say("external", "Hello, Fitwell Installations, Jordan speaking.")
    c.say("caller", "Hi, I want to move my fitting from Monday to Wednesday.")
    c.say("external", "No problem, Wednesday at nine works. See you then.")
    end = c.mark()
    seg_a = write_leg(legs / "agent.wav", c, ("agent", "caller"), 0.0, forward_at, 8000, subtype="PCM_16")
    seg_b = write_leg(legs / "external.mp3", c, ("external", "caller"), forward_at, end, 22050,
                      format="MP3", subtype="MPEG_LAYER_III")
    events = [ev("agent", 0.0, forward_at, via="forwarding_number"), ev("external_transfer", forward_at, end)]
    return manifest("CA1004", account("enterprise", region="eu"), events, [seg_a, seg_b])


def voicemail(legs: Path) -> dict:
    c = Conversation()
    c.say("ivr", "You have reached Acme. Nobody is available. Please leave a message after the tone.")
    ivr_end = c.mark()
    c.say("caller", "Hi, this is Morgan. Please call me back about the replacement charger. Thanks.")
    end = c.mark()
    seg = write_leg(legs / "voicemail.flac", c, ("ivr", "caller"), 0.0, end, 8000, format="FLAC")
    events = [ev("ivr", 0.0, ivr_end), ev("voicemail", ivr_end, end)]
    return manifest("CA1005", account("team", region="au"), events, [seg])


def opt_in_declined(legs: Path) -> dict:
    c = Conversation()
    c.say("ivr", "This call may be recorded. Press one to allow recording.")
    ivr_end = c.mark()
    c.say("agent", "Hello, Acme sales, how can I help?")
    c.say("caller", "I would like a quote for twenty office chairs.")
    end = c.mark()
    seg = write_leg(legs / "agent.wav", c, ("agent", "caller"), ivr_end, end, 8000, subtype="ALAW")
    return manifest("CA1006", account("professional"), [ev("ivr", 0.0, ivr_end), ev("agent", ivr_end, end)],
                    [seg], num=number(consent_mode="opt_in"), consent="declined")


def recording_off(legs: Path) -> dict:
    c = Conversation()
    c.say("agent", "Hi, this is Dana from Acme, returning your call about the charger.")
    c.say("caller", "Oh great, thanks for calling back.")
    end = c.mark()
    seg = write_leg(legs / "agent.wav", c, ("agent", "caller"), 0.0, end, 8000, subtype="ULAW")
    return manifest("CA1007", account("growth"), [ev("agent", 0.0, end, via="browser")], [seg],
                    num=number(recording=False), direction="outbound")


CALLS = {
    "01-plain-inbound": plain_inbound,
    "02-warm-transfer": warm_transfer,
    "03-pause-skip": pause_skip,
    "04-external-forward": external_forward,
    "05-voicemail": voicemail,
    "06-opt-in-declined": opt_in_declined,
    "07-recording-off": recording_off,
}


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("make_samples: espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 1
    for name, build in CALLS.items():
        directory = HERE / name
        shutil.rmtree(directory / "legs", ignore_errors=True)
        data = build(directory / "legs")
        (directory / "manifest.json").write_text(json.dumps(data, indent=2) + "\n")
        size = sum(p.stat().st_size for p in (directory / "legs").iterdir())
        print(f"{name}: {max(e['end'] for e in data['events']):.1f} s call, {size / 1024:.0f} KiB of legs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
