"""What of a call is recorded (DESIGN.md §1), decided from its manifest.

- Recorded time: ``agent``, ``external_transfer`` and ``voicemail`` events (where they
  overlap, their union: ``worker.calls.manifest`` accepts overlaps, and says why). Any
  ``ivr``, ``queue``, ``hold``, ``consultation`` or ``ivr_external_forward`` event cuts its
  time out of recorded events it overlaps; call time covered by no event is not recorded.
- Pause/resume controls (Professional, Enterprise only): paused recorded time is cut
  (``skip``) or kept as silence (``silence``, Twilio's default).
- Consent (Professional, Enterprise only): ``opt_in`` records only when the caller gave
  consent, ``opt_out`` unless the caller declined. A number with recording switched off is
  never recorded. A call with no recorded time at all produces no recording either.
- The recording starts with the beep; optionally a beep on every resume, where recording
  resumes: a resume inside a hold or between events beeps before the next recorded audio.

``plan_recording`` returns the decision and, for recorded calls, the timeline that
``audio.assembly`` turns into audio. Plan violations raise ``ManifestError``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from audio.assembly import Insert, Keep
from worker.errors import ManifestError
from worker.calls.manifest import Manifest

#: Reasons a call is not recorded.
NUMBER_RECORDING_OFF = "number_recording_off"
OPT_IN_WITHOUT_CONSENT = "opt_in_without_consent"
OPT_OUT_DECLINED = "opt_out_declined"
NO_RECORDED_TIME = "no_recorded_time"

#: Cut reasons besides the not-recorded event types themselves.
PAUSED = "paused"
NO_EVENT = "no_event"

#: Kinds of stretch of call time: in the recording, in it as silence, or cut out.
KEEP, SILENT, CUT = "keep", "silent", "cut"


@dataclass(frozen=True)
class Cut:
    """Call time [start_s, end_s) left out of the recording (or silenced), and why."""

    start_s: float
    end_s: float
    reason: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class RecordingPlan:
    """The decision for one call; ``timeline`` is empty when it is not recorded."""

    recorded: bool
    reason: str | None
    call_duration_s: float
    cuts: tuple[Cut, ...] = ()
    silenced: tuple[Cut, ...] = ()
    timeline: tuple[Keep | Insert, ...] = ()


def check_plan(manifest: Manifest) -> None:
    """Refuse controls and consent modes on plans that cannot use them."""
    account = manifest.account
    if account.can_pause:
        return
    if manifest.controls:
        raise ManifestError(
            f"controls: account.plan {account.plan!r} cannot pause or resume recordings "
            f"({len(manifest.controls)} control(s) given); only professional and enterprise "
            "plans can (other plans get card data redacted automatically instead)")
    if manifest.number.consent_mode != "none":
        raise ManifestError(
            f"number.consent_mode: {manifest.number.consent_mode!r} needs a professional or "
            f"enterprise plan; account.plan is {account.plan!r}")


def not_recorded_reason(manifest: Manifest) -> str | None:
    """Why this call must not be recorded at all, or None when it may be."""
    if not manifest.number.recording:
        return NUMBER_RECORDING_OFF
    mode, consent = manifest.number.consent_mode, manifest.consent
    if mode == "opt_in" and consent != "given":
        return OPT_IN_WITHOUT_CONSENT
    if mode == "opt_out" and consent == "declined":
        return OPT_OUT_DECLINED
    return None


def paused_intervals(manifest: Manifest) -> tuple[tuple[float, float], ...]:
    """[pause, resume) intervals from the controls; a pause never resumed lasts to the end."""
    intervals, paused_at = [], None
    for index, control in enumerate(manifest.controls):
        if control.action == "pause":
            if paused_at is not None:
                raise ManifestError(f"controls[{index}].action: pause at {control.at_s:g} s while "
                                    f"already paused since {paused_at:g} s")
            paused_at = control.at_s
        else:
            if paused_at is None:
                raise ManifestError(f"controls[{index}].action: resume at {control.at_s:g} s "
                                    "without a pause before it")
            if control.at_s > paused_at:
                intervals.append((paused_at, control.at_s))
            paused_at = None
    if paused_at is not None and paused_at < manifest.call_duration_s:
        intervals.append((paused_at, manifest.call_duration_s))
    return tuple(intervals)


def plan_recording(manifest: Manifest, beep_on_resume: bool = False) -> RecordingPlan:
    """Decide whether and how the call is recorded."""
    check_plan(manifest)
    pauses = paused_intervals(manifest)
    call_s = manifest.call_duration_s
    reason = not_recorded_reason(manifest)
    if reason is not None:
        return RecordingPlan(False, reason, call_s)
    stretches = _classify(manifest, pauses)
    if not any(s.kind == KEEP for s in stretches):
        return RecordingPlan(False, NO_RECORDED_TIME, call_s)
    if not manifest.segments:
        recorded_s = sum(s.end_s - s.start_s for s in stretches if s.kind != CUT)
        raise ManifestError(f"segments: the call has {recorded_s:g} s of recorded time but no segment; "
                            "a recording needs the audio the provider recorded")
    cuts = tuple(Cut(s.start_s, s.end_s, s.reason) for s in stretches if s.kind == CUT)
    silenced = tuple(Cut(s.start_s, s.end_s, s.reason) for s in stretches if s.kind == SILENT)
    resumes = [end for _, end in pauses] if beep_on_resume else []  # in time order
    timeline: list[Keep | Insert] = [Insert("start")]
    next_resume = 0
    for stretch in stretches:
        if stretch.kind == CUT:
            continue
        start_s, silent = stretch.start_s, stretch.kind == SILENT
        while not silent and next_resume < len(resumes) and resumes[next_resume] < stretch.end_s:
            # A resume that fell where nothing is recorded (in a hold, between events) still
            # ends a pause: DESIGN promises "a beep on every resume after a pause", so its
            # beep goes where recording really resumes, before this stretch's audio.
            resume_s = max(resumes[next_resume], start_s)
            next_resume += 1
            if resume_s > start_s:
                timeline.append(Keep(start_s, resume_s))
            if not isinstance(timeline[-1], Insert):  # right after another beep: one beep
                timeline.append(Insert("resume"))
            start_s = resume_s
        timeline.append(Keep(start_s, stretch.end_s, silent))
    return RecordingPlan(True, None, call_s, cuts, silenced, tuple(timeline))


@dataclass(frozen=True)
class _Stretch:
    kind: str
    start_s: float
    end_s: float
    reason: str = ""


def _classify(manifest: Manifest, pauses: tuple[tuple[float, float], ...]) -> list[_Stretch]:
    """Split [0, call end) into stretches to keep, keep silent or cut, merging neighbours.

    Where several not-recorded events overlap, the innermost (latest to start) names the
    cut, so hold inside a consultation is reported as hold. One sweep over the sorted event
    boundaries with heaps of the events in force: O(n log n) in the number of events (a
    loop over every event for every boundary took a minute for 16k events).
    """
    events = manifest.events
    call_s = manifest.call_duration_s
    points = {0.0, call_s}
    points.update(t for e in events for t in (e.start_s, e.end_s))
    points.update(t for p in pauses for t in p)
    points = sorted(p for p in points if p <= call_s)
    silence_paused = manifest.account.pause_behavior == "silence"
    by_start = sorted(range(len(events)), key=lambda i: events[i].start_s)
    recorded_ends: list[float] = []  # min-heap: ends of recorded events in force
    unrecorded: list[tuple[float, int]] = []  # min-heap of (-start, -index): innermost first
    next_event = next_pause = 0
    stretches: list[_Stretch] = []
    for start_s, end_s in zip(points, points[1:]):
        middle = (start_s + end_s) / 2
        while next_event < len(by_start) and events[by_start[next_event]].start_s <= middle:
            index = by_start[next_event]
            if events[index].recorded:
                heapq.heappush(recorded_ends, events[index].end_s)
            else:
                heapq.heappush(unrecorded, (-events[index].start_s, -index))
            next_event += 1
        while recorded_ends and recorded_ends[0] <= middle:
            heapq.heappop(recorded_ends)
        while unrecorded and events[-unrecorded[0][1]].end_s <= middle:
            heapq.heappop(unrecorded)
        while next_pause < len(pauses) and pauses[next_pause][1] <= middle:
            next_pause += 1
        if unrecorded:
            stretch = _Stretch(CUT, start_s, end_s, events[-unrecorded[0][1]].type)
        elif not recorded_ends:
            stretch = _Stretch(CUT, start_s, end_s, NO_EVENT)
        elif next_pause < len(pauses) and pauses[next_pause][0] <= middle:
            stretch = _Stretch(SILENT if silence_paused else CUT, start_s, end_s, PAUSED)
        else:
            stretch = _Stretch(KEEP, start_s, end_s)
        last = stretches[-1] if stretches else None
        if last and (last.kind, last.reason, last.end_s) == (stretch.kind, stretch.reason, start_s):
            stretches[-1] = _Stretch(last.kind, last.start_s, end_s, last.reason)
        else:
            stretches.append(stretch)
    return stretches
