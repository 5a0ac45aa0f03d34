"""Redaction settings as one frozen value (the worker fills it from worker.settings)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from redaction.masker import MODES, NOISE_DBFS, RAMP_MS, TONE_DBFS, TONE_HZ

#: RedactionConfig.mask_channels' values.
MASK_CHANNELS = ("speaker", "all")
#: Recordings of this many channels are masked channel by channel ("speaker"): a dual-channel leg.
DUAL_CHANNELS = 2


@dataclass(frozen=True)
class RedactionConfig:
    """How to mask and check. Padding: before the onset (a detector sees a tone only after it
    starts) more than after the end."""

    mask: str = "tone"
    pad_before_ms: float = 150.0
    pad_after_ms: float = 100.0
    #: Further padding on both sides of what the speech recognizer found, each side stopping
    #: in the first pause within its reach (``redaction.pauses``: the speech beyond a pause is
    #: other speech). Whisper's number words already reach their neighbours when their own times
    #: are short (150 ms); the built-in network's word edges come from CTC spikes and want about
    #: one digit word (450).
    speech_pad_ms: float = 150.0
    ramp_ms: float = RAMP_MS
    tone_hz: float = TONE_HZ
    tone_dbfs: float = TONE_DBFS
    noise_dbfs: float = NOISE_DBFS
    #: Re-run the detectors on the output; failure raises VerificationError.
    verify: bool = True
    #: Frames per block read from a file (memory is a few blocks, whatever the call length).
    block_frames: int = 65536
    #: Transcript words may end this far past the audio's end (provider rounding).
    end_tolerance_s: float = 0.5
    #: A dual-channel recording (agent and caller apart): "all" masks every channel alike;
    #: "speaker" masks card data on the channel that said it (and on a channel that echoes it),
    #: the other party staying audible (``redaction.channels``; the same digits as "all" on the
    #: bench's synthetic stereo, untried on real recordings: not the default).
    mask_channels: str = "all"

    @property
    def spoken_pad_s(self) -> tuple[float, float]:
        """The most a recognizer's finding is padded before and after it, in seconds: the
        padding every detection gets and ``speech_pad_ms`` (``redaction.pauses`` stops it in a pause)."""
        return (self.pad_before_ms + self.speech_pad_ms) / 1000.0, (self.pad_after_ms + self.speech_pad_ms) / 1000.0

    @property
    def by_speaker(self) -> bool:
        """A dual-channel recording's card data is masked on the channel that said it."""
        return self.mask_channels == "speaker"

    def __post_init__(self) -> None:
        if self.mask not in MODES:
            raise ValueError(f"mask must be one of {MODES}, got {self.mask!r}")
        for name in ("pad_before_ms", "pad_after_ms", "speech_pad_ms"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):  # NaN slips through a comparison
                raise ValueError(f"{name} must be a finite number of ms, 0 or more, got {value!r}")
        if self.mask_channels not in MASK_CHANNELS:
            raise ValueError(f"mask_channels must be one of {MASK_CHANNELS}, got {self.mask_channels!r}")
        if self.block_frames < 1024:
            raise ValueError(f"block_frames must be at least 1024, got {self.block_frames!r}")
