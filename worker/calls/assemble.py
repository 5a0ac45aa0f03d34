"""Post-call assembly: a validated manifest in, one mono recording with the beep out.

``assemble_manifest`` checks the input limits (``worker.calls.limits``), applies the recording
rules (``worker.calls.rules``), opens every segment (inside the source roots, ``worker.calls.sources``;
each bounded by the time the call has for it, so a bad file is reported before anything is
written), and streams the kept call time
into ``out_path`` through ``audio.assembly``. Calls that must not be recorded produce no
file; their outcome says why.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from callrec.errors import shown
from audio.assembly import AssembledRecording, SegmentInput, assemble
from audio.resample import TRACKS
from audio.beep import Beep, BeepSpec
from audio.decode import AudioSource, DecodeLimits, open_source, open_source_file
from audio.errors import AudioInputError
from audio.timemap import TimeMap
from worker.calls.confined import open_confined
from worker.errors import ManifestError, UsageError, resource_error
from worker.calls.limits import InputLimits
from worker.calls.manifest import Manifest, Segment
from worker.calls.rules import Cut, plan_recording
from worker.calls.source_names import source_name
from worker.settings import Settings
from worker.calls.sources import check_distinct_segments, source_roots
from worker.workdirs import WorkDir

#: Opens a segment for reading (e.g. fetches an s3:// object into a temp dir first); a
#: returned path is opened as a regular file, without the source-root check.
SegmentResolver = Callable[[Segment], "BinaryIO | Path"]


@dataclass(frozen=True)
class AssemblyOutcome:
    """The result of assembling one call; ``recording`` is None when it was not recorded."""

    call_id: str
    recorded: bool
    reason: str | None
    call_duration_s: float
    cuts: tuple[Cut, ...]
    silenced: tuple[Cut, ...]
    recording: AssembledRecording | None

    @property
    def recorded_duration_s(self) -> float:
        """Length of the recording, beeps included (0 when not recorded)."""
        return self.recording.duration_s if self.recording else 0.0

    @property
    def beeps(self) -> tuple[Beep, ...]:
        return self.recording.beeps if self.recording else ()

    @property
    def time_map(self) -> TimeMap | None:
        return self.recording.time_map if self.recording else None

    @property
    def rate_hz(self) -> int | None:
        return self.recording.rate_hz if self.recording else None

    @property
    def frames(self) -> int:
        return self.recording.frames if self.recording else 0

    def cut_s_by_reason(self) -> dict[str, float]:
        """Seconds of call time cut, per reason (silenced pauses not included)."""
        totals: dict[str, float] = defaultdict(float)
        for cut in self.cuts:
            totals[cut.reason] += cut.duration_s
        return dict(totals)

    def to_dict(self) -> dict[str, Any]:
        """Assembly metadata (JSON-ready; no audio, no transcript text)."""
        recording = self.recording
        return {
            "call_id": self.call_id,
            "recorded": self.recorded,
            "not_recorded_reason": self.reason,
            "call_duration_s": self.call_duration_s,
            "recorded_duration_s": self.recorded_duration_s,
            "recorded_call_s": recording.time_map.recorded_call_s if recording else 0.0,
            "rate_hz": self.rate_hz,
            "frames": self.frames,
            "beeps": [{"start_s": b.start_s, "end_s": b.end_s, "kind": b.kind} for b in self.beeps],
            "cuts": [_cut_dict(cut) for cut in self.cuts],
            "silenced": [_cut_dict(cut) for cut in self.silenced],
            "cut_s_by_reason": self.cut_s_by_reason(),
            "time_map": recording.time_map.to_dict() if recording else None,
        }


def beep_spec(settings: Settings) -> BeepSpec:
    """The beep settings as an ``audio.beep.BeepSpec``; bad values raise ``UsageError``."""
    try:
        return BeepSpec(freq_hz=settings.beep_hz, duration_s=settings.beep_s,
                        level_dbfs=settings.beep_dbfs, on_resume=settings.beep_on_resume,
                        reminder_interval_s=settings.reminder_interval_s)
    except ValueError as exc:
        raise UsageError(f"beep settings (CALLREC_BEEP_*, CALLREC_REMINDER_INTERVAL_S): {exc}") from exc


def local_segments(manifest: Manifest, settings: Settings) -> SegmentResolver:
    """The default resolver: local files inside the source roots only."""
    roots = source_roots(manifest, settings)
    check_distinct_segments(manifest, roots)

    def resolve(segment: Segment) -> BinaryIO:
        if segment.location.path is None:
            raise ManifestError(f"segment {shown(source_name(segment.uri))}: only local files can be read here; "
                                "s3:// segments need the pipeline's object store")
        return open_confined(segment.location.path, roots)
    return resolve


def assemble_manifest(manifest: Manifest, out_path: str | os.PathLike[str], settings: Settings,
                      resolve: SegmentResolver | None = None,
                      temp_parent: Path | None = None, *, beep: BeepSpec | None = None,
                      keep_tracks: bool = False) -> AssemblyOutcome:
    """Assemble ``manifest`` into ``out_path`` (16-bit mono WAV at ``settings.output_rate_hz``;
    with ``keep_tracks``, a call with a dual-channel leg on two tracks, ``audio.assembly``:
    redaction masks each party apart, then ``audio.mixdown`` makes the mono recording).

    Writes nothing when the call is not recorded or the input is bad (``ManifestError``,
    ``AudioInputError``); the output appears complete or not at all. Transcodes go to
    ``temp_parent`` (default: the system temp dir). ``beep`` is the one built at start
    (``worker.boot.Backends``); without it, the settings' beep.
    """
    limits = InputLimits.from_settings(settings)
    limits.check_manifest(manifest)
    beep = beep if beep is not None else beep_spec(settings)
    if settings.output_rate_hz < 2 * beep.freq_hz + 1:
        raise UsageError(f"CALLREC_OUTPUT_RATE_HZ {settings.output_rate_hz} is too low for a "
                         f"{beep.freq_hz:g} Hz beep")
    plan = plan_recording(manifest, beep_on_resume=beep.on_resume)
    if not plan.recorded:
        return AssemblyOutcome(manifest.call_id, False, plan.reason, plan.call_duration_s,
                               plan.cuts, plan.silenced, None)
    resolve = resolve or local_segments(manifest, settings)
    try:
        with ExitStack() as stack:
            if temp_parent is None:  # transcodes in a work dir a sweep removes if we die
                temp_parent = stack.enter_context(WorkDir())
            inputs = []
            for index, segment in enumerate(manifest.segments):
                inputs.append(SegmentInput(stack.enter_context(_open_segment(
                    index, segment, resolve, limits.segment(manifest, segment), temp_parent)), segment.start_s,
                    _field(index)))
            tracks = TRACKS if keep_tracks and any(i.source.channels == TRACKS for i in inputs) else 1
            recording = assemble(inputs, plan.timeline, out_path, settings.output_rate_hz, beep, tracks=tracks)
    except OSError as exc:  # a full temp disk is not bad input
        transient = resource_error(exc)
        if transient is None:
            raise
        raise transient from exc
    return AssemblyOutcome(manifest.call_id, True, None, plan.call_duration_s,
                           plan.cuts, plan.silenced, recording)


def _open_segment(index: int, segment: Segment, resolve: SegmentResolver, limits: DecodeLimits,
                  temp_parent: Path | None) -> AudioSource:
    try:
        opened = resolve(segment)
        if isinstance(opened, Path):
            return open_source(opened, limits, temp_parent)
        return open_source_file(opened, segment.location.path or Path(source_name(segment.uri)), limits, temp_parent)
    except (AudioInputError, ManifestError) as exc:
        raise ManifestError(f"{_field(index)}: {exc}") from exc


def _field(index: int) -> str:
    """The manifest field that names segment ``index``, heading every error about its file."""
    return f"segments[{index}].uri"


def _cut_dict(cut: Cut) -> dict[str, Any]:
    return {"start_s": cut.start_s, "end_s": cut.end_s, "reason": cut.reason}
