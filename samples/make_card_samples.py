"""Generate the card-data sample recordings (needs Debian's espeak-ng).

    08-card-keyed/legs/caller.wav   an IVR-style payment: the agent asks, the caller keys the
                                    card number, expiry date and security code (each ended
                                    with #) on a telephone keypad: real key timing, twist and
                                    frequency error inside the receiver spec, telephone
                                    channel and noise
    09-card-spoken/legs/caller.wav  a caller reads a card number, expiry date and security code
                                    to an agent; word-timed transcripts of it in three provider
                                    formats: transcript.aws.json, transcript.deepgram.json and
                                    transcript.simple (the project's own format)

Both are 8 kHz G.711 mu-law WAV (what a contact centre records), and each folder has a
manifest.json of a team-plan call (redaction on automatically) so ``make demo`` runs them
through the whole pipeline; the spoken one names its AWS transcript. Try them alone with
``callrec redact samples/08-card-keyed/legs/caller.wav -o out.wav --report r.json`` and
``callrec redact samples/09-card-spoken/legs/caller.wav -o out.wav --transcript
samples/09-card-spoken/transcript.aws.json --transcript-format aws``.

The card number is a published test number (Luhn-valid Visa), not a real card. The
output is deterministic for a given espeak-ng version (fixed seeds).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile
import soxr
from scipy import signal

from redaction.dtmf_synth import KeyPress, press_samples

HERE = Path(__file__).resolve().parent
RATE_HZ = 8000
BAND_HZ = (300.0, 3400.0)
NOISE_DBFS = -55.0
VOICES = {"agent": ("en-us+f3", 160, 55), "caller": ("en-gb+m1", 150, 35)}
CARD, EXPIRY, CODE = "4532015112830366", "1227", "731"
DIGIT_WORDS = "zero one two three four five six seven eight nine".split()


def speak(text: str, speaker: str) -> np.ndarray:
    voice, wpm, pitch = VOICES[speaker]
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "--stdout", text], capture_output=True, check=True
    ).stdout
    audio, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    audio = soxr.resample(audio, rate, RATE_HZ)
    loud = np.flatnonzero(np.abs(audio) > 0.02 * np.abs(audio).max())
    audio = audio[loud[0] : loud[-1] + 1] if len(loud) else audio
    return (0.4 * audio / max(1e-6, np.abs(audio).max())).astype(np.float32)


class Track:
    """A mono track built left to right, remembering when each word was said."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.length = 0
        self.words: list[tuple[str, float, float, str]] = []  # text, start_s, end_s, speaker

    def pause(self, seconds: float) -> None:
        self.add(np.zeros(round(seconds * RATE_HZ), np.float32))

    def add(self, samples: np.ndarray) -> tuple[float, float]:
        start = self.length
        self.parts.append(samples)
        self.length += len(samples)
        return start / RATE_HZ, self.length / RATE_HZ

    def say(self, text: str, speaker: str, word_gap_s: float = 0.06) -> None:
        for word in text.split():
            start_s, end_s = self.add(speak(word.strip(",.?"), speaker))
            self.words.append((word, round(start_s, 3), round(end_s, 3), speaker))
            self.pause(word_gap_s + (0.25 if word.endswith((",", ".", "?")) else 0.0))

    def samples(self) -> np.ndarray:
        return np.concatenate(self.parts)


def telephone(audio: np.ndarray, seed: int) -> np.ndarray:
    sos = signal.butter(4, BAND_HZ, btype="bandpass", fs=RATE_HZ, output="sos")
    band = signal.sosfilt(sos, audio)
    noise = np.random.default_rng(seed).normal(0.0, 10 ** (NOISE_DBFS / 20.0), len(band))
    return np.clip(band + noise, -1.0, 1.0).astype(np.float32)


def card_dtmf() -> None:
    rng = np.random.default_rng(7)
    track = Track()
    track.pause(0.5)
    track.say("Please key in your card number, followed by the hash key.", "agent")
    for entry, prompt in ((CARD + "#", "Now the expiry date, four digits, then hash."),
                          (EXPIRY + "#", "And the three digit security code, then hash."),
                          (CODE + "#", "Thank you. Your payment is being processed.")):
        track.pause(0.8)
        for key in entry:
            press = KeyPress(key, on_s=float(rng.uniform(0.06, 0.16)), deviation=float(rng.uniform(-0.01, 0.01)),
                             twist_db=float(rng.uniform(-3.0, 6.0)), level_dbm0=float(rng.uniform(-18.0, -6.0)))
            track.add(press_samples(press, RATE_HZ, rng))
            track.pause(float(rng.uniform(0.08, 0.35)))
        track.pause(0.6)
        track.say(prompt, "agent")
    track.pause(0.5)
    folder = HERE / "08-card-keyed"
    write(folder / "legs" / "caller.wav", telephone(track.samples(), seed=1))
    write_manifest(folder, "CA1008", track.length / RATE_HZ)


def card_transcript() -> None:
    track = Track()
    track.pause(0.5)
    track.say("Thank you for calling. Can I take the long number on the card please?", "agent")
    track.pause(0.4)
    groups = [CARD[i : i + 4] for i in range(0, 16, 4)]
    track.say("Sure, it's " + ", ".join(" ".join(_word(d) for d in g) for g in groups) + ".", "caller")
    track.say("And the expiry date?", "agent")
    track.say("Twelve twenty-seven.", "caller")
    track.say("And the security code on the back?", "agent")
    track.say(" ".join(_word(d) for d in CODE) + ".", "caller")
    track.say("Thank you, that will take two minutes.", "agent")
    track.pause(0.5)
    folder = HERE / "09-card-spoken"
    write(folder / "legs" / "caller.wav", telephone(track.samples(), seed=2))
    write_manifest(folder, "CA1009", track.length / RATE_HZ, transcript="transcript.aws.json")
    words = track.words
    (folder / "transcript.simple").write_text(
        "# callrec words: start_s end_s word [confidence]\n"
        + "".join(f"{s:.3f} {e:.3f} {w.strip(',.?').lower()} 0.95\n" for w, s, e, _ in words)
    )
    (folder / "transcript.deepgram.json").write_text(json.dumps(_deepgram(words), indent=2) + "\n")
    (folder / "transcript.aws.json").write_text(json.dumps(_aws(words), indent=2) + "\n")


def _word(digit: str) -> str:
    return "oh" if digit == "0" else DIGIT_WORDS[int(digit)]


def _deepgram(words: list[tuple[str, float, float, str]]) -> dict:
    items = [{"word": w.strip(",.?").lower(), "start": s, "end": e, "confidence": 0.95, "punctuated_word": w,
              "speaker": 0 if who == "agent" else 1} for w, s, e, who in words]
    transcript = " ".join(i["punctuated_word"] for i in items)
    return {"metadata": {"request_id": "sample-card-transcript", "channels": 1, "duration": words[-1][2] + 0.5},
            "results": {"channels": [{"alternatives": [{"transcript": transcript, "confidence": 0.95, "words": items}]}]}}


def _aws(words: list[tuple[str, float, float, str]]) -> dict:
    """Amazon Transcribe writes spoken digits as numerals (one item per spoken group) and an
    expiry date as 12/27."""
    items: list[dict] = []
    group: list[tuple[str, float, float]] = []

    def say(content: str, start: float, end: float) -> None:
        items.append({"type": "pronunciation", "start_time": f"{start:.3f}", "end_time": f"{end:.3f}",
                      "alternatives": [{"confidence": "0.95", "content": content}]})

    def flush() -> None:
        if group:
            say("".join("0" if w == "oh" else str(DIGIT_WORDS.index(w)) for w, _, _ in group), group[0][1], group[-1][2])
            group.clear()

    i = 0
    while i < len(words):
        word, start, end, _ = words[i]
        core = word.strip(",.?").lower()
        if core in DIGIT_WORDS or core == "oh":
            group.append((core, start, end))
        elif core == "twelve" and i + 1 < len(words):
            flush()
            i += 1
            word, end = words[i][0], words[i][2]
            say("12/27", start, end)
        else:
            flush()
            say(word.strip(",.?"), start, end)
        if word.endswith((",", ".", "?")):
            flush()
            items.append({"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": word[-1]}]})
        i += 1
    flush()
    text = ""
    for item in items:
        content = item["alternatives"][0]["content"]
        text += content if item["type"] == "punctuation" or not text else " " + content
    return {"jobName": "sample-card-transcript", "accountId": "000000000000", "status": "COMPLETED",
            "results": {"transcripts": [{"transcript": text}], "items": items}}


def write_manifest(folder: Path, call_id: str, duration_s: float, transcript: str | None = None) -> None:
    """A team-plan inbound call (it cannot pause, so redaction is on) answered at once."""
    manifest = {
        "call_id": call_id, "ticket_id": f"T-{call_id[2:]}",
        "account": {"id": "acme", "plan": "team", "region": "us", "retention_days": None,
                    "recordings_public": False, "pause_behavior": "silence", "redaction": "auto"},
        "number": {"id": "+15550100", "recording": True, "consent_mode": "none"},
        "direction": "inbound", "consent": "none",
        "events": [{"type": "agent", "start": 0.0, "end": round(duration_s, 3), "via": "browser"}],
        "controls": [],
        "segments": [{"uri": "file:legs/caller.wav", "start": 0.0}],
    }
    if transcript:
        manifest["transcript"] = {"uri": f"file:{transcript}", "format": "aws", "clock": "call"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def write(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, audio, RATE_HZ, subtype="ULAW")
    print(f"{path.relative_to(HERE.parent)}: {len(audio) / RATE_HZ:.1f} s")


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("make_card_samples: needs espeak-ng (Debian package espeak-ng)", file=sys.stderr)
        return 1
    card_dtmf()
    card_transcript()
    return 0


if __name__ == "__main__":
    sys.exit(main())
